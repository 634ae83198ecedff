"""GET /api/flow-runs/{id}/logs/stream: a run's log lines as Server-Sent Events, on SQLite and
PostgreSQL: the lines after the cursor, then each batch as it commits, until the run has
finished and its last lines are sent. Streams are read in threads with bounded waits; no test
asserts a timing."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from caudal.server.services.api_keys import create_api_key
from caudal.wire.auth import Role
from fixtures_server import ServedApp

from ..helpers import build_flow, create_project, create_run, register, set_state

WAIT_S = 30.0
"""The longest a test waits for something a stream should send (never reached when it works)."""


class Stream:
    """An SSE stream read in a thread: ``events`` are (event, id, data) as they arrive."""

    def __init__(self, url: str, run_id: str, params: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.events: list[tuple[str, str | None, Any]] = []
        self.status: int | None = None
        self.content_type = ""
        self.changed = threading.Condition()
        self.opened = threading.Event()
        self.error: BaseException | None = None
        self._client = httpx.Client(base_url=url, headers=headers or {},
                                    timeout=httpx.Timeout(WAIT_S))
        self._path = f"/api/flow-runs/{run_id}/logs/stream"
        self._params = {"max_s": 120, **(params or {})}
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with self._client.stream("GET", self._path, params=self._params) as response:
                self.status = response.status_code
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                self.content_type = response.headers.get("content-type", "")
                if response.status_code != 200:
                    response.read()
                    return
                event: dict[str, Any] = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        continue
                    if not line:
                        if event:
                            with self.changed:
                                self.events.append((event.get("event", "message"),
                                                    event.get("id"),
                                                    json.loads(event["data"])))
                                self.changed.notify_all()
                            event = {}
                        continue
                    name, _, value = line.partition(":")
                    event[name] = value.removeprefix(" ")
        except BaseException as exc:  # reported by wait_for, not lost in the thread
            self.error = exc
        finally:
            self.opened.set()
            with self.changed:
                self.done = True
                self.changed.notify_all()

    done = False
    _socket: socket.socket | None = None

    def wait_for(self, check: Callable[[list[tuple[str, str | None, Any]]], bool]) -> None:
        """Wait until ``check(events)`` holds (at most ``WAIT_S``)."""
        with self.changed:
            ok = self.changed.wait_for(lambda: check(self.events) or self.done, WAIT_S)
            assert ok and check(self.events), (self.error, self.events[-5:])

    def messages(self) -> list[str]:
        return [r["message"] for name, _, data in self.events if name == "logs" for r in data]

    def records(self) -> list[dict[str, Any]]:
        return [r for name, _, data in self.events if name == "logs" for r in data]

    def wait_lines(self, count: int) -> list[str]:
        self.wait_for(lambda _: len(self.messages()) >= count)
        return self.messages()

    def wait_end(self) -> None:
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive(), "the stream did not end"
        assert self.error is None, self.error

    def close(self) -> None:
        """Hang up: the reading thread, blocked on the socket, returns at once."""
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._client.close()


@pytest.fixture
def streams(served: ServedApp) -> Iterator[Callable[..., Stream]]:
    """Open streams on the test server; all closed after the test."""
    opened: list[Stream] = []

    def open_stream(run_id: str, **kwargs: Any) -> Stream:
        stream = Stream(served.url, run_id, **kwargs)
        opened.append(stream)
        # The first event (the run's state) means it is subscribed.
        stream.wait_for(lambda events: bool(events))
        return stream

    yield open_stream
    for stream in opened:
        stream.close()


@pytest.fixture
def run_id(api: httpx.Client, project: str) -> str:
    return create_run(api, flow_id=register(api, build_flow())["flow_id"])["id"]


def write(api: httpx.Client, run_id: str, *messages: str, level: int = 20) -> None:
    now = dt.datetime.now(dt.UTC).isoformat()
    response = api.post("/api/logs", json=[{"flow_run_id": run_id, "level": level,
                                            "timestamp": now, "message": m}
                                           for m in messages])
    assert response.status_code == 200, response.text


def finish(api: httpx.Client, run_id: str) -> None:
    set_state(api, run_id, "Running")
    set_state(api, run_id, "Success")


def test_existing_lines_come_first_then_each_new_batch(
        api: httpx.Client, run_id: str, streams: Callable[..., Stream]) -> None:
    write(api, run_id, "one", "two")
    stream = streams(run_id)
    assert stream.status == 200
    assert stream.content_type.startswith("text/event-stream")
    assert stream.wait_lines(2) == ["one", "two"]

    write(api, run_id, "three")
    assert stream.wait_lines(3) == ["one", "two", "three"]
    names = [name for name, _, _ in stream.events]
    assert names[0] == "state"
    assert stream.events[0][2]["state"] == "Scheduled"
    assert names[1:] == ["logs", "logs"]
    records = stream.records()
    assert [r["id"] for r in records] == sorted(r["id"] for r in records)
    assert {r["flow_run_id"] for r in records} == {run_id}
    assert {"id", "timestamp", "level", "name", "task_slug", "map_index"} <= set(records[0])
    # Each event's id is the cursor after its lines: /logs from it has nothing more.
    last_id = stream.events[-1][1]
    page = api.get(f"/api/flow-runs/{run_id}/logs", params={"cursor": last_id}).json()
    assert page["items"] == []


def test_resuming_from_a_cursor_or_last_event_id_sends_only_later_lines(
        api: httpx.Client, run_id: str, streams: Callable[..., Stream]) -> None:
    write(api, run_id, "one", "two")
    first = streams(run_id)
    first.wait_lines(2)
    cursor = first.events[-1][1]
    write(api, run_id, "three")

    by_query = streams(run_id, params={"cursor": cursor})
    by_header = streams(run_id, headers={"Last-Event-ID": cursor})
    assert by_query.wait_lines(1) == ["three"]
    assert by_header.wait_lines(1) == ["three"]
    write(api, run_id, "four")
    assert by_query.wait_lines(2) == ["three", "four"]
    assert by_header.wait_lines(2) == ["three", "four"]
    # The query parameter wins over the header.
    both = streams(run_id, params={"cursor": cursor}, headers={"Last-Event-ID": "bad"})
    assert both.wait_lines(2) == ["three", "four"]


def test_a_cursor_that_is_not_one_is_refused(api: httpx.Client, run_id: str) -> None:
    response = api.get(f"/api/flow-runs/{run_id}/logs/stream", params={"cursor": "nope"})
    assert response.status_code == 422, response.text


def test_level_and_text_filter_the_lines(api: httpx.Client, run_id: str,
                                         streams: Callable[..., Stream]) -> None:
    write(api, run_id, "debug before", level=10)
    write(api, run_id, "Error before", level=40)
    write(api, run_id, "info before", level=20)
    stream = streams(run_id, params={"level": 20, "text": "ERROR"})
    write(api, run_id, "error debug", level=10)
    write(api, run_id, "an error after", level=30)
    write(api, run_id, "warning after", level=30)
    finish(api, run_id)
    stream.wait_end()

    assert stream.messages() == ["Error before", "an error after"]


def test_stream_ends_after_the_run_finishes_with_every_line(
        api: httpx.Client, run_id: str, streams: Callable[..., Stream]) -> None:
    write(api, run_id, "started")
    stream = streams(run_id)
    write(api, run_id, "working")
    finish(api, run_id)
    write(api, run_id, "shipped after the final state")
    stream.wait_end()

    assert stream.messages() == ["started", "working", "shipped after the final state"]
    names = [name for name, _, _ in stream.events]
    assert names[-1] == "end"
    assert stream.events[-1][2]["state"] == "Success"
    states = [data["state"] for name, _, data in stream.events if name == "state"]
    assert states == ["Scheduled", "Running", "Success"]


def test_stream_of_a_finished_run_sends_its_lines_and_ends(
        api: httpx.Client, run_id: str) -> None:
    write(api, run_id, "one", "two")
    finish(api, run_id)
    response = api.get(f"/api/flow-runs/{run_id}/logs/stream")

    assert response.status_code == 200
    assert "event: logs" in response.text
    assert response.text.rstrip().splitlines()[-2] == "event: end"


def test_unknown_run_is_404(api: httpx.Client) -> None:
    response = api.get("/api/flow-runs/no-such-run/logs/stream")

    assert response.status_code == 404
    assert response.json()["detail"] == "Flow run 'no-such-run' does not exist."


def test_several_streams_each_get_every_line(api: httpx.Client, run_id: str,
                                             streams: Callable[..., Stream]) -> None:
    opened = [streams(run_id) for _ in range(3)]
    for i in range(10):
        write(api, run_id, f"line {i}")
    expected = [f"line {i}" for i in range(10)]
    for stream in opened:
        assert stream.wait_lines(10) == expected


def test_concurrent_writers_reach_every_stream_exactly_once(
        api: httpx.Client, served: ServedApp, run_id: str,
        streams: Callable[..., Stream]) -> None:
    writers, batches, per_batch = 4, 50, 2
    followers = [streams(run_id) for _ in range(2)]
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            with httpx.Client(base_url=served.url, timeout=30) as http:
                for b in range(batches):
                    write(http, run_id, *(f"w{w} b{b} l{i}" for i in range(per_batch)))
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    total = writers * batches * per_batch
    stored = api.get(f"/api/flow-runs/{run_id}/logs", params={"limit": 5000}).json()["items"]
    assert len(stored) == total

    for stream in followers:
        stream.wait_lines(total)
    finish(api, run_id)
    for stream in followers:
        stream.wait_end()
        records = stream.records()
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)) == total
        assert set(ids) == {r["id"] for r in stored}
        # Each writer's lines arrive in the order it wrote them.
        for w in range(writers):
            mine = [r["message"] for r in records if r["message"].startswith(f"w{w} ")]
            assert mine == [f"w{w} b{b} l{i}" for b in range(batches)
                            for i in range(per_batch)]


def test_a_viewer_key_may_follow_logs(auth_served: ServedApp) -> None:
    db = auth_served.app.state.db
    admin_key = create_api_key(db, "admin", Role.ADMIN).key
    viewer_key = create_api_key(db, "viewer", Role.VIEWER).key
    with httpx.Client(base_url=auth_served.url, timeout=30,
                      headers={"Authorization": f"Bearer {admin_key}"}) as admin:
        create_project(admin)
        run = create_run(admin, flow_id=register(admin, build_flow())["flow_id"])["id"]
        write(admin, run, "visible")
        finish(admin, run)
    with httpx.Client(base_url=auth_served.url, timeout=30) as anonymous:
        assert anonymous.get(f"/api/flow-runs/{run}/logs/stream").status_code == 401
    stream = Stream(auth_served.url, run, headers={"Authorization": f"Bearer {viewer_key}"})
    try:
        stream.wait_end()
        assert stream.status == 200
        assert stream.messages() == ["visible"]
    finally:
        stream.close()


def test_a_reader_hanging_up_ends_its_stream_on_the_server(
        api: httpx.Client, served: ServedApp, run_id: str,
        streams: Callable[..., Stream]) -> None:
    events = served.app.state.run_events
    stream = streams(run_id)
    assert run_id in events._log_watchers
    stream.close()
    write(api, run_id, "nobody reads this")  # a send to the closed connection, if needed
    deadline = time.monotonic() + WAIT_S
    while run_id in events._log_watchers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run_id not in events._log_watchers
    assert run_id not in events._watchers
