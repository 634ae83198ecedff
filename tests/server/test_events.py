"""Run changes reach whoever waits for them, whoever made the change: a watcher of one run
(Server-Sent Events) and agents waiting for claimable runs (woken by the reaper too)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from typing import Any

import httpx

from fixtures_server import ServedApp

from .helpers import build_flow, claim, create_run, register, register_agent, set_state


def _read_events(url: str, run_id: str, seen: list[dict[str, Any]],
                 subscribed: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=30) as http, \
            http.stream("GET", f"/api/flow-runs/{run_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line.removeprefix("data: ")))
                subscribed.set()


def test_watcher_sees_each_state_of_a_run_until_it_finishes(
        api: httpx.Client, served: ServedApp, project: str) -> None:
    run_id = create_run(api, flow_id=register(api, build_flow())["flow_id"])["id"]
    seen: list[dict[str, Any]] = []
    subscribed = threading.Event()
    reader = threading.Thread(target=_read_events, args=(served.url, run_id, seen, subscribed))
    reader.start()
    assert subscribed.wait(timeout=10)  # the first event, the state now, has arrived

    claim(api, register_agent(api))
    set_state(api, run_id, "Running")
    set_state(api, run_id, "Success", message="All reference tasks succeeded.")
    reader.join(timeout=30)  # the stream ends by itself after a finished state

    assert not reader.is_alive()
    assert [e["state"] for e in seen] == ["Scheduled", "Submitted", "Running", "Success"]
    assert seen[-1]["message"] == "All reference tasks succeeded."
    assert {e["flow_run_id"] for e in seen} == {run_id}


def test_watching_an_unknown_run_is_404(api: httpx.Client) -> None:
    response = api.get("/api/flow-runs/no-such-run/events")

    assert response.status_code == 404
    assert response.json()["detail"] == "Flow run 'no-such-run' does not exist."


def test_run_requeued_by_the_reaper_wakes_a_waiting_agent(
        api: httpx.Client, served: ServedApp, project: str) -> None:
    """Nobody calls a wake-up: the state change the reaper commits is what wakes the claim.
    The claim waits 8 s, less than its periodic re-check, so only the wake-up returns it."""
    run_id = create_run(api, flow_id=register(api, build_flow())["flow_id"])["id"]
    first = register_agent(api, "lost")
    assert [r["id"] for r in claim(api, first)] == [run_id]  # Submitted, never started
    second = register_agent(api, "waiting")
    got: list[list[dict[str, Any]]] = []

    def wait_for_work() -> None:
        with httpx.Client(base_url=served.url, timeout=30) as http:
            got.append(claim(http, second, wait_s=8))

    waiter = threading.Thread(target=wait_for_work)
    waiter.start()
    time.sleep(0.5)  # the claim has looked, found nothing due, and waits now
    reaper = served.app.state.reaper
    # The reaper's clock is past the submitted timeout: the run goes back to the queue.
    requeued = reaper.run_once(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10_000))
    waiter.join(timeout=30)

    assert requeued.resubmitted == 1
    assert [[r["id"] for r in runs] for runs in got] == [[run_id]]


def test_watch_ends_after_max_s_for_a_run_that_does_not_change(
        api: httpx.Client, project: str) -> None:
    run_id = create_run(api, flow_id=register(api, build_flow())["flow_id"])["id"]

    response = api.get(f"/api/flow-runs/{run_id}/events", params={"max_s": 0.3})

    data = [json.loads(line.removeprefix("data: ")) for line in response.text.splitlines()
            if line.startswith("data: ")]
    assert response.status_code == 200
    assert [(e["flow_run_id"], e["state"]) for e in data] == [(run_id, "Scheduled")]
