"""The web UI in headless Chromium, against a real server process and a real agent.

Each test drives the pages as a data engineer would: start a run from the flow's form and
watch it finish with its log lines appearing live, cancel a running run, restart a failed
one, switch a schedule, log in with a key (and be refused without one), and open pages full
of hostile names and log lines. Every test leaves a screenshot in test-output/screenshots.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from fixtures_agent import AgentProcess, register_flow_file, wait_until
from fixtures_server import ServerProcess

FLOWS = '''
import time
from pathlib import Path

import caudal
from caudal import Flow, Parameter, task
from caudal.schedules import IntervalSchedule
from datetime import timedelta


@task
def extract(n):
    caudal.context.logger.info("extracting %d rows", n)
    return list(range(n))


@task
def transform(x):
    return x * 2


@task
def load(rows, wait, marker):
    time.sleep(wait)
    if marker and Path(marker).exists():
        raise ValueError(f"the warehouse is locked ({marker} exists)")
    caudal.context.logger.info("loaded %d rows after waiting", len(rows))
    return len(rows)


with Flow("report", schedule=IntervalSchedule(interval=timedelta(hours=1))) as report:
    n = Parameter("n", default=3)
    wait = Parameter("wait", default=0.0)
    marker = Parameter("marker", default="")
    load(transform.map(extract(n)), wait, marker)


@task(name='<script>alert("task")</script>')
def hostile(text):
    caudal.context.logger.info('log <script>alert("log")</script> "><img src=x onerror=alert(2)>')
    return text


with Flow('"><img src=x onerror=alert(1)>') as xss:
    hostile(Parameter("text", default='<script>alert("param")</script>'))
'''

FINISHED = {"Success", "Failed", "Cancelled", "Skipped", "TimedOut"}


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A server on SQLite with the flows registered and an agent running them."""
    database = f"sqlite:///{tmp_path / 'ui.db'}"
    with ServerProcess(database) as server, \
            AgentProcess(server.url, name="ui-agent"):
        register_flow_file(server.url, tmp_path, FLOWS, project="ui")
        api = httpx.Client(base_url=server.url, timeout=30)
        flows = {f["name"]: f for f in api.get("/api/flows").json()}
        yield {"url": server.url + "/", "api": api, "flows": flows, "tmp": tmp_path}


def run_of(ui: dict[str, Any], flow: str, **parameters: Any) -> str:
    created = ui["api"].post("/api/flow-runs", json={
        "flow_id": ui["flows"][flow]["id"], "parameters": parameters})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def state_of(ui: dict[str, Any], run_id: str) -> str:
    return ui["api"].get(f"/api/flow-runs/{run_id}").json()["state"]


def no_errors(page: Page) -> None:
    """No script error, CSP violation or failed request (a live request cut short by the
    page's own navigation, as after pressing a button, is not a failure)."""
    errors = [e for e in page.caudal_errors  # type: ignore[attr-defined]
              if not e.endswith("net::ERR_ABORTED")]
    assert errors == [], errors


def test_every_page_opens_without_errors(ui: dict[str, Any], page: Page, screenshot) -> None:
    run_id = run_of(ui, "report")
    wait_until(lambda: state_of(ui, run_id) in FINISHED, timeout=60, what="the run")
    flow_id = ui["flows"]["report"]["id"]
    for name, path, heading in [
            ("dashboard", "", "Dashboard"), ("flows", "flows", "Flows"),
            ("flow", f"flows/{flow_id}", "report"), ("runs", "flow-runs", "Runs"),
            ("run", f"flow-runs/{run_id}", None), ("agents", "agents", "Agents")]:
        response = page.goto(ui["url"] + path)
        assert response is not None and response.status == 200, (name, response)
        if heading:
            expect(page.locator("h1")).to_contain_text(heading)
        screenshot(page, name)
    expect(page.locator("table.agents")).to_contain_text("ui-agent")
    page.goto(ui["url"] + f"flow-runs/{run_id}")
    expect(page.locator("[data-part=summary] .state")).to_have_text("Success")
    expect(page.locator("section[aria-label=Details]")).to_contain_text("ui-agent")
    expect(page.locator("svg").first).to_be_visible()
    no_errors(page)


