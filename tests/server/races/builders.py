"""Rows the race tests start from: runs an agent has claimed, flows of one name whose hashes
differ, and counts of what the database holds afterwards."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from caudal import Flow, Parameter
from caudal.server.db.engine import Database

from ..helpers import build_flow, claim, create_run, extract, register, register_agent

__all__ = ["count_rows", "history_of", "new_runs", "submitted_runs", "versions_of"]


def new_runs(api: httpx.Client, n: int) -> list[str]:
    """``n`` runs of flow 'etl', due now (Scheduled); their ids."""
    flow_id = register(api, build_flow())["flow_id"]
    return [create_run(api, flow_id=flow_id)["id"] for _ in range(n)]


def submitted_runs(api: httpx.Client, n: int) -> list[str]:
    """``n`` runs of flow 'etl', all claimed by one agent (Submitted); their ids."""
    ids = new_runs(api, n)
    agent_id = register_agent(api, "racer")
    taken: list[str] = []
    while len(taken) < n:
        got = claim(api, agent_id, limit=100)
        assert got, f"only {len(taken)} of {n} runs were claimed"
        taken.extend(r["id"] for r in got)
    assert sorted(taken) == sorted(ids)
    return ids


def history_of(api: httpx.Client, run_id: str) -> list[str]:
    """The run's state names, oldest first, as the API shows them."""
    response = api.get(f"/api/flow-runs/{run_id}/states")
    assert response.status_code == 200, response.text
    return [s["state"] for s in response.json()]


def versions_of(name: str, k: int) -> list[Flow]:
    """``k`` flows called ``name`` whose hashes all differ (the parameter's default differs)."""
    flows = []
    for i in range(k):
        with Flow(name) as flow:
            extract(Parameter("source", default=f"s3://raw/{i}"))
        flows.append(flow)
    hashes = {flow.serialized_hash() for flow in flows}
    assert len(hashes) == k, "the versions' hashes must differ"
    return flows


def count_rows(db: Database, table: Any, *where: Any) -> int:
    """How many rows of ``table`` match ``where`` (all of them without it)."""
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
