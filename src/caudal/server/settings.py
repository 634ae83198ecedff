"""ServerSettings: everything the server process needs, as plain values the CLI builds."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

__all__ = ["ServerSettings", "is_loopback"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerSettings:
    """Settings of one server process.

    Args:
        database_url: SQLite or PostgreSQL URL.
        host, port: where the HTTP API listens.
        auth: require API keys even on a loopback address (always required otherwise).
        scheduler_interval_s: how often the scheduler looks for schedules to fill.
        scheduled_runs_ahead: how many future runs each active schedule keeps created.
        reaper_interval_s: how often the reaper looks for silent runs.
        heartbeat_timeout_s: a Running run silent this long is failed by the reaper.
        submitted_timeout_s: a Submitted run not Running after this long goes back to the queue.
        max_resubmits: how many times the reaper puts a run back before failing it.
        run_services: start the scheduler and reaper loops (tests drive them by hand).
        max_body_bytes: larger request bodies are refused with 413 before they are read.
        secrets_key: the Fernet key that encrypts stored secrets (``server.secrets_key``).
        secrets_key_file: where the key is kept when ``secrets_key`` is not given: read if
            it exists, else made there (mode 0600) on first use. Without either, the
            secrets API answers 500 saying how to set one.
        timezone: the zone the web UI shows times in until a viewer picks another (an IANA
            name such as ``America/Sao_Paulo``).
    """

    database_url: str
    host: str = "127.0.0.1"
    port: int = 4200
    auth: bool = False
    scheduler_interval_s: float = 5.0
    scheduled_runs_ahead: int = 10
    reaper_interval_s: float = 10.0
    heartbeat_timeout_s: float = 90.0
    submitted_timeout_s: float = 120.0
    max_resubmits: int = 3
    run_services: bool = True
    max_body_bytes: int = 100 * 1024 * 1024
    secrets_key: str | None = field(default=None, repr=False)
    secrets_key_file: str | None = None
    timezone: str = "UTC"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def auth_required(self) -> bool:
        """Keys are needed when asked for, and always when others on the network can connect."""
        return self.auth or not is_loopback(self.host)
