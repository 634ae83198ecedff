"""The web UI over HTTP, on SQLite and PostgreSQL: every page answers with escaped content
and its security headers, every action needs its role and the form's CSRF token (and does
nothing without them), links stay relative, and the Run form checks its values."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest

from caudal import Flow, Parameter, task
from caudal.server.services.api_keys import create_api_key
from caudal.server.ui.render import CSP, GZIP_MIN_BYTES
from caudal.wire.auth import Role

from ..helpers import create_project, create_run, hourly, register, register_agent, set_state

HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


@task(name=f"task {HOSTILE}")
def hostile_task(value: Any) -> Any:
    return value


def hostile_flow() -> Flow:
    with Flow(f"flow {HOSTILE}", schedule=hourly()) as flow:
        hostile_task(Parameter("text", default=HOSTILE))
        hostile_task(Parameter("count", default=3))
        hostile_task(Parameter("ratio", default=0.5))
        hostile_task(Parameter("on", default=True))
        hostile_task(Parameter("rows", default=[1, 2]))
        hostile_task(Parameter("day", required=True))
    return flow


@pytest.fixture
def world(api: httpx.Client) -> dict[str, Any]:
    create_project(api, f"project {HOSTILE}")
    flow = register(api, hostile_flow(), project=f"project {HOSTILE}")
    run = create_run(api, flow_id=flow["flow_id"], parameters={"day": HOSTILE},
                     labels=[f"label-{HOSTILE}"])
    set_state(api, run["id"], "Running")
    set_state(api, run["id"], "Failed", message=f"broke: {HOSTILE}")
    api.post("/api/logs", json=[{"flow_run_id": run["id"], "timestamp": "2026-01-01T00:00:00Z",
                                 "level": 40, "message": f"line {HOSTILE}"}])
    register_agent(api, name=f"agent {HOSTILE}", labels=[HOSTILE])
    return {"flow_id": flow["flow_id"], "run_id": run["id"]}


def pages(world: dict[str, Any]) -> list[str]:
    return ["/", "/flows", f"/flows/{world['flow_id']}", "/flow-runs",
            f"/flow-runs/{world['run_id']}", "/agents"]


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no CSRF token"
    return found.group(1)


def test_every_page_escapes_what_it_shows_and_sends_its_headers(
        api: httpx.Client, world: dict[str, Any]) -> None:
    for path in pages(world):
        page = api.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert page.headers["x-frame-options"] == "DENY"
        if len(page.content) > GZIP_MIN_BYTES:  # httpx asks for gzip, as browsers do
            assert page.headers["content-encoding"] == "gzip", path
        assert "<img" not in page.text and "<script>" not in page.text, path
        assert "onerror=alert(1)" not in page.text.replace("&#34;", "").split("&gt;")[0] or \
            "&lt;img" in page.text
        # No inline script or style anywhere, and every link and source is relative.
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), path
        assert not re.search(r"\sstyle=", page.text), path
        assert not re.search(r'\s(?:href|src|action)="(?:/|https?:)', page.text), path
    for asset in ("ui.js", "ui.css", "drawings.css"):
        static = api.get(f"/static/{asset}")
        assert static.status_code == 200 and "max-age=86400" in static.headers["cache-control"]
    run_page = api.get(f"/flow-runs/{world['run_id']}").text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in run_page
    assert "line &#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in run_page


def test_unknown_pages_and_runs_answer_an_html_page(api: httpx.Client) -> None:
    missing = api.get("/flow-runs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "does not exist" in missing.text or "not found" in missing.text.lower()
    assert api.get("/api/flow-runs/00000000-0000-0000-0000-000000000000").headers[
        "content-type"] == "application/json"


def test_actions_without_the_csrf_token_do_nothing(api: httpx.Client,
                                                   world: dict[str, Any]) -> None:
    flow_id = world["flow_id"]
    for path, form in [(f"/flows/{flow_id}/run", {"day": "1"}),
                       (f"/flow-runs/{world['run_id']}/restart", {}),
                       (f"/flows/{flow_id}/schedule", {"active": "false"}),
                       ("/flow-runs/bulk", {"action": "cancel", "run": world["run_id"]})]:
        refused = api.post(path, data={**form, "csrf": "forged"}, follow_redirects=False)
        assert refused.status_code == 403, (path, refused.text[:300])
        assert "CSRF" in refused.text
    assert api.get(f"/api/flow-runs/{world['run_id']}").json()["state"] == "Failed"
    assert api.get(f"/api/flows/{flow_id}").json()["schedule_active"] is True
    runs = api.get("/api/flow-runs", params={"flow_id": flow_id, "state": "Scheduled"})
    assert all(r["auto_scheduled"] for r in runs.json()["items"])


def test_the_run_form_checks_values_then_starts_the_run(api: httpx.Client,
                                                        world: dict[str, Any]) -> None:
    flow_page = api.get(f"/flows/{world['flow_id']}")
    csrf = csrf_of(flow_page)
    for name, kind in [("text", "text"), ("count", "int"), ("ratio", "float"),
                       ("on", "bool"), ("rows", "json"), ("day", "json")]:
        assert f'name="{name}"' in flow_page.text and f'data-kind="{kind}"' in flow_page.text
    form = {"csrf": csrf, "text": "hello", "count": "many", "ratio": "0.5", "on": "true",
            "rows": "[1, 2", "day": ""}
    refused = api.post(f"/flows/{world['flow_id']}/run", data=form)
    assert refused.status_code == 422
    assert "Expected a whole number" in refused.text
    assert "Expected JSON" in refused.text
    assert "Required: give a value." in refused.text
    before = api.get("/api/flow-runs", params={"flow_id": world["flow_id"]}).json()["items"]

    started = api.post(f"/flows/{world['flow_id']}/run", follow_redirects=False, data={
        **form, "count": "7", "rows": '{"a": [1]}', "day": '"2026-01-02"', "on": "false",
        "labels": "etl, nightly"})
    assert started.status_code == 303
    run_id = started.headers["location"].rsplit("/", 1)[1]
    assert started.headers["location"] == f"../../flow-runs/{run_id}"  # from /flows/ID/run
    run = api.get(f"/api/flow-runs/{run_id}").json()
    assert run["parameters"] == {"text": "hello", "count": 7, "ratio": 0.5, "on": False,
                                 "rows": {"a": [1]}, "day": "2026-01-02"}
    assert run["labels"] == ["etl", "nightly"]
    after = api.get("/api/flow-runs", params={"flow_id": world["flow_id"]}).json()["items"]
    assert len(after) == len(before) + 1


def test_restart_run_again_cancel_and_bulk(api: httpx.Client, world: dict[str, Any]) -> None:
    csrf = csrf_of(api.get(f"/flow-runs/{world['run_id']}"))
    restarted = api.post(f"/flow-runs/{world['run_id']}/restart", data={"csrf": csrf},
                         follow_redirects=False)
    assert restarted.status_code == 303
    assert api.get(f"/api/flow-runs/{world['run_id']}").json()["state"] == "Scheduled"
    again = api.post(f"/flow-runs/{world['run_id']}/run-again", data={"csrf": csrf},
                     follow_redirects=False)
    new_id = again.headers["location"].rsplit("/", 1)[1]
    new = api.get(f"/api/flow-runs/{new_id}").json()
    assert new_id != world["run_id"] and new["parameters"] == {"day": HOSTILE}
    cancelled = api.post(f"/flow-runs/{new_id}/cancel", data={"csrf": csrf},
                         follow_redirects=False)
    assert cancelled.status_code == 303
    assert api.get(f"/api/flow-runs/{new_id}").json()["state"] == "Cancelled"
    bulk = api.post("/flow-runs/bulk", data={"csrf": csrf, "action": "cancel",
                                              "run": [world["run_id"], new_id]})
    assert bulk.status_code == 409  # one was cancelled already: said, and the other is done
    assert "1 of 2 runs were cancelled" in bulk.text, bulk.text.split("<main>")[1]
    assert api.get(f"/api/flow-runs/{world['run_id']}").json()["state"] == "Cancelled"


def test_project_schedules_switch_off_and_on(api: httpx.Client,
                                             world: dict[str, Any]) -> None:
    csrf = csrf_of(api.get("/flows"))
    project = f"project {HOSTILE}"
    for active in ("false", "true"):
        switched = api.post("/projects/schedules", data={"csrf": csrf, "project": project,
                                                          "active": active},
                            follow_redirects=False)
        assert switched.status_code == 303
        flow = api.get(f"/api/flows/{world['flow_id']}").json()
        assert flow["schedule_active"] is (active == "true")


def test_the_chosen_time_zone_is_remembered(api: httpx.Client, world: dict[str, Any]) -> None:
    picker = api.get(f"/timezone?next=flow-runs/{world['run_id']}")
    assert "<option>America/Sao_Paulo</option>" in picker.text
    csrf = csrf_of(picker)
    chosen = api.post("/timezone", data={"csrf": csrf, "tz": "America/Sao_Paulo",
                                         "next": f"flow-runs/{world['run_id']}"},
                      follow_redirects=False)
    assert chosen.status_code == 303
    page = api.get(f"/flow-runs/{world['run_id']}")
    assert "times in America/Sao_Paulo" in page.text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d -03", page.text)
    assert api.post("/timezone", data={"csrf": csrf, "tz": "Mars/Olympus"}).status_code == 422


def test_login_roles_and_cookies(auth_served: Any) -> None:
    db = auth_served.app.state.db
    viewer = create_api_key(db, "reader", Role.VIEWER)
    runner = create_api_key(db, "operator", Role.RUNNER)
    admin_api = httpx.Client(base_url=auth_served.url, timeout=30, headers={
        "Authorization": f"Bearer {create_api_key(db, 'admin', Role.ADMIN).key}"})
    create_project(admin_api, "p")
    flow = register(admin_api, hostile_flow(), project="p")
    run = create_run(admin_api, flow_id=flow["flow_id"], parameters={"day": 1})

    browser = httpx.Client(base_url=auth_served.url, timeout=30)
    redirect = browser.get(f"/flow-runs/{run['id']}", follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == f"../login?next=flow-runs%2F{run['id']}"
    login = browser.get("/login")
    csrf = csrf_of(login)
    assert browser.post("/login", data={"csrf": csrf, "key": "cdl_wrong"}).status_code == 401
    assert browser.post("/login", data={"csrf": "forged", "key": viewer.key}).status_code == 403
    # Only relative places inside the UI are followed after logging in.
    logged = browser.post("/login", data={"csrf": csrf, "key": viewer.key,
                                          "next": "//evil.example/x"}, follow_redirects=False)
    assert logged.status_code == 303 and logged.headers["location"] == "./"
    cookie = next(h for h in logged.headers.get_list("set-cookie")
                  if h.startswith("caudal_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert viewer.key not in cookie
    assert browser.get(f"/flow-runs/{run['id']}").status_code == 200
    # The session also reads the API (live logs), but changes nothing through it.
    assert browser.get(f"/api/flow-runs/{run['id']}").status_code == 200
    assert browser.post(f"/api/flow-runs/{run['id']}/cancel").status_code == 401
    csrf = csrf_of(browser.get(f"/flow-runs/{run['id']}"))
    refused = browser.post(f"/flow-runs/{run['id']}/cancel", data={"csrf": csrf})
    assert refused.status_code == 403 and "'runner' role" in html.unescape(refused.text)
    assert admin_api.get(f"/api/flow-runs/{run['id']}").json()["state"] == "Scheduled"

    operator = httpx.Client(base_url=auth_served.url, timeout=30)
    csrf = csrf_of(operator.get("/login"))
    operator.post("/login", data={"csrf": csrf, "key": runner.key})
    csrf = csrf_of(operator.get(f"/flow-runs/{run['id']}"))
    assert operator.post(f"/flow-runs/{run['id']}/cancel", data={"csrf": csrf},
                         follow_redirects=False).status_code == 303
    assert admin_api.get(f"/api/flow-runs/{run['id']}").json()["state"] == "Cancelled"
    switch = operator.post(f"/flows/{flow['flow_id']}/schedule",
                           data={"csrf": csrf, "active": "false"})
    assert switch.status_code == 403 and "'admin' role" in html.unescape(switch.text)

    # A revoked key ends its sessions.
    assert admin_api.delete(f"/api/api-keys/{runner.id}").status_code == 204
    assert operator.get("/flows", follow_redirects=False).status_code == 303
    logged_out = browser.post("/logout", data={"csrf": csrf_of(browser.get("/flows"))},
                              follow_redirects=False)
    assert logged_out.headers["location"] == "./login"
    assert browser.get("/flows", follow_redirects=False).status_code == 303


def test_waiting_runs_say_why_and_parents_and_children_link_both_ways(
        api: httpx.Client, world: dict[str, Any]) -> None:
    import datetime as dt

    due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    late = create_run(api, flow_id=world["flow_id"], parameters={"day": 1},
                      labels=["nobody-has-this"], scheduled_start_time=due)
    dashboard = html.unescape(api.get("/").text)
    assert late["name"] in dashboard
    assert "No agent with labels [nobody-has-this] has been seen" in dashboard
    run_page = html.unescape(api.get(f"/flow-runs/{late['id']}").text)
    assert "Why it has not started:" in run_page
    assert "caudal agent start --label nobody-has-this" in run_page

    child = create_run(api, flow_id=world["flow_id"], parameters={"day": 2},
                       parent_flow_run_id=world["run_id"])
    parent_page = api.get(f"/flow-runs/{world['run_id']}").text
    assert f'href="../flow-runs/{child["id"]}"' in parent_page
    child_page = api.get(f"/flow-runs/{child['id']}").text
    assert f'href="../flow-runs/{world["run_id"]}"' in child_page


def test_live_parts_are_sent_only_when_they_change(api: httpx.Client,
                                                  world: dict[str, Any]) -> None:
    path = f"/flow-runs/{world['run_id']}/live"
    first = api.get(path).json()
    assert set(first["parts"]) == set(first["fingerprints"]) >= {"summary", "graph", "timeline"}
    have = ",".join(f"{name}:{value}" for name, value in first["fingerprints"].items())
    assert api.get(path, params={"have": have}).json()["parts"] == {}
    set_state(api, world["run_id"], "Scheduled")  # a restart: the summary and history change
    changed = api.get(path, params={"have": have}).json()
    assert {"summary", "history"} <= set(changed["parts"])
    assert "graph" not in changed["parts"]
    assert "Scheduled" in changed["parts"]["summary"]
