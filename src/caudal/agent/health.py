"""The agent's own ``/health``, for a liveness probe: is its loop turning?

It answers 200 with the agent's status (runs, limit, whether the server answers) while the
supervisor loop has turned within ``STALE_S`` seconds, and 503 otherwise. A server that
cannot be reached does not make the agent unhealthy: restarting it would not bring the
server back, and its runs go on.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caudal.agent.agent import Agent

__all__ = ["HealthServer", "parse_address"]

STALE_S = 60.0


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` (or ``:port``, or ``port``) as a pair.

    Raises:
        ValueError: the port is not a number from 0 to 65535.
    """
    host, _, port = address.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"'{address}' is not HOST:PORT (for example 0.0.0.0:8080).") from None
    if not 0 <= number <= 65535:
        raise ValueError(f"'{address}': the port must be from 0 to 65535.")
    return host or "127.0.0.1", number


class HealthServer:
    """Serves ``GET /health`` for an agent in a background thread."""

    def __init__(self, agent: Agent, address: str) -> None:
        self.agent = agent
        host, port = parse_address(address)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path.split("?")[0] != "/health":
                    self._answer(404, {"detail": "Only /health is served here."})
                    return
                status = owner.agent.status()
                healthy = status["seconds_since_loop"] < STALE_S
                status["status"] = "ok" if healthy else "stuck"
                self._answer(200 if healthy else 503, status)

            def _answer(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # probes every few seconds would drown the agent's own lines

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}/health"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="caudal-agent-health", daemon=True)

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
