"""Fixtures of the client tests: the shared client fixtures and a scripted HTTP stand-in."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fixtures_client import caudal_home, client, flow_id, project

__all__ = ["StandIn", "caudal_home", "client", "flow_id", "project", "stand_in"]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StandIn:
    """A real HTTP server on 127.0.0.1 that answers with the replies a test scripts.

    Replies are used in order; the last one repeats. Every request is recorded in ``seen``.
    """

    url: str = ""
    replies: list[tuple[int, Any]] = field(default_factory=lambda: [(200, {})])
    seen: list[Seen] = field(default_factory=list)

    def reply(self, *replies: tuple[int, Any]) -> None:
        self.replies = list(replies)

    def next_reply(self) -> tuple[int, Any]:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            stand_in.seen.append(Seen(self.command, self.path, dict(self.headers), body))
            status, payload = stand_in.next_reply()
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            if status != 204:
                kind = "text/plain" if isinstance(payload, bytes) else "application/json"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if status != 204:
                self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer  # noqa: N815

        def log_message(self, *args: Any) -> None:  # keep the test output clean
            pass

    return Handler


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    """A scripted HTTP server on a free loopback port, for the transport's error mapping."""
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
