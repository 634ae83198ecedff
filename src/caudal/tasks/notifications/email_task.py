"""EmailTask: send an email through an SMTP server with smtplib."""

from __future__ import annotations

import socket
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

from caudal.core.task import Task
from caudal.utilities.notifications import check_smtp_type, read_notification_secret, send_email
from caudal.utilities.tasks import defaults_from_attrs

__all__ = ["EmailTask"]


class EmailTask(Task):
    """Send an email through an SMTP server, logging in with the secrets ``EMAIL_USERNAME``
    and ``EMAIL_PASSWORD``.

    The mail has the HTML part ``msg``, an optional plain-text part ``msg_plain`` and the
    files in ``attachments``. ``email_to``, ``email_to_cc`` and ``email_to_bcc`` are
    comma-separated addresses. Every argument can be given here or to ``run``.

    Args:
        subject: the subject line.
        msg: the HTML body.
        email_to: the recipients.
        email_from: the sender address; by default the account the mail is sent with
            (``EMAIL_USERNAME``), or ``caudal@<this host>`` without a login. Prefect's default was an address of Prefect's own domain,
            which no mail of yours should claim to come from.
        smtp_server, smtp_port: the SMTP server (Gmail's SSL port by default).
        smtp_type: ``"SSL"`` (TLS from the start), ``"STARTTLS"`` (plain, then upgraded), or
            ``"INSECURE"`` (plain, without logging in, so no secrets are read).
        msg_plain: the plain-text body.
        email_to_cc, email_to_bcc: the copy and blind-copy recipients.
        attachments: paths of files to attach.
        **kwargs: passed to ``Task``.

    Example:
        >>> from caudal import Flow
        >>> with Flow("report") as flow:
        ...     _ = EmailTask(subject="Load done", msg="<b>12 rows</b>",
        ...                   email_to="team@example.com")()
    """

    def __init__(self, subject: str | None = None, msg: str | None = None,
                 email_to: str | None = None, email_from: str | None = None,
                 smtp_server: str = "smtp.gmail.com", smtp_port: int = 465,
                 smtp_type: str = "SSL", msg_plain: str | None = None,
                 email_to_cc: str | None = None, email_to_bcc: str | None = None,
                 attachments: list[str] | None = None, **kwargs: Any) -> None:
        self.subject = subject
        self.msg = msg
        self.email_to = email_to
        self.email_from = email_from
        self.smtp_server = smtp_server
        self.smtp_port = smtp_port
        self.smtp_type = smtp_type
        self.msg_plain = msg_plain
        self.email_to_cc = email_to_cc
        self.email_to_bcc = email_to_bcc
        self.attachments = attachments or []
        super().__init__(**kwargs)

    @defaults_from_attrs("subject", "msg", "email_to", "email_from", "smtp_server",
                         "smtp_port", "smtp_type", "msg_plain", "email_to_cc", "email_to_bcc",
                         "attachments")
    def run(self, subject: str | None = None, msg: str | None = None,
            email_to: str | None = None, email_from: str | None = None,
            smtp_server: str | None = None, smtp_port: int | None = None,
            smtp_type: str | None = None, msg_plain: str | None = None,
            email_to_cc: str | None = None, email_to_bcc: str | None = None,
            attachments: list[str] | None = None) -> None:
        """Send the email; each argument overrides the task's.

        Raises:
            ValueError: a secret is not set, or ``smtp_type`` is not one of the three.
            smtplib.SMTPException: the server refused the login or the mail.
        """
        kind = check_smtp_type(str(smtp_type))
        message = MIMEMultipart()
        message["Subject"] = subject or ""
        message["From"] = email_from or ""
        message["To"] = email_to or ""
        if email_to_cc:
            message["Cc"] = email_to_cc
        if email_to_bcc:
            # smtplib's send_message sends to Bcc addresses and leaves the header out.
            message["Bcc"] = email_to_bcc
        if msg_plain:
            message.attach(MIMEText(msg_plain, "plain"))
        if msg:
            message.attach(MIMEText(msg, "html"))
        for path in attachments or []:
            part = MIMEApplication(Path(path).read_bytes())
            part.add_header("Content-Disposition", "attachment", filename=Path(path).name)
            message.attach(part)

        username = password = None
        if kind != "INSECURE":
            username = read_notification_secret("EMAIL_USERNAME", "EmailTask")
            password = read_notification_secret("EMAIL_PASSWORD", "EmailTask")
        if not email_from:
            # The account it logs in as; without a login (INSECURE), this host's caudal.
            message.replace_header("From", username or f"caudal@{socket.gethostname()}")
        send_email(message, str(smtp_server), int(smtp_port or 0), str(smtp_type), username,
                   password)