def test_a_run_started_from_the_form_finishes_live(ui: dict[str, Any], page: Page) -> None:
    page.goto(ui["url"] + f"flows/{ui['flows']['report']['id']}")
    page.fill("input[name=n]", "5")
    page.fill("input[name=wait]", "3")
    page.click("text=Run now")
    page.wait_for_url(re.compile(r".*/flow-runs/[0-9a-f-]+$"))
    # The page was drawn before the run ended: its last line arrives live, then Success.
    expect(page.locator("[data-log-lines]")).to_contain_text("loaded 5 rows after waiting",
                                                              timeout=60_000)
    expect(page.locator("[data-part=summary] .state")).to_have_text("Success", timeout=30_000)
    expect(page.locator("[data-live-note]")).to_have_text("The run has finished.")
    run_id = page.url.rsplit("/", 1)[1]
    assert ui["api"].get(f"/api/flow-runs/{run_id}").json()["parameters"] == {
        "n": 5, "wait": 3.0, "marker": ""}
    no_errors(page)


def test_the_form_refuses_bad_values_before_anything_starts(ui: dict[str, Any],
                                                            page: Page) -> None:
    page.goto(ui["url"] + f"flows/{ui['flows']['report']['id']}")
    page.fill("input[name=n]", "five")
    page.click("text=Run now")
    expect(page.locator(".field.invalid .field-error")).to_have_text(
        "Expected a whole number, such as 10.")
    assert "/flows/" in page.url
    runs = ui["api"].get("/api/flow-runs").json()["items"]
    assert [r for r in runs if not r["auto_scheduled"]] == []
    no_errors(page)


def test_cancel_a_running_run(ui: dict[str, Any], page: Page) -> None:
    run_id = run_of(ui, "report", wait=60.0)
    wait_until(lambda: state_of(ui, run_id) == "Running", timeout=60, what="the run to run")
    page.goto(ui["url"] + f"flow-runs/{run_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Cancel')")
    expect(page.locator("[data-part=summary] .state")).to_have_text("Cancelled",
                                                                    timeout=60_000)
    assert state_of(ui, run_id) == "Cancelled"
    no_errors(page)


def test_restart_a_failed_run_from_where_it_failed(ui: dict[str, Any], page: Page) -> None:
    marker = ui["tmp"] / "locked"
    marker.write_text("")
    run_id = run_of(ui, "report", marker=str(marker))
    wait_until(lambda: state_of(ui, run_id) == "Failed", timeout=60, what="the run to fail")
    page.goto(ui["url"] + f"flow-runs/{run_id}")
    expect(page.locator("[data-log-lines]")).to_contain_text("the warehouse is locked")
    marker.unlink()
    page.click("button:has-text('Restart from failed')")
    expect(page.locator("[data-part=summary] .state")).to_have_text("Success", timeout=60_000)
    history = [s["state"] for s in ui["api"].get(f"/api/flow-runs/{run_id}/states").json()]
    assert history.count("Failed") == 1 and history[-1] == "Success", history
    no_errors(page)


def test_switch_a_schedule_off_and_on(ui: dict[str, Any], page: Page) -> None:
    flow_id = ui["flows"]["report"]["id"]
    scheduled = {"state": "Scheduled", "flow_id": flow_id}
    assert ui["api"].get("/api/flow-runs", params=scheduled).json()["items"]
    page.goto(ui["url"] + "flows")
    toggle = page.locator("form.switch button.toggle")
    expect(toggle).to_have_text("On")
    toggle.click()
    expect(page.locator("form.switch button.toggle")).to_have_text("Off")
    assert ui["api"].get(f"/api/flows/{flow_id}").json()["schedule_active"] is False
    assert ui["api"].get("/api/flow-runs", params=scheduled).json()["items"] == []
    page.locator("form.switch button.toggle").click()
    expect(page.locator("form.switch button.toggle")).to_have_text("On")
    assert ui["api"].get("/api/flow-runs", params=scheduled).json()["items"]
    no_errors(page)


