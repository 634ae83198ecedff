"""Log lines: batches in, pages out by level, text and task, and following a run's logs."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.common import encode_cursor

from ..helpers import build_flow, create_run, register

T0 = dt.datetime(2031, 1, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def run_id(api: httpx.Client, project: str) -> str:
    flow_id = register(api, build_flow())["flow_id"]
    return create_run(api, flow_id=flow_id)["id"]


def _line(run_id: str, message: str, level: int = 20, **extra: object) -> dict:
    return {"flow_run_id": run_id, "timestamp": T0.isoformat(), "level": level,
            "message": message, **extra}


def _write(api: httpx.Client, lines: list[dict], expect: int = 200) -> httpx.Response:
    response = api.post("/api/logs", json=lines)
    assert response.status_code == expect, response.text
    return response


def _query(api: httpx.Client, run_id: str, **params: object) -> dict:
    response = api.get(f"/api/flow-runs/{run_id}/logs", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _messages(page: dict) -> list[str]:
    return [line["message"] for line in page["items"]]


def test_batch_is_written_and_read_back_in_order(api: httpx.Client, run_id: str) -> None:
    response = _write(api, [
        _line(run_id, "Beginning Flow run for 'etl'", name="caudal.FlowRunner"),
        _line(run_id, "Task 'extract': Starting task run...", task_slug="extract-1",
              map_index=-1, name="caudal.TaskRunner"),
        _line(run_id, "Flow run SUCCESS", name="caudal.FlowRunner"),
    ])

    assert response.json() == {"written": 3}
    page = _query(api, run_id)
    assert _messages(page) == ["Beginning Flow run for 'etl'",
                               "Task 'extract': Starting task run...", "Flow run SUCCESS"]
    first, second, _ = page["items"]
    assert (first["name"], first["level"], first["task_slug"]) == ("caudal.FlowRunner", 20, None)
    assert (second["task_slug"], second["map_index"]) == ("extract-1", -1)
    assert dt.datetime.fromisoformat(first["timestamp"]) == T0
    assert first["id"] < second["id"]


def test_query_by_level_gives_that_level_and_above(api: httpx.Client, run_id: str) -> None:
    _write(api, [_line(run_id, "debug", 10), _line(run_id, "info", 20),
                 _line(run_id, "warning", 30), _line(run_id, "error", 40)])

    assert _messages(_query(api, run_id, level=30)) == ["warning", "error"]


def test_query_by_text_ignores_case(api: httpx.Client, run_id: str) -> None:
    _write(api, [_line(run_id, "Loaded 10 ROWS"), _line(run_id, "no match"),
                 _line(run_id, "rows skipped")])

    assert _messages(_query(api, run_id, text="rows")) == ["Loaded 10 ROWS", "rows skipped"]


@pytest.mark.parametrize(("text", "found"), [
    ("100%", ["done: 100% of rows"]),
    ("a_b", ["table a_b loaded"]),
    ("%", ["done: 100% of rows"]),
    ("_", ["table a_b loaded"]),
    ("\\", ["path c:\\data"]),
    ("/", ["s3://bucket/key"]),
])
def test_query_by_text_takes_wildcards_literally(
        api: httpx.Client, run_id: str, text: str, found: list[str]) -> None:
    _write(api, [_line(run_id, m) for m in (
        "done: 100% of rows", "done: 1000 of rows", "table a_b loaded", "table axb loaded",
        "path c:\\data", "s3://bucket/key")])

    assert _messages(_query(api, run_id, text=text)) == found


def test_query_by_task_slug(api: httpx.Client, run_id: str) -> None:
    _write(api, [_line(run_id, "flow line"),
                 _line(run_id, "extract line", task_slug="extract-1"),
                 _line(run_id, "load line", task_slug="load-1")])

    assert _messages(_query(api, run_id, task_slug="load-1")) == ["load line"]


def test_pages_follow_next_cursor(api: httpx.Client, run_id: str) -> None:
    _write(api, [_line(run_id, f"line {i}") for i in range(7)])

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = _query(api, run_id, limit=3, **({"cursor": cursor} if cursor else {}))
        pages += 1
        seen.extend(_messages(page))
        if len(page["items"]) < 3:
            break
        cursor = page["next_cursor"]

    assert seen == [f"line {i}" for i in range(7)]
    assert pages == 3


def test_following_with_last_cursor_gives_only_new_lines(
        api: httpx.Client, run_id: str) -> None:
    _write(api, [_line(run_id, "first"), _line(run_id, "second")])
    page = _query(api, run_id)
    cursor = page["next_cursor"]
    assert cursor is not None

    nothing_yet = _query(api, run_id, cursor=cursor)
    _write(api, [_line(run_id, "third")])
    new = _query(api, run_id, cursor=nothing_yet["next_cursor"])

    assert nothing_yet["items"] == []
    assert nothing_yet["next_cursor"] == cursor
    assert _messages(new) == ["third"]
    assert _query(api, run_id, cursor=new["next_cursor"])["items"] == []


def test_empty_run_has_no_lines_and_no_cursor(api: httpx.Client, run_id: str) -> None:
    assert _query(api, run_id) == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("values", ["garbage", ["7"], [True], [10**30], [-1], [1, 2]],
                         ids=["garbage", "text", "bool", "huge", "negative", "two-values"])
def test_bad_cursor_is_422(api: httpx.Client, run_id: str, values: object) -> None:
    cursor = values if isinstance(values, str) else encode_cursor(*values)

    response = api.get(f"/api/flow-runs/{run_id}/logs", params={"cursor": cursor})

    assert response.status_code == 422
    assert "is not valid" in response.json()["detail"]


def test_logs_of_unknown_run_are_404(api: httpx.Client) -> None:
    assert api.get("/api/flow-runs/nope/logs").status_code == 404


def test_batch_naming_unknown_run_is_404_and_writes_nothing(
        api: httpx.Client, db: Database, run_id: str) -> None:
    response = _write(api, [_line(run_id, "fine"), _line("no-such-run", "lost")], expect=404)

    assert "Flow run 'no-such-run' does not exist" in response.json()["detail"]
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(models.logs)).scalar() == 0


def test_batch_sent_again_with_its_key_is_acknowledged_and_written_once(
        api: httpx.Client, run_id: str, db: Database) -> None:
    batch = [_line(run_id, "first"), _line(run_id, "second")]
    headers = {"Idempotency-Key": "batch-1"}

    answers = [api.post("/api/logs", json=batch, headers=headers) for _ in range(3)]
    other = api.post("/api/logs", json=batch[:1], headers={"Idempotency-Key": "batch-2"})

    assert [(a.status_code, a.json()) for a in answers] == [(200, {"written": 2})] * 3
    assert other.json() == {"written": 1}
    assert _messages(_query(api, run_id)) == ["first", "second", "first"]
