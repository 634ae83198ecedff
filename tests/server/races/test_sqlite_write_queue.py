"""SQLite: reads answer while many writes queue for the file's write lock.

The test holds SQLite's write lock itself, so every write the server takes waits; reads need
no write lock, and must not wait behind the queue of writes for a thread to run on.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
from sqlalchemy import make_url

from caudal.server.app import create_app
from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.api_keys import create_api_key, list_api_keys
from caudal.server.settings import ServerSettings
from caudal.wire.auth import Role
from fixtures_server import ServedApp
from fixtures_storage import free_port

from ..helpers import build_flow, create_project, create_run, register
from .builders import count_rows
from .crowd import REQUEST_TIMEOUT_S, Answer, Tally, crowd

WRITERS = 60
LINES = 10
READ_ROUNDS = 3
HOLD_S = 8.0
"""Longest the test holds the write lock waiting for the reads; then it lets the writes in."""

SETTLE_S = 0.5
"""Time for the writers' requests, all being sent, to reach the server and queue there."""


def test_reads_answer_while_writes_queue_behind_a_held_sqlite_write_lock(
        sqlite_server: ServedApp, sqlite_url: str) -> None:
    with httpx.Client(base_url=sqlite_server.url, timeout=REQUEST_TIMEOUT_S) as api:
        create_project(api)
        run_id = create_run(api, flow_id=register(api, build_flow())["flow_id"])["id"]
    reads = [f"/api/flow-runs/{run_id}", "/health", "/api/projects"] * READ_ROUNDS
    writes, answered = Tally(), Tally()  # reads are tallied as "held" or "released"
    released = threading.Event()
    reads_done = threading.Event()
    sending = threading.Semaphore(0)
    failures: list[BaseException] = []

    def write(http: httpx.Client, worker: int, round_: int) -> None:
        lines = [{"flow_run_id": run_id, "timestamp": "2031-01-01T09:00:00+00:00",
                  "level": 20, "message": f"writer {worker} line {i}"} for i in range(LINES)]
        sending.release()
        writes.send(http, "logs", str(worker), "POST", "/api/logs", json=lines)

    def write_all() -> None:
        try:  # long timeouts: these requests wait for the lock on purpose
            crowd(WRITERS, 1, write, lambda _: httpx.Client(base_url=sqlite_server.url,
                                                             timeout=HOLD_S + 30))
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    def read_all() -> None:
        try:
            with httpx.Client(base_url=sqlite_server.url, timeout=20) as http:
                for path in reads:
                    response = http.get(path)
                    when = "released" if released.is_set() else "held"
                    answered.add(Answer(when, path, response.status_code, response.text))
        except BaseException as exc:
            failures.append(exc)
        finally:
            reads_done.set()

    path = make_url(sqlite_url).database
    assert path
    lock = sqlite3.connect(path, isolation_level=None, timeout=5)
    writers = threading.Thread(target=write_all, daemon=True)
    reader = threading.Thread(target=read_all, daemon=True)
    try:
        lock.execute("BEGIN IMMEDIATE")
        writers.start()
        deadline = time.monotonic() + 30
        for _ in range(WRITERS):  # opening 60 clients takes a while
            assert sending.acquire(timeout=max(0.0, deadline - time.monotonic()))
        time.sleep(SETTLE_S)  # the writes are queued at the server now
        reader.start()
        reads_done.wait(timeout=HOLD_S)
    finally:
        released.set()
        lock.execute("ROLLBACK")
        lock.close()
    reader.join(timeout=30)
    writers.join(timeout=HOLD_S + 60)

    assert failures == []
    got = answered.counts()
    assert got == {("held", 200): len(reads)}, (
        f"{got[('held', 200)]} of {len(reads)} reads answered while the write lock was held "
        f"({dict(got)}); writes: {writes.summary()}")
    assert writes.unexpected({"logs": {200}}) == Counter(), writes.summary()
    assert [a.body for a in writes.answers] == [{"written": LINES}] * WRITERS
    db = Database(sqlite_url)
    try:
        assert count_rows(db, models.logs, models.logs.c.flow_run_id == run_id) == \
            WRITERS * LINES
    finally:
        db.dispose()


def _send_while_locked(sqlite_url: str,
                      send: Callable[[], httpx.Response]) -> httpx.Response | None:
    """Hold the file's write lock from another connection while ``send`` runs in a thread;
    its answer if it came while the lock was held (for up to ``HOLD_S``), else None."""
    answers: list[httpx.Response] = []
    answered = threading.Event()

    def sender() -> None:
        answers.append(send())
        answered.set()

    holder = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    thread = threading.Thread(target=sender)
    try:
        thread.start()
        in_time = answered.wait(timeout=HOLD_S)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    thread.join(timeout=REQUEST_TIMEOUT_S)
    return answers[0] if in_time else None


def test_idle_claim_answers_while_another_process_holds_the_write_lock(
        sqlite_server: ServedApp, sqlite_url: str) -> None:
    """An agent waiting for work takes no write lock: with nothing due it only reads, so a
    writer elsewhere holding the file's lock does not hold it up. (The lock is held far
    longer than the claim waits: a claim that needed it would still be waiting.)"""
    with httpx.Client(base_url=sqlite_server.url, timeout=REQUEST_TIMEOUT_S) as api:
        agent_id = api.post("/api/agents", json={"name": "idle"}).json()["id"]
        answer = _send_while_locked(sqlite_url, lambda: api.post(
            f"/api/agents/{agent_id}/claim", json={"limit": 1, "wait_s": 1.0}))

    assert answer is not None and (answer.status_code, answer.json()) == (200, [])


def test_read_with_a_new_api_key_answers_while_another_process_holds_the_write_lock(
        sqlite_url: str) -> None:
    """Checking a key the server has not seen is a read; noting when it was used is written
    behind the request, once the lock is free."""
    settings = ServerSettings(database_url=sqlite_url, port=free_port(), run_services=False,
                              auth=True)
    db = Database(sqlite_url)
    key = create_api_key(db, "reader", Role.VIEWER)
    with ServedApp(create_app(settings), settings.port) as served, \
            httpx.Client(base_url=served.url, timeout=REQUEST_TIMEOUT_S,
                         headers={"Authorization": f"Bearer {key.key}"}) as api:
        answer = _send_while_locked(sqlite_url, lambda: api.get("/api/projects"))
        for _ in range(50):  # the use is written once the lock is free
            (used,) = [k.last_used for k in list_api_keys(db) if k.id == key.id]
            if used is not None:
                break
            time.sleep(0.1)
    db.dispose()

    assert answer is not None and (answer.status_code, answer.json()) == (200, [])
    assert used is not None