def test_hostile_names_and_log_lines_show_as_text(ui: dict[str, Any], page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    flow = ui["flows"]['"><img src=x onerror=alert(1)>']
    run_id = run_of(ui, '"><img src=x onerror=alert(1)>',
                    text='<script>alert("param")</script><img src=x onerror=alert(3)>')
    wait_until(lambda: state_of(ui, run_id) in FINISHED, timeout=60, what="the run")
    for path in ("", "flows", f"flows/{flow['id']}", f"flow-runs/{run_id}", "flow-runs"):
        page.goto(ui["url"] + path)
        page.wait_for_timeout(300)
        assert page.locator("img").count() == 0, path
    page.goto(ui["url"] + f"flow-runs/{run_id}")
    expect(page.locator("[data-log-lines]")).to_contain_text(
        'log <script>alert("log")</script> "><img src=x onerror=alert(2)>')
    expect(page.locator("h1")).to_contain_text('"><img src=x onerror=alert(1)>')
    expect(page.locator("section[aria-label=Details]")).to_contain_text(json.dumps(
        '<script>alert("param")</script><img src=x onerror=alert(3)>'))
    assert dialogs == []
    no_errors(page)


def create_key(database: str, role: str) -> str:
    made = subprocess.run([sys.executable, "-m", "caudal", "auth", "create-key", "--role",
                           role, "--name", f"{role} key", "--database-url", database],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def test_log_in_with_a_key_and_be_refused_without(tmp_path: Path, page: Page,
                                                   screenshot) -> None:
    database = f"sqlite:///{tmp_path / 'auth.db'}"
    viewer, admin = create_key(database, "viewer"), create_key(database, "admin")
    with ServerProcess(database, "--auth") as server:
        os.environ["CAUDAL_API_KEY"] = admin
        register_flow_file(server.url, tmp_path, FLOWS, project="ui")
        url = server.url + "/"
        page.goto(url + "flows")
        assert "/login" in page.url
        screenshot(page, "login")
        page.fill("input[name=key]", "cdl_not-a-key")
        page.click("button:has-text('Log in')")
        expect(page.locator(".error")).to_contain_text("not valid")
        # That page was answered 401, which the browser reports; nothing else may fail.
        assert all("401" in e for e in page.caudal_errors)  # type: ignore[attr-defined]
        page.caudal_errors.clear()  # type: ignore[attr-defined]

        page.fill("input[name=key]", viewer)
        page.click("button:has-text('Log in')")
        page.wait_for_url(re.compile(r".*/flows$"))
        expect(page.locator("h1")).to_have_text("Flows")
        expect(page.locator("header .who")).to_have_text("viewer key (viewer)")
        cookie = next(c for c in page.context.cookies() if c["name"] == "caudal_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert viewer not in json.dumps(page.context.cookies())
        # A viewer sees no Run form and no schedule switch.
        page.click("text=report")
        expect(page.locator("section.run-form")).to_contain_text("may not start runs")
        assert page.locator("form.switch").count() == 0

        page.click("button:has-text('Log out')")
        assert "/login" in page.url
        page.goto(url)
        assert "/login" in page.url
        no_errors(page)


def test_mapped_children_expand_and_the_log_filters(ui: dict[str, Any], page: Page,
                                                     screenshot) -> None:
    run_id = run_of(ui, "report", n=12)
    wait_until(lambda: state_of(ui, run_id) in FINISHED, timeout=60, what="the run")
    page.goto(ui["url"] + f"flow-runs/{run_id}")
    gantt = page.locator("[data-part=timeline]")
    expect(gantt).to_contain_text("transform (12)")
    page.locator("[data-part=timeline] a.expand").first.click()
    expanded = page.locator("[data-expanded]")
    expect(expanded).to_contain_text("transform[0]")
    expect(expanded).to_contain_text("transform[11]")
    screenshot(page, "expanded")
    page.select_option("select[name=level]", "INFO")
    page.fill("input[name=q]", "extracting")
    page.click("form[data-log-filters] button:has-text('Filter')")
    lines = page.locator("[data-log-lines] tr")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("extracting 12 rows")
    download = page.request.get(ui["url"] + f"flow-runs/{run_id}/logs.txt")
    assert download.ok and "INFO extract-1" in download.text()
    assert "attachment" in download.headers["content-disposition"]
    no_errors(page)


def test_the_time_zone_is_chosen_once_and_kept(ui: dict[str, Any], page: Page) -> None:
    run_id = run_of(ui, "report")
    wait_until(lambda: state_of(ui, run_id) in FINISHED, timeout=60, what="the run")
    page.goto(ui["url"] + f"flow-runs/{run_id}")
    expect(page.locator("footer")).to_contain_text("times in UTC")
    page.click("header a.tz")
    page.select_option("select[name=tz]", "America/Sao_Paulo")
    page.click("button:has-text('Use this zone')")
    expect(page.locator("footer")).to_contain_text("times in America/Sao_Paulo")
    expect(page.locator("header a.tz")).to_have_text("Times in America/Sao_Paulo")
    assert page.url.endswith(f"/flow-runs/{run_id}")
    expect(page.locator("[data-part=summary] dl.facts")).to_contain_text("-03")
    page.goto(ui["url"] + "flows")
    expect(page.locator("footer")).to_contain_text("times in America/Sao_Paulo")
    no_errors(page)


def test_cancel_several_runs_at_once(ui: dict[str, Any], page: Page) -> None:
    first, second = run_of(ui, "report", wait=60.0), run_of(ui, "report", wait=60.0)
    page.goto(ui["url"] + "flow-runs")
    for run_id in (first, second):
        page.check(f"input[name=run][value='{run_id}']")
    page.click("div.bulk button:has-text('Cancel')")
    wait_until(lambda: {state_of(ui, first), state_of(ui, second)} == {"Cancelled"},
               timeout=60, what="both runs to be cancelled")
    no_errors(page)


def test_make_up_serves_the_tutorial_in_the_web_ui(tmp_path: Path, page: Page) -> None:
    """`make up` (examples/users_report/up.py, serving until stopped): its UI shows the
    tutorial's flow and the run it made."""
    import contextlib
    import shutil
    import signal
    import socket
    import threading

    from fixtures_storage import free_port

    example = tmp_path / "examples" / "users_report"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "users_report",
                    example, ignore=shutil.ignore_patterns("__pycache__", "report.csv"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "CAUDAL_HOME")}
    # Its own process group, killed at the end should anything of it be left.
    process = subprocess.Popen([sys.executable, "up.py", "--port", str(port)], cwd=example,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(iter(process.stdout.readline, "")),
                              daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("caudal is up at" in line for line in printed)
                   or process.poll() is not None, timeout=240, interval=0.5,
                   what="make up to serve")
        assert process.poll() is None, "".join(printed)
        assert f"Web UI:   http://127.0.0.1:{port}/" in "".join(printed)
        page.goto(f"http://127.0.0.1:{port}/flows")
        expect(page.locator("table.flows")).to_contain_text("Users report")
        page.click("table.flows >> text=Users report")
        expect(page.locator("section[aria-label='Run history']")).to_contain_text("Success")
        page.locator("section[aria-label='Run history'] table.runs a").first.click()
        expect(page.locator("[data-log-lines]")).to_contain_text(
            "Dados salvos em report.csv com sucesso!")
        no_errors(page)
    finally:
        # To this script alone, as a supervisor stops it: it passes the signal on.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
        stopped = process.poll() is not None
        with contextlib.suppress(ProcessLookupError):  # nothing of it may outlive the test
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        reader.join(timeout=10)
    assert stopped, "up.py did not stop on SIGTERM"
    # caudal up was told too, and stopped its agent and server in order.
    assert "Stopping the agent, then the server..." in "".join(printed), "".join(printed)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
