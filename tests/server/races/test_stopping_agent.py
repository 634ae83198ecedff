"""An agent says it is stopping while its own claims are being answered: every run a claim
took is in that claim's answer, and no claim sent after the agent stopped takes anything.

Seven threads claim for one agent in rounds while the eighth sends its stopping heartbeat in
the middle of a round, as an agent shutting down does while its claimer is still waiting.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import httpx

from ..helpers import register_agent
from .builders import new_runs
from .crowd import Tally, crowd, http_client

RUNS = 300
WORKERS = 8
ROUNDS = 12
STOP_ROUND = 4
"""The round in which the last worker says the agent stops (instead of claiming)."""


def test_claims_racing_a_stopping_heartbeat_lose_no_run(
        api: httpx.Client, server_url: str, project: str) -> None:
    ids = set(new_runs(api, RUNS))
    agent_id = register_agent(api, "stopping-racer")
    tally = Tally()
    lock = threading.Lock()
    sent_at: dict[int, float] = {}  # claim answer index -> when its request was sent
    stopped_at: list[float] = []  # when the stopping heartbeat was answered

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        if worker == WORKERS - 1:
            if round_ == STOP_ROUND:
                answer = tally.send(http, "stop", agent_id, "POST",
                                    f"/api/agents/{agent_id}/heartbeat",
                                    json={"running": 0, "stopping": True})
                with lock:
                    stopped_at.append(time.monotonic())
                assert answer.status == 200, answer.body
            return
        for _ in range(3):
            sent = time.monotonic()
            answer = tally.send(http, "claim", str(worker), "POST",
                                f"/api/agents/{agent_id}/claim",
                                json={"limit": 2, "wait_s": 0})
            with lock:
                sent_at[id(answer)] = sent

    crowd(WORKERS, ROUNDS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"claim": {200}, "stop": {200}}) == Counter(), tally.summary()
    claimed: Counter[str] = Counter(run["id"] for a in tally.of("claim", 200) for run in a.body)
    assert claimed and set(claimed.values()) == {1}, "a run was handed out twice"
    submitted = {run_id for run_id in ids
                 if api.get(f"/api/flow-runs/{run_id}").json()["state"] == "Submitted"}
    assert submitted == set(claimed), (
        f"{len(submitted - set(claimed))} run(s) were taken for the agent but in no claim's "
        f"answer; {len(set(claimed) - submitted)} answered but not Submitted")
    (stopped,) = stopped_at
    late = [a for a in tally.of("claim", 200) if sent_at[id(a)] > stopped and a.body]
    assert late == [], f"{len(late)} claim(s) sent after the agent stopped took runs"
    agent: dict[str, Any] = next(a for a in api.get("/api/agents").json()
                                 if a["id"] == agent_id)
    assert agent["stopping"] is True
    assert len(claimed) < RUNS  # the agent stopped before it took everything
