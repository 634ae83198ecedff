"""State handlers that tell people about state changes: Slack, Gmail, or your own callback.

Attach one to a task or a flow as Prefect 0.15 code does::

    @task(state_handlers=[slack_notifier(only_states=[Failed])])
    def load(): ...

Each notifier is called as ``handler(obj, old_state, new_state)`` and returns ``new_state``;
given only some of its arguments, it returns a handler with those arguments filled in.
Secrets (the Slack webhook URL, the Gmail account) are read where the handler runs, from
``caudal.context.secrets`` or the configuration (``CAUDAL__CONTEXT__SECRETS__<NAME>``).
"""

from __future__ import annotations

import functools
import html
import inspect
import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import TYPE_CHECKING, Any

from caudal.exceptions import NotSupportedError

if TYPE_CHECKING:
    from caudal.core.flow import Flow
    from caudal.core.task import Task
    from caudal.engine.state import State

__all__ = ["callback_factory", "gmail_notifier", "jira_notifier", "slack_message_formatter",
           "slack_notifier"]

HandlerArgs = ("tracked_obj", "old_state", "new_state")
WEBHOOK_TIMEOUT_S = 30.0
"""How long a webhook post may take, in seconds, before it fails."""
SMTP_TIMEOUT_S = 30.0
"""How long an SMTP exchange may take, in seconds, before it fails."""


