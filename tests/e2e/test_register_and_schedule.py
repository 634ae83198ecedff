"""Registration end to end: a real ``caudal server start`` process, the real CLI, the tutorial.

The tutorial's flow (examples/users_report) gets a schedule of three clocks, each with its own
parameter defaults and labels; registering it must create scheduled runs carrying each
clock's values, registering it unchanged must skip, and a changed task must make version 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).parents[2] / "examples" / "users_report"

SCHEDULE = '''
from datetime import datetime, timedelta, timezone

from caudal.schedules import Schedule
from caudal.schedules.clocks import CronClock, IntervalClock

flow.schedule = Schedule(clocks=[
    IntervalClock(timedelta(hours=1), start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
                  parameter_defaults={"n_users": 5}, labels=["hourly"]),
    IntervalClock(timedelta(hours=2), start_date=datetime(2024, 1, 1, 0, 15,
                                                          tzinfo=timezone.utc),
                  parameter_defaults={"n_users": 50}, labels=["big", "every-two-hours"]),
    CronClock("30 * * * *", parameter_defaults={"n_users": 7}, labels=["cron"]),
])
'''


def _tutorial_with_schedule(folder: Path) -> Path:
    for name in ("flows.py", "tasks.py", "utils.py"):
        shutil.copy(EXAMPLE / name, folder / name)
    flows = folder / "flows.py"
    flows.write_text(flows.read_text() + SCHEDULE)
    return flows


def _caudal(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caudal", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "CAUDAL_API": url})


def _scheduled(api: httpx.Client) -> list[dict]:
    page = api.get("/api/flow-runs", params={"state": "Scheduled", "limit": 100}).json()
    return [r for r in page["items"] if r["auto_scheduled"]]


def test_register_schedule_skip_version_and_run(server_process, tmp_path: Path) -> None:
    url = server_process.url
    flows_file = _tutorial_with_schedule(tmp_path)
    api = httpx.Client(base_url=url, timeout=30)

    created = _caudal(url, "create", "project", "tutorial")
    assert created.returncode == 0, created.stdout + created.stderr

    first = _caudal(url, "register", "--project", "tutorial", "--path", str(flows_file))
    assert first.returncode == 0, first.stdout + first.stderr
    (flow,) = api.get("/api/flows", params={"project": "tutorial"}).json()
    assert (flow["name"], flow["version"], flow["schedule_active"]) == ("Users report", 1, True)

    runs = _scheduled(api)
    assert len(runs) == 10
    assert {r["flow_id"] for r in runs} == {flow["id"]}
    by_clock = {tuple(r["labels"]): r["parameters"] for r in runs}
    assert by_clock == {("hourly",): {"n_users": 5},
                        ("big", "every-two-hours"): {"n_users": 50},
                        ("cron",): {"n_users": 7}}

    again = _caudal(url, "register", "--project", "tutorial", "--path", str(flows_file))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "skipped" in again.stdout.lower()
    versions = api.get(f"/api/flows/{flow['id']}/versions").json()
    assert [v["version"] for v in versions] == [1]
    assert sorted(r["id"] for r in _scheduled(api)) == sorted(r["id"] for r in runs)

    tasks = tmp_path / "tasks.py"
    source = tasks.read_text()
    assert "def parse_data" in source
    tasks.write_text(source.replace('log("Dados convertidos em DataFrame com sucesso!")',
                                    'log("Dados convertidos em DataFrame!")', 1))
    assert tasks.read_text() != source, "the test must really change a task"
    changed = _caudal(url, "register", "--project", "tutorial", "--path", str(flows_file))
    assert changed.returncode == 0, changed.stdout + changed.stderr
    versions = api.get(f"/api/flows/{flow['id']}/versions").json()
    assert [(v["version"], v["archived"]) for v in versions] == [(2, False), (1, True)]
    new_runs = _scheduled(api)
    assert len(new_runs) == 10
    assert {r["flow_id"] for r in new_runs} == {versions[0]["id"]}

    manual = _caudal(url, "run", "--name", "Users report", "--project", "tutorial",
                     "--param", "n_users=3", "--label", "laptop")
    assert manual.returncode == 0, manual.stdout + manual.stderr
    page = api.get("/api/flow-runs", params={"flow_name": "Users report", "limit": 100}).json()
    (run,) = [r for r in page["items"] if not r["auto_scheduled"]]
    assert run["parameters"] == {"n_users": 3}
    assert run["labels"] == ["laptop"]
    assert run["flow_version"] == 2
    assert run["id"] in manual.stdout
