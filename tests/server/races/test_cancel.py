"""Cancelling runs while their agent starts them: a cancel answered yes is never lost.

Every run is Submitted; one client starts it (Running) while another cancels it. Whichever
wins, a cancel the server acknowledged must leave the run Cancelling or Cancelled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from caudal.client import Client
from caudal.exceptions import ClientError
from caudal.server.db import models
from caudal.server.db.engine import Database

from .builders import count_rows, history_of, submitted_runs
from .crowd import NO_ANSWER, REQUEST_TIMEOUT_S, Answer, Tally, crowd, http_client

RUNS = 40
PAIRS = 8
"""Runs raced per round: a starter and a canceller each, so 16 threads."""

CANCELLED = frozenset({"Cancelling", "Cancelled"})
ALLOWED = {"start": {200, 409}, "cancel": {200, 409}}

Cancel = Callable[[Tally, Any, str], None]
"""Cancels one run (with the given client) and records the answer."""


def _race(server_url: str, ids: list[str], cancel: Cancel,
          connect_canceller: Callable[[], Any]) -> Tally:
    """Start and cancel every run at once, ``PAIRS`` runs a round; every answer, tallied."""
    tally = Tally()

    def job(client: Any, worker: int, round_: int) -> None:
        run_id = ids[round_ * PAIRS + worker // 2]
        if worker % 2:
            cancel(tally, client, run_id)
        else:
            tally.send(client, "start", run_id, "POST", f"/api/flow-runs/{run_id}/state",
                       json={"state": "Running"})

    crowd(2 * PAIRS, len(ids) // PAIRS, job,
          lambda worker: connect_canceller() if worker % 2 else http_client(server_url))
    return tally


def _check_runs(api: httpx.Client, db: Database, ids: list[str], tally: Tally) -> None:
    """Each run's history is exactly what its answers claim: Scheduled, Submitted, Running if
    the start was answered 200, then the cancel's state if the cancel was answered 200."""
    started = {a.key for a in tally.of("start", 200)}
    cancelled = {a.key for a in tally.of("cancel", 200)}
    states = {run_id: api.get(f"/api/flow-runs/{run_id}").json()["state"] for run_id in ids}
    histories = {run_id: history_of(api, run_id) for run_id in ids}

    lost = sorted(run_id for run_id in cancelled
                  if states[run_id] not in CANCELLED
                  or not CANCELLED & set(histories[run_id]))
    assert lost == [], (f"{len(lost)} of {len(cancelled)} cancels answered 200 left the run "
                        f"neither Cancelling nor Cancelled (first {lost[0]}: state "
                        f"{states[lost[0]]}, history {histories[lost[0]]}); {tally.summary()}")
    wrong = {}
    for run_id in ids:
        history = histories[run_id]
        expected = ["Scheduled", "Submitted"] + (["Running"] if run_id in started else [])
        ends_cancelled = run_id in cancelled
        body = history[:-1] if ends_cancelled else history
        if body != expected or (ends_cancelled and history[-1] not in CANCELLED) \
                or states[run_id] != history[-1]:
            wrong[run_id] = (history, states[run_id])
    assert wrong == {}, (f"{len(wrong)} of {len(ids)} runs have a history their answers do not "
                         f"explain (first: {next(iter(wrong.items()))}); {tally.summary()}")
    assert count_rows(db, models.flow_run_states) == sum(map(len, histories.values()))


def test_cancel_racing_start_is_never_answered_200_for_nothing(
        api: httpx.Client, db: Database, server_url: str, project: str) -> None:
    ids = submitted_runs(api, RUNS)

    def cancel(tally: Tally, http: httpx.Client, run_id: str) -> None:
        tally.send(http, "cancel", run_id, "POST", f"/api/flow-runs/{run_id}/cancel")

    tally = _race(server_url, ids, cancel, lambda: http_client(server_url))

    assert tally.unexpected(ALLOWED) == Counter(), tally.summary()
    _check_runs(api, db, ids, tally)
    said = Counter(a.body["state"] for a in tally.of("cancel", 200))
    assert set(said) <= CANCELLED, f"cancels answered 200 said the run is {dict(said)}"


def test_client_cancel_racing_start_returns_true_only_for_a_cancelled_run(
        api: httpx.Client, db: Database, server_url: str, project: str) -> None:
    ids = submitted_runs(api, RUNS)

    def cancel(tally: Tally, client: Client, run_id: str) -> None:
        try:
            done = client.cancel_flow_run(run_id)
        except ClientError as exc:  # a 409 is an allowed answer; anything else is counted
            tally.add(Answer("cancel", run_id, exc.status_code or NO_ANSWER, str(exc)))
            return
        assert done is True, f"cancel_flow_run returned {done!r}"
        tally.add(Answer("cancel", run_id, 200, done))

    tally = _race(server_url, ids, cancel,
                  lambda: Client(api_server=server_url, retries=0, timeout=REQUEST_TIMEOUT_S))

    assert tally.unexpected(ALLOWED) == Counter(), tally.summary()
    _check_runs(api, db, ids, tally)
