"""The Portuguese tutorial's 'Users report' flow, run as its reader runs it: `python run.py`.

Each test copies examples/users_report/ to a temporary folder and runs it in a fresh interpreter
against a real local stand-in for randomuser.me; the log on stdout must match the tutorial's.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from fixtures_storage import free_port

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "users_report"
RUN_TIMEOUT_S = 60

# The output printed in the tutorial, with `prefect.` loggers renamed `caudal.`.
TUTORIAL_OUTPUT = """\
[2022-10-05 14:40:40-0300] INFO - caudal.FlowRunner | Beginning Flow run for 'Users report'
[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'n_users': Starting task run...
[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'n_users': Finished task run for task with final state: 'Success'
[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'download_data': Starting task run...
[2022-10-05 14:40:40-0300] INFO - caudal.download_data |
Dados baixados com sucesso!
[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'download_data': Finished task run for task with final state: 'Success'
[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'parse_data': Starting task run...
[2022-10-05 14:40:40-0300] INFO - caudal.parse_data |
Dados convertidos em DataFrame com sucesso!
[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'parse_data': Finished task run for task with final state: 'Success'
[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'save_report': Starting task run...
[2022-10-05 14:40:40-0300] INFO - caudal.save_report |
Dados salvos em report.csv com sucesso!
[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'save_report': Finished task run for task with final state: 'Success'
[2022-10-05 14:40:40-0300] INFO - caudal.FlowRunner | Flow run SUCCESS: all reference tasks succeeded
"""

# What Prefect 0.15.9 logs when download_data cannot connect (the traceback lines left out).
FAILED_RUN_HEADED_LINES = [
    "INFO - caudal.FlowRunner | Beginning Flow run for 'Users report'",
    "INFO - caudal.TaskRunner | Task 'n_users': Starting task run...",
    "INFO - caudal.TaskRunner | Task 'n_users': Finished task run for task with final state: 'Success'",
    "INFO - caudal.TaskRunner | Task 'download_data': Starting task run...",
    "ERROR - caudal.TaskRunner | Task 'download_data': Exception encountered during task execution!",
    "INFO - caudal.TaskRunner | Task 'download_data': Finished task run for task with final state: 'Failed'",
    "INFO - caudal.TaskRunner | Task 'parse_data': Starting task run...",
    "INFO - caudal.TaskRunner | Task 'parse_data': Finished task run for task with final state: 'TriggerFailed'",
    "INFO - caudal.TaskRunner | Task 'save_report': Starting task run...",
    "INFO - caudal.TaskRunner | Task 'save_report': Finished task run for task with final state: 'TriggerFailed'",
    "INFO - caudal.FlowRunner | Flow run FAILED: some reference tasks failed.",
]

TIMESTAMP = r"\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{4}\] "
TUTORIAL_TIMESTAMP = "[2022-10-05 14:40:40-0300] "


def load_stand_in_api() -> ModuleType:
    """Import examples/users_report/stand_in_api.py without putting the tutorial on sys.path."""
    spec = importlib.util.spec_from_file_location("stand_in_api", EXAMPLE_DIR / "stand_in_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


stand_in_api = load_stand_in_api()


@pytest.fixture(scope="module")
def stand_in() -> Iterator[stand_in_api.StandInServer]:
    with stand_in_api.serve() as server:
        yield server


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the example folder, laid out as in the repository."""
    copy = tmp_path / "examples" / "users_report"
    ignore = shutil.ignore_patterns("__pycache__", "report.csv")
    shutil.copytree(EXAMPLE_DIR, copy, ignore=ignore)
    return copy


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens: the port was bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run_script(
    folder: Path, script: str, randomuser_url: str | None, *args: str, timeout: float = 0
) -> subprocess.CompletedProcess[str]:
    """Run `python <script> [args]` in folder as the tutorial's reader would, with
    RANDOMUSER_URL set."""
    timeout = timeout or RUN_TIMEOUT_S
    env = dict(os.environ)
    env.pop("RANDOMUSER_URL", None)
    if randomuser_url is not None:
        env["RANDOMUSER_URL"] = randomuser_url
    try:
        return subprocess.run(
            [sys.executable, script, *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        output = f"{error.stdout!r}\n{error.stderr!r}"
        pytest.fail(f"'{script}' still running after {timeout} s; it printed:\n{output}")


def expected_line_patterns(output: str) -> list[re.Pattern[str]]:
    """One regex per line of output: any timestamp in any time zone, the rest literally."""
    patterns = []
    for line in output.splitlines():
        if line.startswith(TUTORIAL_TIMESTAMP):
            pattern = TIMESTAMP + re.escape(line.removeprefix(TUTORIAL_TIMESTAMP))
        else:
            pattern = re.escape(line)
        patterns.append(re.compile(pattern))
    return patterns


def assert_log_matches(stdout: str, output: str) -> None:
    # Lines are right-stripped: `log()` messages start with a newline, so their first line ends
    # in "| " on screen, and the tutorial's printed copy dropped that trailing space.
    lines = [line.rstrip() for line in stdout.splitlines()]
    patterns = expected_line_patterns(output)
    assert len(lines) == len(patterns), f"expected {len(patterns)} lines, got:\n{stdout}"
    for number, (line, pattern) in enumerate(zip(lines, patterns, strict=True), start=1):
        assert pattern.fullmatch(line), f"line {number} is {line!r}; expected {pattern.pattern!r}"


def headed_records(stdout: str) -> list[tuple[str, str]]:
    """(header without timestamp, continuation lines) for each timestamped log record."""
    records: list[tuple[str, str]] = []
    for line in stdout.splitlines():
        header = re.match(TIMESTAMP + "(.*)", line)
        if header:
            records.append((header.group(1).rstrip(), ""))
        elif records:
            records[-1] = (records[-1][0], records[-1][1] + line + "\n")
    return records


def count_data_rows(report: Path) -> int:
    """Rows after the header, read as CSV (quoted fields may hold commas)."""
    with report.open(newline="", encoding="utf-8") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def assert_failed_run(result: subprocess.CompletedProcess[str], folder: Path) -> str:
    """Check the Failed run's log against Prefect's; return the ERROR record's traceback."""
    records = headed_records(result.stdout)
    headers = [header for header, _ in records]
    assert headers == FAILED_RUN_HEADED_LINES, result.stdout + result.stderr
    (traceback,) = [text for header, text in records if header.startswith("ERROR")]
    assert "requests.exceptions.ConnectionError" in traceback, traceback
    assert not (folder / "report.csv").exists()
    return traceback


def test_run_py_writes_ten_rows_with_tutorial_log_lines(
    example: Path, stand_in: stand_in_api.StandInServer
) -> None:
    result = run_script(example, "run.py", stand_in.url)

    assert result.returncode == 0, result.stderr
    assert_log_matches(result.stdout, TUTORIAL_OUTPUT)
    assert count_data_rows(example / "report.csv") == 10


def test_run_py_changed_to_n_users_20_writes_twenty_rows(
    example: Path, stand_in: stand_in_api.StandInServer
) -> None:
    # The tutorial's second step: edit run.py to pass the parameter, and run it again.
    (example / "run.py").write_text("from flows import flow\n\nflow.run(n_users=20)\n")

    result = run_script(example, "run.py", stand_in.url)

    assert result.returncode == 0, result.stderr
    assert_log_matches(result.stdout, TUTORIAL_OUTPUT)
    assert count_data_rows(example / "report.csv") == 20


def test_run_py_against_closed_port_ends_failed_with_connection_refused(
    example: Path, closed_port_url: str
) -> None:
    result = run_script(example, "run.py", closed_port_url)

    traceback = assert_failed_run(result, example)
    assert "Connection refused" in traceback


def test_run_py_with_default_url_and_no_internet_ends_failed_with_connection_error(
    example: Path,
) -> None:
    try:
        socket.create_connection(("randomuser.me", 443), timeout=5).close()
    except OSError:
        pass
    else:
        pytest.skip("this machine reaches randomuser.me, so the offline failure cannot happen")

    result = run_script(example, "run.py", randomuser_url=None)

    assert_failed_run(result, example)


def test_up_py_runs_the_flow_through_a_server_and_an_agent_and_reports_rows(
        example: Path) -> None:
    # `make up` with CI=true: a real server and agent, the flow registered and run once.
    port = free_port()
    result = run_script(example, "up.py", None, "--port", str(port), "--once", timeout=240)

    assert result.returncode == 0, result.stdout + result.stderr
    report = example.parents[1] / ".caudal-run" / "users_report" / "report.csv"
    assert result.stdout.splitlines()[-2:] == [f"report.csv: {report}", "data rows: 10"]
    assert count_data_rows(report) == 10
    assert f"Server:   http://127.0.0.1:{port}" in result.stdout
    assert "Registering 'Users report'... Done" in result.stdout
    assert "Submitted for execution by agent 'local'" in result.stdout
    assert "finished in state Success" in result.stdout
    assert "Dados salvos em report.csv com sucesso!" in result.stdout  # the run's own log
    # Everything stopped: nothing answers on the server's port any more.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.parametrize("results", ["abc", "2.5", "5001"])
def test_stand_in_answers_400_to_bad_results(
    stand_in: stand_in_api.StandInServer, results: str
) -> None:
    url = f"{stand_in.url}/api/?results={results}&format=csv"

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(url, timeout=10)

    assert raised.value.code == 400
    assert f"'results' has value '{results}'" in raised.value.read().decode()


def test_stand_in_csv_has_randomuser_columns_and_repeats_itself(
    stand_in: stand_in_api.StandInServer,
) -> None:
    url = f"{stand_in.url}/api/?results=5&format=csv"

    with urllib.request.urlopen(url, timeout=10) as first, urllib.request.urlopen(url) as second:
        text, again = first.read().decode(), second.read().decode()

    header, *rows = text.splitlines()
    assert header.split(",") == list(stand_in_api.CSV_COLUMNS)
    assert header.startswith("gender,name.title,name.first,name.last,location.street.number")
    assert len(rows) == 5
    assert text == again
