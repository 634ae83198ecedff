"""Exactly once, end to end: three real agents race over 300 due runs, on both databases.

All the runs are created (due now) before any agent starts, then three ``caudal agent start``
processes start together and take them. Each run's only task appends one line, its run id,
to a file: the file is the runs' side effects, so it shows how many times each run really
executed. Every run must end Success, leave exactly one line, have been Submitted and
Running once, and have been taken by one of the three agents, and more than one agent must
have taken runs (they really raced).
"""

from __future__ import annotations

import collections
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from fixtures_agent import AgentProcess, register_flow_file, wait_until

RUNS = 300
AGENTS = 3
LIMIT = 8

MARK_FLOW = '''
import os

import caudal
from caudal import Flow, task


@task
def mark():
    # One write per execution: the run's side effect.
    with open(os.environ["EXACTLY_ONCE_FILE"], "a") as handle:
        handle.write(f"{caudal.context.flow_run_id}\\n")


with Flow("exactly-once") as flow:
    mark()
'''


def _finished_count(api: httpx.Client) -> int:
    from caudal.wire.states import STATE_KINDS, is_finished

    finished = [state for state in STATE_KINDS if is_finished(state)]
    page = api.get("/api/flow-runs", params={"flow_name": "exactly-once", "limit": 500,
                                             "state": finished})
    page.raise_for_status()
    return len(page.json()["items"])


def _tally(items: list[str], expected: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Counts of ``items`` against the ids ``expected`` once each (small, for assertions),
    and at most 5 of the ids seen more than once, with how many times."""
    counts = collections.Counter(items)
    dupes = {item: n for item, n in counts.items() if n > 1}
    return {"total": len(items), "distinct": len(counts),
            "seen more than once": len(dupes),
            "missing": len(set(expected) - set(counts)),
            "unknown": len(set(counts) - set(expected))}, dict(list(dupes.items())[:5])


def test_three_agents_racing_over_300_due_runs_execute_each_exactly_once(
        server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=60)
    register_flow_file(url, tmp_path, MARK_FLOW)
    marks = tmp_path / "marks.txt"
    marks.touch()

    # Every run exists and is due before the first agent starts.
    run_ids = []
    for i in range(RUNS):
        created = api.post("/api/flow-runs", json={"flow_name": "exactly-once",
                                                    "project": "tests",
                                                    "idempotency_key": f"exactly-once-{i}"})
        assert created.status_code == 201, created.text
        run_ids.append(created.json()["id"])
    assert len(set(run_ids)) == RUNS
    scheduled = api.get("/api/flow-runs", params={"flow_name": "exactly-once", "limit": 500,
                                                  "state": "Scheduled"}).json()["items"]
    assert len(scheduled) == RUNS

    # A generous start timeout: on a loaded 2-core machine 24 run processes starting at once
    # may take long to reach Running, and a run failed for that would prove nothing here.
    names = [f"racer-{n}" for n in range(AGENTS)]
    agents = [AgentProcess(url, "--limit", str(LIMIT), "--start-timeout", "300", name=name,
                           env={"EXACTLY_ONCE_FILE": str(marks)}) for name in names]
    outputs: dict[str, str] = {}
    try:
        # Started together (each start waits for its agent to register).
        with ThreadPoolExecutor(AGENTS) as pool:
            list(pool.map(AgentProcess.start, agents))
        wait_until(lambda: _finished_count(api) >= RUNS, timeout=900, interval=1.0,
                   what=f"the {RUNS} runs to finish")
        for agent in agents:
            assert agent.terminate(timeout=120) == 0, agent.output[-3000:]
            outputs[agent.name] = agent.output
    finally:
        for agent in agents:
            if agent.process is not None:
                agent.__exit__()

    runs = {run_id: api.get(f"/api/flow-runs/{run_id}").json() for run_id in run_ids}
    not_successful = collections.Counter(run["state"] for run in runs.values()
                                         if run["state"] != "Success")
    examples = [(r["id"], r["state"], (r["state_message"] or "")[:300])
                for r in runs.values() if r["state"] != "Success"][:3]
    assert not_successful == collections.Counter(), examples

    # The side effects: one line per run, every run's id exactly once.
    once_each = {"total": RUNS, "distinct": RUNS, "seen more than once": 0, "missing": 0,
                 "unknown": 0}
    executed, dupes = _tally(marks.read_text().splitlines(), run_ids)
    assert executed == once_each, f"runs executed more than once (times): {dupes}"

    # Each run was taken once and started once.
    bad_histories = {}
    for run_id in run_ids:
        history = [s["state"] for s in api.get(f"/api/flow-runs/{run_id}/states").json()]
        if history.count("Submitted") != 1 or history.count("Running") != 1:
            bad_histories[run_id] = history
    assert len(bad_histories) == 0, list(bad_histories.items())[:3]

    # By one of the three agents, and the work was shared.
    agent_names = {a["id"]: a["name"] for a in api.get("/api/agents").json()}
    taken_by = collections.Counter(agent_names.get(run["agent_id"], run["agent_id"])
                                   for run in runs.values())
    assert set(taken_by) <= set(names), taken_by
    assert sum(1 for name in names if taken_by[name] > 0) > 1, taken_by

    # And no run was launched twice, by one agent or by two (its second process would have
    # found it taken and written nothing: the agents' own logs tell).
    launched = {name: re.findall(r"Flow run '[^']*' \(([0-9a-f-]+)\) of flow '[^']*' launched",
                                 output) for name, output in outputs.items()}
    launches, dupes = _tally([i for ids in launched.values() for i in ids], run_ids)
    assert launches == once_each, f"runs launched more than once (times): {dupes}"
    assert {name: len(ids) for name, ids in launched.items()} == {n: taken_by[n] for n in names}
