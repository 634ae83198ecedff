"""Agents end to end: a real server process, real agents, real run processes, on both databases.

A registered flow with a schedule runs by itself; labels decide which agent takes a run;
``--limit`` caps how many run at once; a cancelled run's process tree is gone before the run
ends Cancelled; a run whose flow does not load, or that never reaches Running, is failed at
once with the reason; SIGTERM hands runs back.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import httpx

from fixtures_agent import AgentProcess, caudal, register_flow_file, wait_until

SCHEDULED_FLOW = '''
import datetime as dt

import caudal
from caudal import Flow, task
from caudal.schedules import Schedule
from caudal.schedules.clocks import IntervalClock


@task(log_stdout=True)
def extract(n):
    print(f"extracting {n} rows")
    return list(range(n))


@task
def load(rows):
    caudal.context.logger.info("loaded %d rows in run %s", len(rows),
                               caudal.context.flow_run_id)
    return len(rows)


start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
with Flow("nightly", schedule=Schedule(clocks=[IntervalClock(dt.timedelta(hours=1),
                                                             start_date=start)])) as flow:
    n = caudal.Parameter("n", default=3)
    load(extract(n))
'''


def _runs(api: httpx.Client, **params: object) -> list[dict]:
    return api.get("/api/flow-runs", params={"limit": 200, **params}).json()["items"]


def _run(api: httpx.Client, run_id: str) -> dict:
    return api.get(f"/api/flow-runs/{run_id}").json()


def _finished(api: httpx.Client, run_id: str) -> dict | None:
    run = _run(api, run_id)
    return run if run["state"] in ("Success", "Failed", "Cancelled") else None


def _register_hello(url: str, folder: Path, name: str, pythonpath: Path) -> None:
    """A one-task flow whose runs start with PYTHONPATH set (LocalRun env)."""
    register_flow_file(url, folder, f'''
        from caudal import Flow, task
        from caudal.run_configs import LocalRun

        @task
        def hello():
            return 1

        with Flow({name!r}, run_config=LocalRun(env={{"PYTHONPATH": {str(pythonpath)!r}}})) as flow:
            hello()
    ''')


def _start_run(url: str, flow_name: str) -> str:
    """Create a run of ``flow_name`` with 'caudal run'; its id."""
    created = caudal(url, "run", "--name", flow_name)
    assert created.returncode == 0, created.stderr
    return created.stdout.split("ID: ")[1].split()[0]


def test_a_scheduled_flow_runs_by_itself(server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, SCHEDULED_FLOW)
    scheduled = min(_runs(api, state="Scheduled"), key=lambda r: r["scheduled_start_time"])

    with AgentProcess(url):
        run = wait_until(lambda: _finished(api, scheduled["id"]), timeout=90,
                         what="the scheduled run to finish")

    assert run["state"] == "Success", run["state_message"]
    history = [s["state"] for s in api.get(f"/api/flow-runs/{run['id']}/states").json()]
    assert history == ["Scheduled", "Submitted", "Running", "Success"]
    task_runs = api.get(f"/api/flow-runs/{run['id']}/task-runs").json()
    assert {(t["task_name"], t["state"]) for t in task_runs} == {("extract", "Success"),
                                                               ("load", "Success"),
                                                               ("n", "Success")}
    # Backend runs checkpoint: each task's result has a location it can be read back from
    # (tasks' values in one pack file for the run's process; a parameter's in its location).
    from caudal.engine.results import LocalPackResult

    location = {t["task_name"]: t["result_location"] for t in task_runs}
    assert location["n"] == "3"
    assert LocalPackResult().read(location["extract"]).value == [0, 1, 2]
    assert LocalPackResult().read(location["load"]).value == 3
    assert location["extract"].split("@")[0] == location["load"].split("@")[0]
    messages = [line["message"] for line in
                api.get(f"/api/flow-runs/{run['id']}/logs", params={"limit": 500})
                .json()["items"]]
    assert "extracting 3 rows" in messages
    assert f"loaded 3 rows in run {run['id']}" in messages

    logs = caudal(url, "logs", run["id"])
    assert logs.returncode == 0, logs.stderr
    assert f"loaded 3 rows in run {run['id']}" in logs.stdout

    from caudal.backend import FlowRunView

    os.environ["CAUDAL_API"] = url
    view = FlowRunView.from_flow_run_id(run["id"])
    assert view.state.is_successful()
    assert any("extracting 3 rows" in line.message for line in view.get_logs())


QUICK_FLOW = '''
import os
from caudal import Flow, task
from caudal.run_configs import UniversalRun


@task
def where():
    print("ran by", os.environ.get("AGENT_MARK"))
    with open(os.environ["MARK_FILE"], "a") as handle:
        handle.write(os.environ["AGENT_MARK"] + "\\n")


with Flow("{name}", run_config=UniversalRun(labels={labels!r})) as flow:
    where()
'''


def test_labels_decide_which_agent_takes_a_run(server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    marks = tmp_path / "marks.txt"
    register_flow_file(url, tmp_path, QUICK_FLOW.format(name="for-gpu", labels=["gpu"]),
                       filename="gpu.py")
    register_flow_file(url, tmp_path, QUICK_FLOW.format(name="for-etl", labels=["etl"]),
                       filename="etl.py")
    env = {"MARK_FILE": str(marks)}
    # Both agents also carry this host's name, as the flows' Local storage does.
    with AgentProcess(url, "--label", "gpu", name="gpu-agent",
                      env={**env, "AGENT_MARK": "gpu-agent"}), \
            AgentProcess(url, "--label", "etl", name="etl-agent",
                         env={**env, "AGENT_MARK": "etl-agent"}):
        ids = {name: _start_run(url, name) for name in ("for-gpu", "for-etl")}
        for run_id in ids.values():
            wait_until(lambda r=run_id: _finished(api, r), timeout=60, what="the runs")

    for run_id in ids.values():
        run = _run(api, run_id)
        assert run["state"] == "Success", run["state_message"]
    assert sorted(marks.read_text().split()) == ["etl-agent", "gpu-agent"]
    agents = {a["id"]: a["name"] for a in api.get("/api/agents").json()}
    for flow_name, agent_name in (("for-gpu", "gpu-agent"), ("for-etl", "etl-agent")):
        run = _run(api, ids[flow_name])
        assert run["state"] == "Success"
        assert agents[run["agent_id"]] == agent_name


SLOW_FLOW = '''
import os
import time
from caudal import Flow, task


@task
def slow(i):
    with open(os.path.join(os.environ["MARK_DIR"], f"{{os.getpid()}}-{{i}}"), "w"):
        pass
    time.sleep({seconds})
    return i


with Flow("slow") as flow:
    slow.map(list(range(1)))
'''


def test_limit_caps_runs_at_once(server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, SLOW_FLOW.format(seconds=2))
    mark_dir = tmp_path / "marks"
    mark_dir.mkdir()
    run_ids = [_start_run(url, "slow")
               for _ in range(5)]

    with AgentProcess(url, "--limit", "2", env={"MARK_DIR": str(mark_dir)}) as agent:
        most = 0
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            states = [_run(api, r)["state"] for r in run_ids]
            most = max(most, sum(s in ("Submitted", "Running") for s in states))
            if all(s == "Success" for s in states):
                break
            time.sleep(0.1)
        reported = agent.health()

    assert all(_run(api, r)["state"] == "Success" for r in run_ids)
    assert most == 2
    assert reported["limit"] == 2


CANCEL_FLOW = '''
import os
import subprocess
import sys
import time
from caudal import Flow, task


@task
def spawn_and_wait():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    with open(os.environ["PID_FILE"], "w") as handle:
        handle.write(f"{os.getpid()} {child.pid}")
    time.sleep(300)


with Flow("cancel-me") as flow:
    spawn_and_wait()
'''


def test_cancelling_a_run_stops_its_process_tree_before_it_ends_cancelled(
        server_process, tmp_path: Path) -> None:
    from caudal.utilities.processes import alive

    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, CANCEL_FLOW)
    pid_file = tmp_path / "pids"
    with AgentProcess(url, env={"PID_FILE": str(pid_file)}):
        run_id = _start_run(url, "cancel-me")
        wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), timeout=60,
                   what="the run's task to start its child process")
        pids = [int(p) for p in pid_file.read_text().split()]
        assert all(alive(p) for p in pids)

        cancelled = caudal(url, "runs", "cancel", run_id)
        assert cancelled.returncode == 0, cancelled.stderr
        # At the moment the run reads Cancelled, nothing it started may be alive.
        run = wait_until(lambda: _run(api, run_id)["state"] == "Cancelled" and _run(api, run_id),
                         timeout=30, interval=0.02, what="the run to end Cancelled")
        still_alive = [p for p in pids if alive(p)]

    assert still_alive == []
    assert "stopped the run's processes" in run["state_message"]


def test_a_flow_that_does_not_load_fails_at_once_with_the_reason(
        server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, '''
        from caudal import Flow, task
        from caudal.storage import Local

        @task
        def hello():
            return 1

        with Flow("fragile", storage=Local(stored_as_script=True, path=__file__)) as flow:
            hello()
    ''')
    (tmp_path / "flows.py").write_text("import a_module_that_is_not_installed\n")
    run_id = _start_run(url, "fragile")

    started = time.monotonic()
    with AgentProcess(url, "--start-timeout", "120"):
        run = wait_until(lambda: _finished(api, run_id), timeout=60, what="the run to fail")
    waited = time.monotonic() - started

    assert run["state"] == "Failed"
    assert "a_module_that_is_not_installed" in run["state_message"]
    assert waited < 60  # failed by what happened, not by a timeout
    messages = "\n".join(line["message"] for line in
                         api.get(f"/api/flow-runs/{run_id}/logs").json()["items"])
    assert "ModuleNotFoundError" in messages


def test_a_run_process_that_dies_before_running_fails_at_once_with_its_output(
        server_process, tmp_path: Path) -> None:
    # A working directory the agent can use but where the interpreter cannot start caudal:
    # PYTHONPATH points at a package that breaks every import of caudal.
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    broken = tmp_path / "broken"
    (broken / "click").mkdir(parents=True)
    (broken / "click" / "__init__.py").write_text("raise ImportError('click is broken here')\n")
    _register_hello(url, tmp_path, "no-start", broken)
    run_id = _start_run(url, "no-start")

    with AgentProcess(url):
        run = wait_until(lambda: _finished(api, run_id), timeout=60, what="the run to fail")

    assert run["state"] == "Failed"
    assert "exited with code 1 before it started" in run["state_message"]
    assert "click is broken here" in run["state_message"]  # the process's last output


def test_a_run_that_never_reaches_running_is_failed_after_the_start_timeout(
        server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    hang = tmp_path / "hang"
    hang.mkdir()
    # sitecustomize runs at interpreter start: this one never lets the process get further.
    (hang / "sitecustomize.py").write_text("import time\nprint('stuck at start', flush=True)\n"
                                           "time.sleep(600)\n")
    _register_hello(url, tmp_path, "hangs", hang)
    run_id = _start_run(url, "hangs")

    with AgentProcess(url, "--start-timeout", "3"):
        run = wait_until(lambda: _finished(api, run_id), timeout=60, what="the run to fail")

    assert run["state"] == "Failed"
    assert "did not reach Running within 3 s" in run["state_message"]
    assert "stuck at start" in run["state_message"]


def test_sigterm_hands_running_runs_back_after_the_grace_period(
        server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, SLOW_FLOW.format(seconds=300))
    mark_dir = tmp_path / "marks"
    mark_dir.mkdir()
    run_id = _start_run(url, "slow")

    agent = AgentProcess(url, "--grace", "1", env={"MARK_DIR": str(mark_dir)}).start()
    try:
        wait_until(lambda: any(mark_dir.iterdir()), timeout=60, what="the task to start")
        code = agent.terminate(timeout=60)
    finally:
        agent.__exit__()

    assert code == 0
    run = _run(api, run_id)
    assert run["state"] == "Scheduled", run
    assert "Handed back by agent 'test-agent'" in run["state_message"]
    # Due again at once: another agent takes it.
    assert dt.datetime.fromisoformat(run["scheduled_start_time"]) <= dt.datetime.now(dt.UTC)


def test_why_says_an_agent_is_at_its_limit(server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, SLOW_FLOW.format(seconds=300))
    mark_dir = tmp_path / "marks"
    mark_dir.mkdir()
    run_ids = [_start_run(url, "slow")
               for _ in range(2)]
    with AgentProcess(url, "--limit", "1", "--grace", "0", name="busy",
                      env={"MARK_DIR": str(mark_dir)}):
        wait_until(lambda: any(mark_dir.iterdir()), timeout=60, what="the first run")
        (waiting,) = [r for r in run_ids if _run(api, r)["state"] == "Scheduled"]
        why = wait_until(lambda: "at its limit" in (out := caudal(url, "runs", "why",
                                                                  waiting).stdout) and out,
                         timeout=30, interval=0.5, what="the agent to report its runs")

    assert "Agent 'busy' is at its limit of 1 run;" in why


def test_with_api_keys_required_an_agent_runs_flows_with_its_runner_key(
        database_url: str, tmp_path: Path) -> None:
    from fixtures_server import ServerProcess

    def create_key(role: str) -> str:
        made = caudal("http://unused", "auth", "create-key", "--role", role,
                      "--database-url", database_url)
        assert made.returncode == 0, made.stderr
        return made.stdout.strip()

    admin, runner = create_key("admin"), create_key("runner")
    with ServerProcess(database_url, "--auth") as server:
        url = server.url
        api = httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {admin}"})
        os.environ["CAUDAL_API_KEY"] = admin  # registering and creating runs: the admin
        register_flow_file(url, tmp_path, '''
            import caudal
            from caudal import Flow, task

            @task
            def greet():
                caudal.context.logger.info("hello with a key")

            with Flow("keyed") as flow:
                greet()
        ''')
        run_id = _start_run(url, "keyed")

        # Without a key the agent is refused at once, and says so.
        refused = caudal(url, "agent", "start", "--api", url, "--max-runs", "1",
                         env={"CAUDAL_API_KEY": ""}, timeout=60)
        assert refused.returncode == 1
        assert "API key" in refused.stderr
        assert "Traceback" not in refused.stderr, refused.stderr

        with AgentProcess(url, "--key", runner, env={"CAUDAL_API_KEY": ""}):
            run = wait_until(lambda: _finished(api, run_id), timeout=60, what="the run")

        assert run["state"] == "Success", run["state_message"]
        messages = [line["message"] for line in
                    api.get(f"/api/flow-runs/{run_id}/logs").json()["items"]]
        assert "hello with a key" in messages
