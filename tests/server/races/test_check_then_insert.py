"""Creating the same name at once: one request creates it, the others are told it exists.

Projects, a flow's first version and a flow's next versions are each found by name and then
inserted; many clients doing that at once must get one row per name (or one per version),
and answers that say so, never a 5xx from a unique constraint.
"""

from __future__ import annotations

from collections import Counter

import httpx
from sqlalchemy import select

from caudal.server.db import models
from caudal.server.db.engine import Database

from ..helpers import build_flow, registration
from .builders import count_rows, versions_of
from .crowd import Tally, crowd, http_client

CLIENTS = 16
ROUNDS = 3
VERSIONS = 8


def test_same_project_created_at_once_is_created_once_and_409_for_the_rest(
        api: httpx.Client, db: Database, server_url: str) -> None:
    names = [f"same-{round_}" for round_ in range(ROUNDS)]
    tally = Tally()

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        name = names[round_]
        tally.send(http, "create", name, "POST", "/api/projects", json={"name": name})

    crowd(CLIENTS, ROUNDS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"create": {201, 409}}) == Counter(), tally.summary()
    projects = models.projects
    with db.read() as conn:
        rows = conn.execute(select(projects.c.name, projects.c.id)).all()
    assert sorted(name for name, _ in rows) == names
    created = {a.key: a.body["id"] for a in tally.of("create", 201)}
    assert created == dict(rows), tally.summary()
    refused = tally.of("create", 409)
    assert len(refused) == (CLIENTS - 1) * ROUNDS
    assert all(a.body["detail"] == f"Project '{a.key}' already exists." for a in refused), \
        Counter(a.body["detail"] for a in refused)


def test_same_flow_registered_at_once_is_created_once_and_skipped_by_the_rest(
        api: httpx.Client, db: Database, server_url: str, project: str) -> None:
    bodies = [registration(project, build_flow(f"etl-{round_}")) for round_ in range(ROUNDS)]
    tally = Tally()

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        body = bodies[round_]
        tally.send(http, "register", body["name"], "POST", "/api/flows/register", json=body)

    crowd(CLIENTS, ROUNDS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"register": {200, 201}}) == Counter(), tally.summary()
    said = Counter((a.status, a.body["status"], a.body["version"]) for a in tally.answers)
    assert said == {(201, "created", 1): ROUNDS, (200, "skipped", 1): (CLIENTS - 1) * ROUNDS}
    flows = models.flows
    with db.read() as conn:
        rows = conn.execute(select(flows.c.name, flows.c.id, flows.c.version,
                                   flows.c.archived)).all()
    assert sorted((name, version, archived) for name, _, version, archived in rows) == [
        (body["name"], 1, False) for body in bodies]
    stored = {name: flow_id for name, flow_id, _, _ in rows}
    answered = {(a.key, a.body["flow_id"]) for a in tally.answers}
    assert answered == set(stored.items())
    assert count_rows(db, models.flow_groups) == ROUNDS


def test_distinct_versions_registered_at_once_get_versions_one_to_k(
        api: httpx.Client, db: Database, server_url: str, project: str) -> None:
    names = [f"versioned-{round_}" for round_ in range(ROUNDS)]
    bodies = [[registration(project, flow) for flow in versions_of(name, VERSIONS)]
              for name in names]
    tally = Tally()

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        body = bodies[round_][worker]
        tally.send(http, "register", body["name"], "POST", "/api/flows/register", json=body)

    crowd(VERSIONS, ROUNDS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"register": {201}}) == Counter(), tally.summary()
    assert all(a.body["status"] == "created" for a in tally.answers)
    flows = models.flows
    with db.read() as conn:
        rows = conn.execute(select(flows.c.id, flows.c.name, flows.c.version, flows.c.hash,
                                   flows.c.archived)).all()
    sent = {body["hash"]: body["name"] for versions in bodies for body in versions}
    assert sorted((r.name, r.hash) for r in rows) == sorted((n, h) for h, n in sent.items())
    for name in names:
        answered = sorted(a.body["version"] for a in tally.of("register") if a.key == name)
        stored = sorted(r.version for r in rows if r.name == name)
        unarchived = [r.version for r in rows if r.name == name and not r.archived]
        assert (answered, stored) == (list(range(1, VERSIONS + 1)),) * 2, name
        assert unarchived == [VERSIONS], f"{name}: unarchived versions {unarchived}"
    by_id = {r.id: (r.name, r.version) for r in rows}
    assert all(by_id[a.body["flow_id"]] == (a.key, a.body["version"]) for a in tally.answers)
    assert count_rows(db, models.flow_groups) == ROUNDS
