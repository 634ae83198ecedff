"""The client-side commands against the real server: create, register, ls, run, logs, watch."""

from __future__ import annotations

import datetime
import threading
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from caudal.cli import main
from caudal.engine.state import Failed, Running, Success
from fixtures_client import write_flow_file


@pytest.fixture
def cli(server_url: str):
    """Runs ``caudal ARGS --api <test server>`` in this process."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, [*args, "--api", server_url])

    return run


def test_create_project_then_again_says_it_exists(cli, client):
    first = cli("create", "project", "tributos", "--description", "taxes")
    again = cli("create", "project", "tributos")

    [project] = client.list_projects()
    assert first.exit_code == 0
    assert first.output == f"Created project 'tributos' (ID: {project.id}).\n"
    assert (again.exit_code, again.output) == (0, "Project 'tributos' already exists.\n")
    assert project.description == "taxes"


def test_register_a_file_twice_then_an_edit_makes_version_two(cli, client, project,
                                                              caudal_home, tmp_path):
    path = write_flow_file(tmp_path / "repo")

    first = cli("register", "--project", project, "--path", str(path))
    again = cli("register", "--project", project, "--path", str(path))
    write_flow_file(tmp_path / "repo", factor=5)
    edited = cli("register", "--project", project, "-p", str(path), "--label", "prod")

    [v1, v2] = sorted(client.list_flows(include_archived=True), key=lambda v: v.version)
    assert first.exit_code == again.exit_code == edited.exit_code == 0
    assert first.output.splitlines() == [
        "Collecting flows...", f"Processing '{path}':", "  Registering 'scaler'... Done",
        f"  └── ID: {v1.id}", "  └── Version: 1",
        "==================== 1 registered, 0 skipped ===================="]
    assert "  Registering 'scaler'... Skipped (metadata unchanged)" in again.output
    assert f"  └── ID: {v1.id}" in again.output
    assert "0 registered, 1 skipped" in again.output
    assert f"  └── ID: {v2.id}" in edited.output and "  └── Version: 2" in edited.output
    assert v1.archived and not v2.archived and "prod" in v2.labels


def test_register_reports_a_broken_file_registers_the_rest_and_exits_1(cli, client, project,
                                                                      caudal_home, tmp_path):
    repo = tmp_path / "repo"
    write_flow_file(repo, "alpha")
    (repo / "broken.py").write_text("raise ImportError('no module named pandas_gbq')\n")
    (repo / "helpers.py").write_text("def helper():\n    return 1\n")

    result = cli("register", "--project", project, "--path", str(repo))

    assert result.exit_code == 1
    assert "  Registering 'alpha'... Done" in result.output
    assert f"Processing '{repo / 'broken.py'}':\n  Error: Could not load flows" in result.output
    assert "helpers.py" not in result.output
    assert "1 registered, 0 skipped, 1 errored" in result.output
    assert [v.name for v in client.list_flows()] == ["alpha"]


def test_register_a_module_and_pick_flows_by_name(cli, client, project, caudal_home, tmp_path,
                                                  monkeypatch):
    name = f"pipelines_{uuid.uuid4().hex[:8]}"  # modules stay imported: one name per test
    package = tmp_path / name
    write_flow_file(package, "first", filename="first.py")
    write_flow_file(package, "second", filename="second.py")
    (package / "__init__.py").write_text("from .first import flow as first\n"
                                         "from .second import flow as second\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    result = cli("register", "--project", project, "-m", name, "-n", "second")

    assert result.exit_code == 0, result.output
    assert [v.name for v in client.list_flows()] == ["second"]


def test_register_a_package_folder_registers_each_flow_once(cli, client, project, caudal_home,
                                                           tmp_path):
    package = tmp_path / "repo" / f"pipelines_{uuid.uuid4().hex[:8]}"
    write_flow_file(package, "first", filename="first.py")
    write_flow_file(package, "second", filename="second.py")
    (package / "__init__.py").write_text("from .first import flow as first\n"
                                         "from .second import flow as second\n")

    result = cli("register", "--project", project, "--path", str(package), "--path",
                 str(package / "first.py"))

    assert result.exit_code == 0, result.output
    assert result.output.count("Registering 'first'") == 1
    assert result.output.count("Registering 'second'") == 1
    assert sorted(v.name for v in client.list_flows()) == ["first", "second"]


def test_register_into_a_missing_project_says_how_to_create_it(cli, caudal_home, tmp_path):
    result = cli("register", "--project", "nowhere", "--path",
                 str(write_flow_file(tmp_path / "repo")))

    assert result.exit_code == 1
    assert result.output == ("Error: Project 'nowhere' does not exist; create it with "
                             "'caudal create project \"nowhere\"' and register again.\n")


def test_register_with_schedule_flag_switches_it_explicitly(cli, client, project, caudal_home,
                                                            tmp_path):
    path = write_flow_file(tmp_path / "repo")
    cli("register", "--project", project, "--path", str(path))

    result = cli("register", "--project", project, "--path", str(path), "--no-schedule")

    assert result.exit_code == 0
    assert "Skipped (metadata unchanged)" in result.output
    assert client.list_flows()[0].schedule_active is False


def test_flows_ls_shows_a_table_of_latest_versions(cli, flow_id):
    result = cli("flows", "ls")

    assert result.exit_code == 0
    header, row = result.output.splitlines()
    assert header.split() == ["NAME", "PROJECT", "VERSION", "LABELS", "SCHEDULE", "REGISTERED",
                              "ID"]
    assert row.split()[:5] == ["adder", "etl", "1", "etl", "-"] and row.endswith(flow_id)


def test_flows_ls_all_versions_shows_archived_ones(cli, client, flow_id):
    client.archive_flow(flow_id)

    assert cli("flows", "ls").output == "No flows found.\n"
    assert cli("flows", "ls", "--project", "etl").output == "No flows found in project 'etl'.\n"
    rows = cli("flows", "ls", "--all-versions").output.splitlines()
    assert rows[0].split()[3] == "ARCHIVED" and rows[1].split()[3] == "yes"


def test_run_creates_a_run_with_params_labels_and_a_name(cli, client, flow_id):
    result = cli("run", "--name", "adder", "--project", "etl", "--param", "x=3",
                 "--params-json", '{"y": 10}', "--label", "gpu", "--run-name", "by-cli")

    assert result.exit_code == 0, result.output
    run_id = result.output.splitlines()[-1].removeprefix("└── ID: ")
    run = client.get_flow_run(run_id)
    assert (run.name, run.parameters, run.labels) == ("by-cli", {"x": 3, "y": 10}, ["gpu"])
    assert result.output.startswith("Flow run 'by-cli' of flow 'adder' (version 1, project "
                                    "'etl') is Scheduled, due ")


def test_run_by_id_with_an_idempotency_key_returns_the_same_run(cli, flow_id):
    args = ("run", "--id", flow_id, "--param", "x=1", "--idempotency-key", "once")

    first, again = cli(*args), cli(*args)

    assert first.output.splitlines()[-1] == again.output.splitlines()[-1]


def test_run_with_a_wrong_parameter_shows_the_servers_sentence(cli, flow_id):
    result = cli("run", "--name", "adder", "--param", "z=1")

    assert result.exit_code == 1
    assert result.output.startswith("Error: Parameter 'z' is not a parameter of flow 'adder'")


def test_runs_ls_shows_newest_first_and_filters_by_state(cli, client, flow_id):
    base = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    ids = [client.create_flow_run(flow_id=flow_id, parameters={"x": i}, run_name=f"r{i}",
                                  scheduled_start_time=base + datetime.timedelta(hours=i))
           for i in range(3)]
    client.set_flow_run_state(ids[0], Running())

    listed = cli("runs", "ls", "--flow", "adder")
    running = cli("runs", "ls", "--state", "running", "--project", "etl")
    limited = cli("runs", "ls", "--limit", "2")

    assert [line.split()[0] for line in listed.output.splitlines()[1:]] == ["r2", "r1", "r0"]
    assert [line.split()[0] for line in running.output.splitlines()[1:]] == ["r0"]
    assert limited.output.splitlines()[-1] == ("Showing the newest 2; pass a larger --limit to "
                                               "see more.")
    assert cli("runs", "ls", "--state", "Failed").output == "No flow runs found.\n"


def _log(run_id: str, i: int, level: int = 20) -> dict:
    return {"flow_run_id": run_id, "level": level, "name": "caudal.TaskRunner",
            "message": f"line {i}",
            "timestamp": datetime.datetime.now(datetime.UTC)}


def test_logs_prints_lines_like_prefect_at_the_level_asked(cli, client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    client.write_run_logs([_log(run_id, 0, 10), _log(run_id, 1, 20), _log(run_id, 2, 40)])

    info = cli("logs", run_id)
    debug = cli("logs", run_id, "--level", "debug")

    assert [line.split("] ", 1)[1] for line in info.output.splitlines()] == [
        "INFO - caudal.TaskRunner | line 1", "ERROR - caudal.TaskRunner | line 2"]
    assert len(debug.output.splitlines()) == 3


def test_logs_of_an_unknown_run_says_so(cli, client):
    result = cli("logs", "no-such-run")

    assert (result.exit_code, result.output) == (
        1, "Error: Flow run 'no-such-run' does not exist.\n")


def _play_first_run(client, flow_id: str, final, pause: float = 0.2) -> threading.Thread:
    """In a thread: wait for the CLI's run, then move it to Running, log, and ``final``."""

    def play() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            items = client.list_flow_runs(flow_id=flow_id).items
            if items:
                break
            time.sleep(0.02)
        run_id = items[0].id
        time.sleep(pause)
        client.set_flow_run_state(run_id, Running("started"))
        client.write_run_logs([_log(run_id, 0), _log(run_id, 1)])
        time.sleep(pause)
        client.write_run_logs([_log(run_id, 2)])
        client.set_flow_run_state(run_id, final)

    thread = threading.Thread(target=play)
    thread.start()
    return thread


