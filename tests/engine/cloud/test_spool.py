"""The spool against a real server: what was appended reaches the server once, whatever
happens between (a lost acknowledgement, an outage, a run deleted, a forked writer)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import httpx
import pytest

from caudal.client import Client
from caudal.engine.cloud.spool import FLOW, LOG, STATE, Shipper, SpoolReader, SpoolWriter
from caudal.exceptions import ServerUnavailable
from server.helpers import build_flow, create_project, create_run, register
from server.tcp_proxy import TcpProxy


@pytest.fixture
def run_id(api: httpx.Client) -> str:
    create_project(api)
    flow = register(api, build_flow())
    return create_run(api, flow_id=flow["flow_id"])["id"]


def _line(run_id: str, n: int) -> dict:
    return {"flow_run_id": run_id, "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "level": 20, "name": "caudal.test", "message": f"line {n}"}


def _state(run_id: str, slug: str, state: str) -> dict:
    return {"flow_run_id": run_id, "task_slug": slug, "map_index": -1, "task_name": slug,
            "state": state, "message": None,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(), "result_location": None}


def _messages(api: httpx.Client, run_id: str) -> list[str]:
    page = api.get(f"/api/flow-runs/{run_id}/logs", params={"limit": 5000}).json()
    return [line["message"] for line in page["items"]]


def test_appended_records_reach_the_server_in_order_and_are_acknowledged(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    for n in range(5):
        writer.append(LOG, _line(run_id, n))
    writer.append(STATE, _state(run_id, "extract-1", "Running"))
    writer.append(STATE, _state(run_id, "extract-1", "Success"))
    writer.append(LOG, _line(run_id, 5))
    reader = SpoolReader(tmp_path)

    with Client(server_url) as client:
        assert reader.ship_once(client) == 8
        assert reader.ship_once(client) == 0  # nothing is sent twice

    assert _messages(api, run_id) == [f"line {n}" for n in range(6)]
    (task_run,) = api.get(f"/api/flow-runs/{run_id}/task-runs").json()
    assert task_run["state"] == "Success"
    assert reader.pending() == 0


class _AnswerLost:
    """The real client, whose answers never come back: every batch reaches the server, and
    the sender is told the server could not be reached (a connection cut after the request,
    or a process killed before it noted the answer)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def write_run_logs(self, logs: list[dict], idempotency_key: str | None = None) -> int:
        self.client.write_run_logs(logs, idempotency_key=idempotency_key)
        raise ServerUnavailable("the answer was lost")

    def set_task_run_states(self, batch: list[dict], idempotency_key: str | None = None) -> int:
        self.client.set_task_run_states(batch, idempotency_key=idempotency_key)
        raise ServerUnavailable("the answer was lost")