def _state_handler(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Let ``fn`` be called with some of its arguments first, as Prefect's notifiers can:
    until the tracked object and both states are given, a call returns a partial."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def handler(*args: Any, **kwargs: Any) -> Any:
        given = signature.bind_partial(*args, **kwargs).arguments
        if all(name in given for name in HandlerArgs):
            return fn(*args, **kwargs)
        return functools.partial(handler, *args, **kwargs)

    return handler


def read_notification_secret(name: str, needed_by: str) -> str:
    """The secret ``name`` for ``needed_by``, from the context or the configuration.

    Raises:
        ValueError: the secret is set nowhere; the message says where to set it.
    """
    from caudal.storage.secrets import find_secret, missing_secret

    value = find_secret(name)
    if value is None:
        raise ValueError(missing_secret(name, needed_by))
    return value


def post_json(url: str, payload: Any, timeout: float = WEBHOOK_TIMEOUT_S) -> tuple[int, str]:
    """POST ``payload`` as JSON to ``url``; the answer's status code and reason.

    A non-2xx answer is returned, not raised. A network failure raises ``urllib.error.URLError``
    (an ``OSError``).
    """
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.reason
    except urllib.error.HTTPError as error:
        return error.code, str(error.reason)


def _is_wanted(state: State, ignore_states: list | None, only_states: list | None) -> bool:
    if any(isinstance(state, kind) for kind in ignore_states or []):
        return False
    return not only_states or any(isinstance(state, kind) for kind in only_states)


def callback_factory(fn: Callable[[Any, State], Any],
                     check: Callable[[State], bool]) -> Callable[..., State]:
    """A state handler that calls ``fn(obj, new_state)`` when ``check(new_state)`` is true.

    Args:
        fn: called with the task or flow and its new state; its return value is ignored.
        check: decides, from the new state, whether to call ``fn``.

    Returns:
        A state handler ``handler(obj, old_state, new_state)`` returning ``new_state``.

    Example:
        >>> from caudal.engine.state import Failed, Pending
        >>> seen = []
        >>> handler = callback_factory(lambda obj, s: seen.append(obj), lambda s: s.is_failed())
        >>> _ = handler("load", Pending(), Failed("boom"))
        >>> seen
        ['load']
    """

    def state_handler(obj: Any, old_state: State, new_state: State) -> State:
        if check(new_state):
            fn(obj, new_state)
        return new_state

    return state_handler


def slack_message_formatter(tracked_obj: Flow | Task, state: State,
                            backend_info: bool = True) -> dict:
    """The Slack message (an attachment) for ``tracked_obj`` entering ``state``.

    The attachment's title is the state's name, its color the state's color, its text
    ``"<name> is now in a <State> state"``; the state's message is a field, or its exception
    (in a code block) when the state's result is one.

    Args:
        tracked_obj: the task or flow whose state changed.
        state: its new state.
        backend_info: Prefect 0.15 added a link to the run in Prefect Cloud; caudal's
            messages carry no link, so this is accepted and has no effect.

    Returns:
        The JSON body for a Slack incoming webhook.
    """
    fields = []
    if isinstance(state.result, Exception):
        fields.append({"title": "Message", "value": f"```{state.result!r}```", "short": False})
    elif state.message:
        fields.append({"title": "Message", "value": state.message, "short": False})
    kind = type(state).__name__
    return {"attachments": [{
        "fallback": "State change notification",
        "color": state.color,
        "author_name": "caudal",
        "title": kind,
        "text": f"{tracked_obj.name} is now in a {kind} state",
        "fields": fields,
        "footer": "caudal notification",
    }]}


@_state_handler
def slack_notifier(tracked_obj: Flow | Task, old_state: State, new_state: State,
                   ignore_states: list | None = None, only_states: list | None = None,
                   webhook_secret: str | None = None, backend_info: bool = True) -> State:
    """A state handler that posts each state change to a Slack incoming webhook.

    The webhook URL is the secret ``webhook_secret`` (``SLACK_WEBHOOK_URL`` if not given).
    The message is ``slack_message_formatter``'s.

    Args:
        tracked_obj, old_state, new_state: what the runner passes to a state handler.
        ignore_states: state classes not to post (checked with isinstance, first).
        only_states: if given, post only states of these classes.
        webhook_secret: the name of the secret that holds the webhook URL.
        backend_info: see ``slack_message_formatter``.

    Returns:
        ``new_state``, unchanged.

    Raises:
        ValueError: the secret is not set, or the webhook answered with an error status.

    Example:
        >>> from caudal import task
        >>> from caudal.engine.state import Failed
        >>> @task(state_handlers=[slack_notifier(only_states=[Failed])])
        ... def load():
        ...     pass
    """
    if not _is_wanted(new_state, ignore_states, only_states):
        return new_state
    secret = webhook_secret or "SLACK_WEBHOOK_URL"
    url = read_notification_secret(secret, "slack_notifier")
    status, reason = post_json(url, slack_message_formatter(tracked_obj, new_state,
                                                            backend_info))
    if not 200 <= status < 300:
        raise ValueError(f"Slack notification for {tracked_obj!r} failed: the webhook in "
                         f"secret '{secret}' answered {status} {reason}.")
    return new_state


def _email_message(tracked_obj: Flow | Task, state: State, sender: str, to: str
                   ) -> MIMEMultipart:
    kind = type(state).__name__
    detail = repr(state.result) if isinstance(state.result, Exception) else state.message
    name = html.escape(str(tracked_obj.name))
    text = f"{tracked_obj.name} is now in a {kind} state.\n"
    body = (f"<p><b>{name}</b> is now in a "
            f'<font color="{state.color}"><b>{kind}</b></font> state.</p>')
    if detail:
        text += f"\nMessage: {detail}\n"
        body += f"<p>Message: <pre>{html.escape(str(detail))}</pre></p>"
    message = MIMEMultipart("alternative")
    message["Subject"] = f"caudal state change notification for {tracked_obj.name}"
    message["From"] = sender
    message["To"] = to
    message.attach(MIMEText(text, "plain"))
    message.attach(MIMEText(f"<html><body>{body}</body></html>", "html"))
    return message


@_state_handler
def gmail_notifier(tracked_obj: Flow | Task, old_state: State, new_state: State,
                   ignore_states: list | None = None, only_states: list | None = None,
                   smtp_server: str = "smtp.gmail.com", smtp_port: int = 465,
                   smtp_type: str = "SSL") -> State:
    """A state handler that emails each state change to the Gmail account it sends from.

    The account is the secret ``EMAIL_USERNAME`` and its (app) password ``EMAIL_PASSWORD``.
    The mail goes from and to that account through Gmail's SMTP server over SSL, as in
    Prefect 0.15, whose server is fixed; ``smtp_server``, ``smtp_port`` and ``smtp_type``
    are caudal's additions, with the same meaning as ``EmailTask``'s, for other servers.

    Args:
        tracked_obj, old_state, new_state: what the runner passes to a state handler.
        ignore_states: state classes not to send (checked with isinstance, first).
        only_states: if given, send only states of these classes.
        smtp_server, smtp_port: the SMTP server to send through.
        smtp_type: ``"SSL"`` (TLS from the start), ``"STARTTLS"`` or ``"INSECURE"`` (plain,
            without logging in).

    Returns:
        ``new_state``, unchanged.

    Raises:
        ValueError: a secret is not set, or ``smtp_type`` is not one of the three.
    """
    if not _is_wanted(new_state, ignore_states, only_states):
        return new_state
    check_smtp_type(smtp_type)
    username = read_notification_secret("EMAIL_USERNAME", "gmail_notifier")
    password = read_notification_secret("EMAIL_PASSWORD", "gmail_notifier")
    message = _email_message(tracked_obj, new_state, sender=username, to=username)
    send_email(message, smtp_server, smtp_port, smtp_type, username, password)
    return new_state


def check_smtp_type(smtp_type: str) -> str:
    """``smtp_type`` in upper case, if it is ``"SSL"``, ``"STARTTLS"`` or ``"INSECURE"``.

    Raises:
        ValueError: it is none of those.
    """
    kind = str(smtp_type).upper()
    if kind not in ("SSL", "STARTTLS", "INSECURE"):
        raise ValueError(f"smtp_type '{smtp_type}' is not supported; use 'SSL', 'STARTTLS' "
                         "or 'INSECURE'.")
    return kind


def send_email(message: MIMEMultipart, smtp_server: str, smtp_port: int, smtp_type: str,
               username: str | None, password: str | None) -> None:
    """Send ``message`` through ``smtp_server:smtp_port``; ``smtp_type`` as for EmailTask.

    Raises:
        ValueError: ``smtp_type`` is not ``"SSL"``, ``"STARTTLS"`` or ``"INSECURE"``.
    """
    import ssl

    kind = check_smtp_type(smtp_type)
    if kind == "SSL":
        server: smtplib.SMTP = smtplib.SMTP_SSL(smtp_server, smtp_port,
                                                context=ssl.create_default_context(),
                                                timeout=SMTP_TIMEOUT_S)
    else:
        server = smtplib.SMTP(smtp_server, smtp_port, timeout=SMTP_TIMEOUT_S)
    try:
        if kind == "STARTTLS":
            server.starttls(context=ssl.create_default_context())
        if kind != "INSECURE":
            server.login(username or "", password or "")
        server.send_message(message)
    finally:
        server.quit()


def jira_notifier(tracked_obj: Flow | Task | None = None, old_state: State | None = None,
                  new_state: State | None = None, ignore_states: list | None = None,
                  only_states: list | None = None, server_URL: str | None = None,
                  options: dict | None = None, assignee: str = "-1") -> State:
    """Prefect 0.15's Jira notifier; caudal raises ``NotSupportedError`` when it is used.

    Raises:
        NotSupportedError: always; write a state handler with the ``jira`` package, or use
            ``callback_factory``.
    """
    raise NotSupportedError(
        "jira_notifier is not part of caudal. Write a state handler that opens the issue with "
        "the 'jira' package (pip install jira), for example with callback_factory(fn, check); "
        "slack_notifier and gmail_notifier are available.")
