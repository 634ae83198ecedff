"""SlackTask: post a message to a Slack incoming webhook."""

from __future__ import annotations

import urllib.error
from typing import Any

from caudal.core.task import Task
from caudal.utilities.notifications import post_json, read_notification_secret
from caudal.utilities.tasks import defaults_from_attrs

__all__ = ["SlackTask"]


class SlackTask(Task):
    """Post ``message`` to a Slack incoming webhook whose URL is a secret.

    A string message is sent as ``{"text": message}``; a dict is sent as it is (Slack's
    ``blocks``, ``attachments``...).

    Args:
        message: the message; ``run`` can override it.
        webhook_secret: the name of the secret holding the webhook URL.
        **kwargs: passed to ``Task``.

    Example:
        >>> from caudal import Flow
        >>> with Flow("report") as flow:
        ...     _ = SlackTask(message="Nightly load finished")()
    """

    def __init__(self, message: str | dict | None = None,
                 webhook_secret: str = "SLACK_WEBHOOK_URL", **kwargs: Any) -> None:
        self.message = message
        self.webhook_secret = webhook_secret
        super().__init__(**kwargs)

    @defaults_from_attrs("message", "webhook_secret")
    def run(self, message: str | dict | None = None, webhook_secret: str | None = None,
            webhook_url: str | None = None) -> None:
        """Post the message.

        Args:
            message: the message; the task's if not given.
            webhook_secret: the secret holding the webhook URL; the task's if not given.
            webhook_url: the webhook URL itself; when given, no secret is read.

        Raises:
            ValueError: the secret is not set.
            urllib.error.HTTPError: the webhook answered with an error status.
        """
        url = webhook_url or read_notification_secret(str(webhook_secret), "SlackTask")
        payload = message if isinstance(message, dict) else {"text": message}
        status, reason = post_json(url, payload)
        if not 200 <= status < 300:
            raise urllib.error.HTTPError(
                "(Slack webhook)", status,
                f"the Slack webhook answered {status} {reason} to task '{self.name}'",
                None, None)  # type: ignore[arg-type]
