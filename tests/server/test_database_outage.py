"""PostgreSQL goes away while runners write: 503s, client retries, and nothing lost or doubled.

A real ``caudal server start`` reaches PostgreSQL through a TCP proxy that the test cuts for a
few seconds (connections refused, open ones reset), while real clients keep sending log
batches. PostgreSQL only: an embedded SQLite file cannot become unreachable this way.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import select

from caudal.client import Client
from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.api_keys import create_api_key
from caudal.wire.auth import Role
from fixtures_server import ServerProcess, empty_tables

from .helpers import build_flow, registration
from .tcp_proxy import TcpProxy

WRITERS = 4
LINES_PER_BATCH = 25
OUTAGE_S = 3.0


def _write_until(stop: threading.Event, client: Client, run_id: str, writer: int,
                 acknowledged: list[str], errors: list[BaseException]) -> None:
    batch_no = 0
    while not stop.is_set():
        messages = [f"w{writer}-b{batch_no}-l{i}" for i in range(LINES_PER_BATCH)]
        batch = [{"flow_run_id": run_id, "timestamp": "2026-12-06T12:00:00Z", "level": 20,
                  "message": m} for m in messages]
        try:
            written = client.write_run_logs(batch)
        except BaseException as exc:  # counted by the test: the client must not give up
            errors.append(exc)
            return
        assert written == LINES_PER_BATCH
        acknowledged.extend(messages)
        batch_no += 1


def test_logs_sent_through_a_database_outage_are_stored_once(
        migrated_databases: dict[str, str]) -> None:
    url = migrated_databases["postgresql"]
    empty_tables(url)
    db = Database(url)
    runner_key = create_api_key(db, "runner", Role.RUNNER).key
    admin_key = create_api_key(db, "admin", Role.ADMIN).key
    with TcpProxy("127.0.0.1", 5432) as proxy:
        proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        assert proxied != url
        with ServerProcess(proxied, "--auth") as server:
            admin = httpx.Client(base_url=server.url, timeout=30,
                                 headers={"Authorization": f"Bearer {admin_key}"})
            assert admin.post("/api/projects", json={"name": "p"}).status_code == 201
            flow_id = admin.post("/api/flows/register",
                                 json=registration("p", build_flow())).json()["flow_id"]
            run_id = admin.post("/api/flow-runs", json={"flow_id": flow_id}).json()["id"]

            stop = threading.Event()
            acknowledged: list[str] = []
            errors: list[BaseException] = []
            clients = [Client(server.url, runner_key) for _ in range(WRITERS)]
            threads = [threading.Thread(target=_write_until,
                                        args=(stop, c, run_id, i, acknowledged, errors))
                       for i, c in enumerate(clients)]
            for thread in threads:
                thread.start()
            time.sleep(1.0)
            before = len(acknowledged)
            with proxy.down():
                time.sleep(0.5)
                anonymous = httpx.get(f"{server.url}/health", timeout=30)
                with_key = admin.get("/health")
                time.sleep(OUTAGE_S - 0.5)
            during = len(acknowledged)
            time.sleep(1.5)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            after = len(acknowledged)
            admin.close()
            for client in clients:
                client.close()
        output = server.output

    assert not any(t.is_alive() for t in threads)
    assert [repr(e) for e in errors] == [], _unexpected_errors(output)
    assert before > 0 and after > during  # writes went through before and after the outage
    assert "The database is unavailable" in output  # the outage reached the server...
    assert "Traceback" not in output  # ...and was answered, not crashed on
    stored = Counter(_stored_messages(db, run_id))
    db.dispose()
    # Every acknowledged line is stored, and none twice (lists kept short: a failure must
    # print quickly).
    assert sorted(set(acknowledged) - set(stored))[:10] == []
    assert [m for m, n in stored.items() if n > 1][:10] == []
    # /health says the database is down; only a caller with a key sees where it is.
    assert anonymous.status_code == with_key.status_code == 503
    assert anonymous.json()["status"] == "degraded"
    assert str(proxy.port) not in anonymous.text and "127.0.0.1" not in anonymous.text
    assert str(proxy.port) in with_key.json()["database_error"]


def _unexpected_errors(output: str) -> str:
    """The server's log from its first unexpected error on, for a failure's message."""
    at = output.find("Unexpected error")
    return output[at:at + 6000] if at >= 0 else "(no unexpected error in the server log)"


def _stored_messages(db: Database, run_id: str) -> list[Any]:
    logs = models.logs
    with db.read() as conn:
        return list(conn.execute(select(logs.c.message).where(logs.c.flow_run_id == run_id))
                    .scalars())
