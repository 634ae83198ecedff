"""State-change notifiers against a local Slack webhook and a local SMTP server."""

from __future__ import annotations

import pytest

import caudal
from caudal import Flow, task
from caudal.engine.state import Failed, Pending, Running, Success, TriggerFailed
from caudal.exceptions import NotSupportedError
from caudal.utilities.notifications import (
    callback_factory,
    gmail_notifier,
    jira_notifier,
    slack_message_formatter,
    slack_notifier,
)

ROBOT = {"EMAIL_USERNAME": "robot@example.com", "EMAIL_PASSWORD": "app-password"}


def attachment(text: str, title: str, color: str, message: str | None) -> dict:
    fields = [] if message is None else [{"title": "Message", "value": message,
                                          "short": False}]
    return {"attachments": [{"fallback": "State change notification", "color": color,
                             "author_name": "caudal", "title": title, "text": text,
                             "fields": fields, "footer": "caudal notification"}]}


def test_slack_notifier_posts_the_failure_of_a_task_in_a_flow_run(slack_webhook):
    @task(state_handlers=[slack_notifier(only_states=[Failed])])
    def load():
        raise ValueError("row 7 has no id")

    with Flow("nightly") as flow:
        load()
    with caudal.context(secrets={"SLACK_WEBHOOK_URL": slack_webhook.url}):
        state = flow.run()

    assert state.is_failed()
    assert slack_webhook.posts == [attachment("load is now in a Failed state", "Failed",
                                              "#eb0000", "```ValueError('row 7 has no id')```")]
    assert slack_webhook.content_types == ["application/json"]


def test_slack_notifier_without_filters_posts_every_change_of_a_flow(slack_webhook):
    with Flow("nightly", state_handlers=[slack_notifier]) as flow:
        task(lambda: 1, name="one")()
    with caudal.context(secrets={"SLACK_WEBHOOK_URL": slack_webhook.url}):
        flow.run()

    assert [p["attachments"][0]["title"] for p in slack_webhook.posts] == ["Running", "Success"]
    assert slack_webhook.posts[-1] == attachment(
        "nightly is now in a Success state", "Success", "#28a745",
        "All reference tasks succeeded.")


def test_slack_notifier_reads_the_named_secret_from_the_configuration(slack_webhook,
                                                                      monkeypatch):
    monkeypatch.setenv("CAUDAL__CONTEXT__SECRETS__TEAM_HOOK", slack_webhook.url)

    slack_notifier(caudal.Task(name="t"), Pending(), Success("done"), webhook_secret="TEAM_HOOK")

    assert slack_webhook.posts[0]["attachments"][0]["fields"][0]["value"] == "done"


def test_slack_notifier_with_ignored_state_posts_nothing(slack_webhook):
    with caudal.context(secrets={"SLACK_WEBHOOK_URL": slack_webhook.url}):
        returned = slack_notifier(caudal.Task(name="t"), Pending(), TriggerFailed("x"),
                                  ignore_states=[Failed], only_states=[TriggerFailed])
        slack_notifier(caudal.Task(name="t"), Pending(), Running("x"), only_states=[Failed])

    assert isinstance(returned, TriggerFailed)
    assert slack_webhook.posts == []


def test_slack_notifier_with_error_status_raises_value_error(slack_webhook):
    slack_webhook.status = 500

    with caudal.context(secrets={"SLACK_WEBHOOK_URL": slack_webhook.url}):
        with pytest.raises(ValueError, match="Slack notification for <Task: t> failed"):
            slack_notifier(caudal.Task(name="t"), Pending(), Failed("x"))


def test_slack_notifier_without_secret_says_where_to_set_it():
    with pytest.raises(ValueError, match="CAUDAL__CONTEXT__SECRETS__SLACK_WEBHOOK_URL"):
        slack_notifier(caudal.Task(name="t"), Pending(), Failed("x"))


def test_slack_message_formatter_without_message_has_no_fields():
    message = slack_message_formatter(caudal.Task(name="t"), Success(), backend_info=False)

    assert message == attachment("t is now in a Success state", "Success", "#28a745", None)


def test_callback_factory_calls_fn_only_when_check_passes():
    seen = []
    handler = callback_factory(lambda obj, state: seen.append((obj, state.message)),
                               lambda state: state.is_failed())

    assert handler("t", Pending(), Success("ok")).message == "ok"
    handler("t", Pending(), Failed("boom"))

    assert seen == [("t", "boom")]


def test_gmail_notifier_with_local_ssl_server_sends_to_the_account(smtp_ssl_server):
    notify = gmail_notifier(only_states=[Failed], smtp_server=smtp_ssl_server.host,
                            smtp_port=smtp_ssl_server.port)

    @task(state_handlers=[notify])
    def load():
        raise ValueError("no rows")

    with Flow("nightly") as flow:
        load()
    with caudal.context(secrets=ROBOT):
        flow.run()

    assert smtp_ssl_server.logins == [("robot@example.com", "app-password")]
    [(sender, recipients, mail)] = smtp_ssl_server.mails
    assert (sender, recipients) == ("robot@example.com", ["robot@example.com"])
    assert mail["Subject"] == "caudal state change notification for load"
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert plain == "load is now in a Failed state.\n\nMessage: ValueError('no rows')\n"
    assert '<font color="#eb0000"><b>Failed</b></font>' in mail.get_body(("html",)).get_content()


def test_gmail_notifier_insecure_sends_without_login(smtp_server):
    with caudal.context(secrets=ROBOT):
        gmail_notifier(caudal.Task(name="t"), Pending(), Success("ok"),
                       smtp_server=smtp_server.host, smtp_port=smtp_server.port,
                       smtp_type="INSECURE")

    assert smtp_server.logins == []
    assert len(smtp_server.mails) == 1


def test_jira_notifier_raises_not_supported_with_what_to_use():
    with pytest.raises(NotSupportedError, match="callback_factory"):
        jira_notifier(caudal.Task(name="t"), Pending(), Failed("x"))