def test_run_watch_follows_states_and_logs_and_exits_0_on_success(cli, client, flow_id):
    thread = _play_first_run(client, flow_id, Success("All reference tasks succeeded."))

    result = cli("run", "--name", "adder", "--param", "x=1", "--watch", "--poll-interval", "0.05")
    thread.join()

    assert result.exit_code == 0, result.output
    lines = [line.split(" | ", 1)[-1] for line in result.output.splitlines()]
    assert lines[2:-1] == [
        "Entered state <Scheduled>", "Entered state <Running>: started", "line 0", "line 1",
        "line 2", "Entered state <Success>: All reference tasks succeeded."]
    assert lines[-1].startswith("Flow run '") and lines[-1].endswith(
        "finished in state Success: All reference tasks succeeded.")


def test_run_watch_exits_1_when_the_run_fails(cli, client, flow_id):
    thread = _play_first_run(client, flow_id, Failed("Some reference tasks failed."))

    result = cli("run", "--name", "adder", "--param", "x=1", "--watch", "--poll-interval", "0.05")
    thread.join()

    assert result.exit_code == 1
    assert result.output.rstrip().endswith("finished in state Failed: Some reference tasks "
                                           "failed.")


def test_logs_follow_prints_new_lines_until_the_run_finishes(cli, client, flow_id):
    thread = _play_first_run(client, flow_id, Success())
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})

    result = cli("logs", run_id, "--follow", "--poll-interval", "0.05")
    thread.join()

    assert result.exit_code == 0
    assert [line.split(" | ", 1)[1] for line in result.output.splitlines()] == [
        "line 0", "line 1", "line 2"]


def test_register_then_run_then_logs_round_trip_from_a_flow_file(cli, client, project,
                                                                 caudal_home, tmp_path: Path):
    path = write_flow_file(tmp_path / "repo", "roundtrip")
    assert cli("register", "--project", project, "--path", str(path)).exit_code == 0

    result = cli("run", "--name", "roundtrip", "--param", "x=21")

    run_id = result.output.splitlines()[-1].removeprefix("└── ID: ")
    assert client.get_flow_run_info(run_id).parameters == {"x": 21}
