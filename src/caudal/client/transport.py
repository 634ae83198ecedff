"""HTTP to the caudal server: where it is, the API key, retries with backoff, errors by status.

``Transport.request`` is the one place a request is sent. It retries while the server cannot be
reached (refused or timed-out connections, 502 and 504 for requests that are safe to repeat,
and 503, which the server answers only when it wrote nothing, for every request), then raises
``ServerUnavailable``; a 4xx answer becomes the ``ClientError`` subclass for its status,
carrying the server's own ``detail`` text.
"""

from __future__ import annotations

import datetime
import enum
import json
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from caudal.configuration import get_setting
from caudal.exceptions import AuthorizationError, ClientError, ObjectNotFound, ServerUnavailable

__all__ = ["DEFAULT_API", "Transport", "config_value", "encode_json", "resolve_api_key",
           "resolve_api_url", "safe_url"]

DEFAULT_API = "http://127.0.0.1:4200"
"""Where ``caudal server start`` listens unless told otherwise."""

DEFAULT_RETRIES = 4
"""Retries after the first attempt while the server is unreachable (5 attempts in all)."""

DEFAULT_BACKOFF_S = 0.5
"""Seconds before the first retry; each later wait doubles (0.5, 1, 2, 4: 7.5 s in all)."""

MAX_BACKOFF_S = 8.0
"""No single wait between attempts is longer than this, in seconds."""

DEFAULT_TIMEOUT_S = 30.0
"""Seconds to wait for an answer to one request."""

CONNECT_TIMEOUT_S = 5.0
"""Seconds to wait for a connection; a server that is up accepts far sooner."""

RETRY_STATUSES = frozenset({502, 503, 504})
UNAVAILABLE = 503
"""The server answers 503 only when it did nothing (its database is unreachable, or too many
writes wait), so a 503 is retried whatever the method."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})

logger = logging.getLogger("caudal.Client")


def resolve_api_url(api_server: str | None = None) -> str:
    """The server's base URL: the argument, else ``CAUDAL_API``, else ``config.api.url``.

    ``caudal.configuration.get_setting`` decides (``CAUDAL_API`` as it is now, then the
    configuration in the current context). A bare ``host:port`` gets ``http://``; a trailing
    slash is dropped.

    Raises:
        ValueError: the URL is not an http(s) URL.

    Example:
        >>> resolve_api_url("127.0.0.1:4300/")
        'http://127.0.0.1:4300'
    """
    url = get_setting("api.url", api_server or None, _context_config()) or DEFAULT_API
    url = str(url).strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"API URL '{safe_url(url)}' is not an http:// or https:// address; "
                         "pass one like 'http://127.0.0.1:4200' (or set CAUDAL_API).")
    return url


def resolve_api_key(api_key: str | None = None) -> str | None:
    """The API key: the argument, else ``CAUDAL_API_KEY``, else ``config.api.key``, else None."""
    key = get_setting("api.key", api_key or None, _context_config())
    return str(key) if key else None


def config_value(name: str) -> Any:
    """``api.<name>`` as ``caudal.configuration.get_setting`` finds it now, or None."""
    return get_setting(f"api.{name}", None, _context_config())


def _context_config() -> Mapping[str, Any] | None:
    """The configuration in the current context (tests and flows may swap it for a while)."""
    from caudal.utilities.context import context

    config = context.get("config")
    return config if isinstance(config, Mapping) else None


def safe_url(url: str) -> str:
    """``url`` without a user name or password in it, for messages."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        return url
    return str(parsed.copy_with(userinfo=b"")) if parsed.userinfo else url


def encode_json(value: Any) -> bytes:
    """JSON bytes for a request body of plain data, datetimes and wire models.

    Hot paths (log and task-state batches) send lists of plain dicts; this encodes them in one
    pass, with no model per item. ``bytes`` are JSON already encoded (a run's spool forwards
    its records so) and go as they are.
    """
    if isinstance(value, bytes):
        return value
    return json.dumps(value, default=_json_default, separators=(",", ":")).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:  # naive times are UTC, as Prefect 0.15 read them
            value = value.replace(tzinfo=datetime.UTC)
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, enum.Enum)):
        return value.value if isinstance(value, enum.Enum) else str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):  # a caudal.wire model
        return dump(mode="json", exclude_unset=True)
    raise TypeError(f"Cannot send a {type(value).__name__} to the server as JSON: {value!r}.")