def test_a_window_sent_again_after_a_lost_answer_is_stored_once(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    for n in range(5):
        writer.append(LOG, _line(run_id, n))
    writer.append(STATE, _state(run_id, "extract-1", "Running"))
    with Client(server_url) as client:
        with pytest.raises(ServerUnavailable):
            SpoolReader(tmp_path).ship_once(_AnswerLost(client))
        # The sender died there; meanwhile more records were appended.
        for n in range(5, 8):
            writer.append(LOG, _line(run_id, n))
        writer.append(STATE, _state(run_id, "extract-1", "Success"))
        reader = SpoolReader(tmp_path)  # a new reader: as the agent after a death
        assert reader.ship_once(client) == 10
        assert reader.pending() == 0

    assert _messages(api, run_id) == [f"line {n}" for n in range(8)]
    (task_run,) = api.get(f"/api/flow-runs/{run_id}/task-runs").json()
    assert task_run["state"] == "Success"


def test_a_window_goes_in_two_requests_whatever_its_mix_of_states_and_lines(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    for n in range(300):  # a task run's usual mix: a line, two states, a line
        writer.append(LOG, _line(run_id, 2 * n))
        writer.append(STATE, _state(run_id, f"task-{n}", "Running"))
        writer.append(STATE, _state(run_id, f"task-{n}", "Success"))
        writer.append(LOG, _line(run_id, 2 * n + 1))

    with Client(server_url) as client:
        calls = _Counting(client)
        SpoolReader(tmp_path).ship_once(calls)

    assert calls.requests == 2
    assert len(_messages(api, run_id)) == 600
    assert len(api.get(f"/api/flow-runs/{run_id}/task-runs").json()) == 300


class _Counting:
    """The real client, counting the requests it is asked to send."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.requests = 0

    def write_run_logs(self, logs: list[dict], idempotency_key: str | None = None) -> int:
        self.requests += 1
        return self.client.write_run_logs(logs, idempotency_key=idempotency_key)

    def set_task_run_states(self, batch: list[dict], idempotency_key: str | None = None) -> int:
        self.requests += 1
        return self.client.set_task_run_states(batch, idempotency_key=idempotency_key)


def test_nothing_is_acknowledged_while_the_server_is_away(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    port = int(server_url.rsplit(":", 1)[1])
    writer = SpoolWriter(tmp_path)
    writer.append(LOG, _line(run_id, 0))
    with TcpProxy("127.0.0.1", port) as proxy:
        away = Client(f"http://127.0.0.1:{proxy.port}", retries=0)
        reader = SpoolReader(tmp_path)
        with proxy.down(), pytest.raises(ServerUnavailable):
            reader.ship_once(away)
        assert reader.pending() == 1

        assert reader.ship_once(away) == 1
        away.close()

    assert _messages(api, run_id) == ["line 0"]


def test_the_shipper_keeps_records_through_an_outage_and_sends_them_when_it_ends(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    port = int(server_url.rsplit(":", 1)[1])
    with TcpProxy("127.0.0.1", port) as proxy:
        client = Client(f"http://127.0.0.1:{proxy.port}", retries=0)
        shipper = Shipper(SpoolReader(tmp_path), client, linger_s=0.01, max_backoff_s=0.2)
        writer = SpoolWriter(tmp_path, on_append=shipper.wake)
        shipper.start()
        try:
            proxy.cut()
            for n in range(50):
                writer.append(LOG, _line(run_id, n))
            assert shipper.flush(timeout=1) is False  # the server is away: kept, not lost
            proxy.restore()
            assert shipper.flush(timeout=30) is True
        finally:
            shipper.stop()
            client.close()

    assert _messages(api, run_id) == [f"line {n}" for n in range(50)]


def test_the_spool_of_a_deleted_run_is_dropped_and_never_blocks(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    writer.append(LOG, _line(run_id, 0))
    writer.append(STATE, _state(run_id, "extract-1", "Running"))
    writer.append(LOG, _line(run_id, 1))
    api.delete(f"/api/flow-runs/{run_id}").raise_for_status()
    reader = SpoolReader(tmp_path)

    with Client(server_url) as client:
        assert reader.ship_once(client) == 3

    assert reader.dropped == 3
    assert reader.pending() == 0


def test_an_invalid_record_is_dropped_alone(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    writer.append(LOG, _line(run_id, 0))
    writer.append(LOG, {**_line(run_id, 1), "level": 500})  # no such level: refused (422)
    writer.append(LOG, _line(run_id, 2))
    reader = SpoolReader(tmp_path)

    with Client(server_url) as client:
        reader.ship_once(client)

    assert reader.dropped == 1
    assert _messages(api, run_id) == ["line 0", "line 2"]


def test_a_forked_worker_writes_its_own_file_and_both_are_shipped(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    writer.append(LOG, _line(run_id, 0))
    pid = os.fork()
    if pid == 0:  # the worker: append and leave without any cleanup
        try:
            writer.append(LOG, _line(run_id, 1))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    writer.append(LOG, _line(run_id, 2))

    with Client(server_url) as client:
        SpoolReader(tmp_path).ship_once(client)

    assert len(list(tmp_path.glob("*.spool"))) == 2
    assert sorted(_messages(api, run_id)) == ["line 0", "line 1", "line 2"]


def test_the_final_state_goes_last_and_a_line_cut_by_a_kill_is_not_sent(
        api: httpx.Client, server_url: str, run_id: str, tmp_path: Path) -> None:
    api.post(f"/api/flow-runs/{run_id}/state", json={"state": "Running"}).raise_for_status()
    writer = SpoolWriter(tmp_path)
    writer.append(LOG, _line(run_id, 0))
    writer.append(FLOW, {"flow_run_id": run_id, "state": "Success", "message": "done"})
    (spool_file,) = tmp_path.glob("*.spool")
    with open(spool_file, "a") as handle:  # a process killed in the middle of a write
        handle.write(("L3\t" + json.dumps(_line(run_id, 9)))[:30])

    with Client(server_url) as client:
        shipped = SpoolReader(tmp_path).ship_once(client)

    assert shipped == 2
    run = api.get(f"/api/flow-runs/{run_id}").json()
    assert (run["state"], run["state_message"]) == ("Success", "done")
    assert _messages(api, run_id) == ["line 0"]
