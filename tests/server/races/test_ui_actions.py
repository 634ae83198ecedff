"""The web UI's buttons pressed by many at once, on both databases: no 5xx, nothing lost, and
no answer that says done when nothing was.

- Many press "Restart from failed" on the same failed runs: one restart per run (303), the
  others are told it is no longer failed (409), and each history shows one restart.
- Many submit the Run form at once: every submission answers with its own new run, and the
  server holds exactly those runs.
- Many cancel overlapping selections of runs at once: each run is cancelled once; a press
  that found a run already cancelled says so (409) and still cancels the others.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ..helpers import set_state
from .builders import history_of, new_runs
from .crowd import Answer, Tally, crowd, http_client

WORKERS = 8
ROUNDS = 4


@contextmanager
def browser(server_url: str) -> Iterator[httpx.Client]:
    """A client holding a page's CSRF cookie, as a browser tab does; ``client.csrf``."""
    with http_client(server_url) as client:
        page = client.get("/flow-runs")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, page.text[:500]
        client.csrf = found.group(1)  # type: ignore[attr-defined]
        yield client


def test_restart_pressed_by_many_restarts_each_run_once(
        api: httpx.Client, server_url: str, project: str) -> None:
    ids = new_runs(api, ROUNDS)
    for run_id in ids:
        set_state(api, run_id, "Running")
        set_state(api, run_id, "Failed", message="a file was missing")
    tally = Tally()

    def job(client: httpx.Client, worker: int, round_: int) -> None:
        run_id = ids[round_]
        tally.send(client, "restart", run_id, "POST", f"/flow-runs/{run_id}/restart",
                   data={"csrf": client.csrf}, follow_redirects=False)  # type: ignore[attr-defined]

    crowd(WORKERS, ROUNDS, job, lambda worker: browser(server_url))

    assert tally.unexpected({"restart": {303, 409}}) == Counter(), tally.counts()
    for run_id in ids:
        done = tally.of("restart", 303)
        assert [a.key for a in done].count(run_id) == 1, tally.counts()
        assert history_of(api, run_id).count("Scheduled") == 2  # created, then restarted once
        assert api.get(f"/api/flow-runs/{run_id}").json()["state"] == "Scheduled"
    # Refused because another press got there first: after it (no longer failed) or during
    # it (the run's version moved on); either way the page says so.
    refused = [html.unescape(a.body) for a in tally.of("restart", 409)]
    assert all("only a failed run restarts" in body or "meanwhile" in body
               for body in refused), refused[:1]


def test_the_run_form_submitted_by_many_makes_one_run_each(
        api: httpx.Client, server_url: str, project: str) -> None:
    flow_id = api.get(f"/api/flow-runs/{new_runs(api, 1)[0]}").json()["flow_id"]
    before = {r["id"] for r in api.get("/api/flow-runs", params={"limit": 500}).json()["items"]}
    tally = Tally()

    def job(client: httpx.Client, worker: int, round_: int) -> None:
        response = client.post(f"/flows/{flow_id}/run", follow_redirects=False, data={
            "csrf": client.csrf, "source": f"s3://w{worker}r{round_}"})  # type: ignore[attr-defined]
        # The page a 303 sends the browser to: the new run's.
        tally.add(Answer("run", f"{worker}-{round_}", response.status_code,
                         response.headers.get("location", response.text)))

    crowd(WORKERS, ROUNDS, job, lambda worker: browser(server_url))

    assert tally.unexpected({"run": {303}}) == Counter(), tally.counts()
    made = {}
    for answer in tally.of("run", 303):
        found = re.fullmatch(r"\.\./\.\./flow-runs/([0-9a-f-]+)", answer.body)
        assert found, answer.body
        made[found.group(1)] = answer.key
    assert len(made) == WORKERS * ROUNDS
    after = {r["id"]: r for r in
             api.get("/api/flow-runs", params={"limit": 500}).json()["items"]}
    assert set(after) - before == set(made)
    for run_id, key in made.items():
        worker, round_ = key.split("-")
        assert after[run_id]["parameters"] == {"source": f"s3://w{worker}r{round_}"}


def test_overlapping_bulk_cancels_cancel_each_run_once(
        api: httpx.Client, server_url: str, project: str) -> None:
    ids = new_runs(api, 6)
    tally = Tally()

    def job(client: httpx.Client, worker: int, round_: int) -> None:
        chosen = [ids[(worker + k) % len(ids)] for k in range(3)]
        tally.send(client, "bulk", str(worker), "POST", "/flow-runs/bulk",
                   data={"csrf": client.csrf, "action": "cancel", "run": chosen},  # type: ignore[attr-defined]
                   follow_redirects=False)

    crowd(WORKERS, 1, job, lambda worker: browser(server_url))

    assert tally.unexpected({"bulk": {303, 409}}) == Counter(), tally.counts()
    for run_id in ids:
        assert api.get(f"/api/flow-runs/{run_id}").json()["state"] == "Cancelled"
        assert history_of(api, run_id).count("Cancelled") == 1
    for answer in tally.of("bulk", 409):
        assert "has already finished" in answer.body, answer.body[:300]