class Transport:
    """Sends requests to one caudal server, retrying while it is unreachable.

    Args:
        api_server: the server's base URL (see ``resolve_api_url``).
        api_key: sent as ``Authorization: Bearer <key>``; never shown in messages or logs.
        retries: how many times to retry a request that could not reach the server.
        backoff_s: seconds before the first retry; each later wait doubles, up to 8 s.
        timeout: seconds to wait for an answer to one request.
        sleep: the function that waits between attempts (``time.sleep``).
    """

    def __init__(self, api_server: str, api_key: str | None = None, *,
                 retries: int = DEFAULT_RETRIES, backoff_s: float = DEFAULT_BACKOFF_S,
                 timeout: float = DEFAULT_TIMEOUT_S,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, not {retries}.")
        from caudal import __version__

        self.api_server = api_server
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout = timeout
        self._sleep = sleep
        headers = {"User-Agent": f"caudal/{__version__}", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            base_url=api_server, headers=headers, trust_env=False,
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S)),
        )

    def close(self) -> None:
        """Close the connections this transport keeps open."""
        self._http.close()

    def request(self, method: str, path: str, *, json_body: Any = None,
                params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
                idempotent: bool | None = None, timeout: float | None = None,
                headers: Mapping[str, str] | None = None) -> httpx.Response:
        """Send one request and return the server's 2xx answer.

        Args:
            method: the HTTP method.
            path: the path under the base URL (``/api/flow-runs``).
            json_body: data to send as JSON (plain data, datetimes, wire models).
            params: query parameters; ``None`` values are left out, lists repeat the key.
            idempotent: whether repeating the request is harmless; a request that may have
                reached the server is retried only then. Defaults to True for every method
                but POST.
            timeout: seconds to wait for this answer, instead of the transport's timeout.
            headers: extra headers for this request (an ``Idempotency-Key``).

        Returns:
            The response, with a 2xx status.

        Raises:
            ServerUnavailable: the server could not be reached after every retry.
            AuthorizationError: 401 or 403.
            ObjectNotFound: 404.
            ClientError: any other error status.
        """
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        content = None if json_body is None else encode_json(json_body)
        sent_headers = dict(headers or {})
        if content is not None:
            sent_headers["Content-Type"] = "application/json"
        query = _query(params)
        extra = {} if timeout is None else {
            "timeout": httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S))}
        attempts = self.retries + 1
        started = time.monotonic()
        reason = ""
        answered = False  # the last attempt got an answer (a 5xx) rather than no connection
        for attempt in range(1, attempts + 1):
            retry_after = 0.0
            try:
                response = self._http.request(method, path, content=content,
                                              headers=sent_headers or None, params=query,
                                              **extra)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing reached the server: repeating is always safe.
                reason, answered = _describe_connect_error(exc), False
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                reason, answered = _describe_transport_error(exc, timeout or self.timeout), False
                if not idempotent:
                    raise self._unavailable(reason, attempt, started, sent=True) from exc
            else:
                if response.status_code in RETRY_STATUSES:
                    reason = f"HTTP {response.status_code}: {_detail_of(response)}"
                    answered = True
                    if not idempotent and response.status_code != UNAVAILABLE:
                        raise self._unavailable(reason, attempt, started, sent=True,
                                                answered=True)
                    retry_after = _retry_after(response)
                elif response.status_code >= 400:
                    raise _error_for(response)
                else:
                    return response
            if attempt < attempts:
                delay = min(self.backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S)
                delay *= random.uniform(0.8, 1.0)  # agents that lost the server do not return in step
                delay = max(delay, min(retry_after, MAX_BACKOFF_S))
                logger.debug("caudal server at %s unreachable (%s); retrying %s %s in %.1f s "
                             "(attempt %d of %d)", safe_url(self.api_server), reason, method, path, delay,
                             attempt + 1, attempts)
                self._sleep(delay)
        raise self._unavailable(reason, attempts, started, answered=answered)

    def _unavailable(self, reason: str, attempts: int, started: float,
                     sent: bool = False, answered: bool = False) -> ServerUnavailable:
        elapsed = time.monotonic() - started
        tried = (f"{attempts} attempts over {elapsed:.1f} s" if attempts > 1 else "1 attempt")
        if sent:
            hint = "The request may have reached the server; check before repeating it."
        elif answered:
            hint = "The server is up but cannot serve requests now; its log says why."
        else:
            hint = "Is 'caudal server start' running?"
        return ServerUnavailable(
            f"Cannot reach the caudal server at {safe_url(self.api_server)} ({reason}; "
            f"{tried}). {hint}", url=safe_url(self.api_server))


def _retry_after(response: httpx.Response) -> float:
    """The seconds a ``Retry-After`` header asks for (0 when absent or a date)."""
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0


def _query(params: Mapping[str, Any] | list[tuple[str, Any]] | None) -> list[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else (params or [])
    query: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        for one in values:
            if one is None:
                continue
            query.append((key, ("true" if one else "false") if isinstance(one, bool) else str(one)))
    return query


def _describe_connect_error(exc: Exception) -> str:
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectTimeout) or "timed out" in text:
        return "connection timed out"
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text or \
            "getaddrinfo" in text or "name resolution" in text:
        return "host name not found"
    return f"cannot connect: {exc}" if str(exc) else "cannot connect"


def _describe_transport_error(exc: Exception, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    return f"connection dropped: {exc}" if str(exc) else "connection dropped"


def _detail_of(response: httpx.Response) -> str:
    """The server's ``detail`` sentence, or the body's text when it sent no JSON detail."""
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:500] if text else response.reason_phrase or f"HTTP {response.status_code}"
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):  # a validation error list, if the server sends one
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
                parts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return json.dumps(data)[:500] if detail is None else str(detail)


def _error_for(response: httpx.Response) -> ClientError:
    status = response.status_code
    detail = _detail_of(response)
    url = safe_url(str(response.request.url))
    if status == 404:
        return ObjectNotFound(detail, status_code=status, url=url)
    if status in (401, 403):
        return AuthorizationError(detail, status_code=status, url=url)
    if status >= 500:
        detail = (f"The caudal server failed on {response.request.method} "
                  f"{response.request.url.path} (HTTP {status}): {detail}")
    return ClientError(detail, status_code=status, url=url)
