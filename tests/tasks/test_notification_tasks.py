"""SlackTask and EmailTask inside real flow runs, against a local webhook and SMTP server."""

from __future__ import annotations

import urllib.error

import pytest

import caudal
from caudal import Flow
from caudal.exceptions import NotSupportedError
from caudal.tasks.notifications import EmailTask, PushbulletTask, SlackTask

ROBOT = {"EMAIL_USERNAME": "robot@example.com", "EMAIL_PASSWORD": "app-password"}


def test_slack_task_posts_its_message_in_a_flow_run(slack_webhook):
    with Flow("report") as flow:
        SlackTask(message="Nightly load finished")()
        SlackTask()(message={"blocks": [{"type": "divider"}]})
    with caudal.context(secrets={"SLACK_WEBHOOK_URL": slack_webhook.url}):
        state = flow.run()

    assert state.is_successful()
    assert sorted(slack_webhook.posts, key=str) == [{"blocks": [{"type": "divider"}]},
                                                    {"text": "Nightly load finished"}]


def test_slack_task_with_webhook_url_reads_no_secret(slack_webhook):
    SlackTask(webhook_secret="NOT_SET").run(message="hi", webhook_url=slack_webhook.url)

    assert slack_webhook.posts == [{"text": "hi"}]


def test_slack_task_with_error_status_fails_the_task(slack_webhook):
    slack_webhook.status = 400
    with Flow("report") as flow:
        sent = SlackTask(message="x", webhook_secret="TEAM_HOOK")()
    with caudal.context(secrets={"TEAM_HOOK": slack_webhook.url}):
        state = flow.run()

    assert state.result[sent].is_failed()
    assert isinstance(state.result[sent].result, urllib.error.HTTPError)
    assert state.result[sent].result.code == 400


def test_slack_task_without_secret_says_where_to_set_it():
    with pytest.raises(ValueError, match="CAUDAL__CONTEXT__SECRETS__SLACK_WEBHOOK_URL"):
        SlackTask(message="x").run()


def test_email_task_sends_over_ssl_with_secrets_in_a_flow_run(smtp_ssl_server, tmp_path):
    report = tmp_path / "report.csv"
    report.write_text("id,rows\n1,12\n")
    email = EmailTask(subject="Load done", msg="<b>12 rows</b>", msg_plain="12 rows",
                      email_to="a@example.com, b@example.com", email_to_cc="c@example.com",
                      email_to_bcc="d@example.com", email_from="etl@example.com",
                      smtp_server=smtp_ssl_server.host, smtp_port=smtp_ssl_server.port,
                      attachments=[str(report)])
    with Flow("report") as flow:
        email()
    with caudal.context(secrets=ROBOT):
        state = flow.run()

    assert state.is_successful()
    assert smtp_ssl_server.logins == [("robot@example.com", "app-password")]
    [(sender, recipients, mail)] = smtp_ssl_server.mails
    assert sender == "etl@example.com"
    # smtplib's send_message sends to To, then Bcc, then Cc, as Prefect's EmailTask does.
    assert recipients == ["a@example.com", "b@example.com", "d@example.com", "c@example.com"]
    assert (mail["Subject"], mail["To"], mail["Cc"], mail["Bcc"]) == (
        "Load done", "a@example.com, b@example.com", "c@example.com", None)
    parts = [(p.get_content_type(), p.get_filename()) for p in mail.iter_parts()]
    assert parts == [("text/plain", None), ("text/html", None),
                     ("application/octet-stream", "report.csv")]
    assert mail.get_body(("html",)).get_content().strip() == "<b>12 rows</b>"
    [attached] = list(mail.iter_attachments())
    assert attached.get_content() == b"id,rows\n1,12\n"


def test_email_task_insecure_sends_without_login_or_secrets(smtp_server):
    EmailTask(subject="s", msg="m", email_to="a@example.com", smtp_type="INSECURE",
              smtp_server=smtp_server.host, smtp_port=smtp_server.port).run()

    assert smtp_server.logins == []
    assert smtp_server.mails[0][1] == ["a@example.com"]


def test_email_task_run_arguments_override_the_task(smtp_server):
    EmailTask(subject="s", msg="m", email_to="a@example.com", smtp_type="SSL").run(
        subject="other", smtp_type="INSECURE", smtp_server=smtp_server.host,
        smtp_port=smtp_server.port)

    assert smtp_server.mails[0][2]["Subject"] == "other"


def test_email_task_with_unknown_smtp_type_raises_value_error():
    with pytest.raises(ValueError, match="smtp_type 'weird' is not supported"):
        EmailTask(smtp_type="weird").run()


def test_email_task_defaults_are_prefects_but_the_sender():
    email = EmailTask()

    assert (email.smtp_server, email.smtp_port, email.smtp_type) == ("smtp.gmail.com", 465,
                                                                     "SSL")
    # Prefect's default sender is an address of its own domain; caudal sends as the account.
    assert email.email_from is None


def test_email_task_without_a_sender_sends_as_its_account(smtp_ssl_server):
    with caudal.context(secrets=ROBOT):
        EmailTask(subject="s", msg="m", email_to="a@example.com",
                  smtp_server=smtp_ssl_server.host, smtp_port=smtp_ssl_server.port).run()

    [(sender, _, mail)] = smtp_ssl_server.mails
    assert sender == mail["From"] == "robot@example.com"


def test_pushbullet_task_fails_at_run_with_what_to_use_instead():
    with Flow("push") as flow:
        pushed = PushbulletTask(msg="hi")()
    state = flow.run()

    assert isinstance(state.result[pushed].result, NotSupportedError)
    assert "SlackTask" in str(state.result[pushed].result)
