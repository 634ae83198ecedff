"""A task's timeout off the main thread: the task runs in a process of its own, killed at the
timeout, and everything else about the run stays as it would be in a thread."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import caudal
from caudal import Flow, task
from caudal.engine import signals, timeout
from caudal.engine.state import Failed, Skipped, State, Success, TimedOut, TriggerFailed
from caudal.executors import LocalDaskExecutor
from caudal.utilities.processes import alive


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what} after {timeout_s} s"
        time.sleep(0.05)




class Kept(logging.Handler):
    """A handler of the run's process that keeps what it is given (a user's own handler)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept() -> Iterator[Kept]:
    handler = Kept()
    logger = logging.getLogger("caudal")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def run_on_threads(flow: Flow, workers: int = 4) -> State:
    return flow.run(executor=LocalDaskExecutor("threads", num_workers=workers))


# ------------------------------------------------------------------ the task stops


def test_timed_out_task_on_threads_writes_nothing_after_its_timeout(tmp_path: Path):
    marker = tmp_path / "written-after-the-timeout"

    @task(timeout=1)
    def slow_export():
        time.sleep(2.5)
        marker.write_text("too late")

    @task
    def publish(x):
        return x

    with Flow("slow-export") as flow:
        exported = slow_export()
        published = publish(exported)

    state = run_on_threads(flow)
    time.sleep(3)  # past the moment the task would have written

    assert isinstance(state.result[exported], TimedOut)
    assert state.result[exported].message == "Task timed out during execution."
    assert isinstance(state.result[published], TriggerFailed)
    assert not marker.exists()


def test_timed_out_task_stops_the_processes_it_started(tmp_path: Path):
    pid_file = tmp_path / "sleep.pid"

    @task(timeout=1)
    def starts_a_command():
        command = subprocess.Popen(["sleep", "30"])
        pid_file.write_text(str(command.pid))
        command.wait()

    with Flow("command") as flow:
        started = starts_a_command()

    state = run_on_threads(flow)

    assert isinstance(state.result[started], TimedOut)
    command_pid = int(pid_file.read_text())
    wait_until(lambda: not alive(command_pid), 5, "the command to be stopped")


def test_many_tasks_time_out_in_parallel_on_eight_threads(tmp_path: Path):
    @task(timeout=1)
    def maybe_slow(i):
        if i % 2:
            time.sleep(4)
            (tmp_path / f"late-{i}").write_text("late")
        return i

    with Flow("many") as flow:
        out = maybe_slow.map(list(range(16)))

    before = time.monotonic()
    state = run_on_threads(flow, workers=8)
    took = time.monotonic() - before
    time.sleep(3.5)

    children = state.result[out].map_states
    assert [type(c).__name__ for c in children] == ["Success", "TimedOut"] * 8
    assert [c.result for c in children[::2]] == list(range(0, 16, 2))
    assert took < 15  # the slow children were stopped, not waited for (8 × 4 s in turn)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ what comes back


@task(timeout=10)
def describe(x):
    ctx = caudal.context
    return {"x": x, "map_index": ctx.get("map_index"), "task_name": ctx.task_name,
            "flow_name": ctx.flow_name, "parameters": dict(ctx.parameters)}


def test_mapped_task_with_timeout_returns_its_values_and_sees_its_context():
    with Flow("ctx") as flow:
        out = describe.map([10, 20, 30])

    state = run_on_threads(flow)

    assert state.is_successful()
    assert state.result[out].result == [
        {"x": x, "map_index": i, "task_name": "describe", "flow_name": "ctx", "parameters": {}}
        for i, x in enumerate([10, 20, 30])
    ]


class Reading:
    """A value of a class the flow's module defines."""

    def __init__(self, value: int) -> None:
        self.value = value


def test_returned_object_comes_back_as_an_instance_of_the_same_class():
    @task(timeout=10)
    def read():
        return Reading(7)

    @task
    def check(reading):
        return type(reading) is Reading and reading.value

    with Flow("same-class") as flow:
        checked = check(read())

    assert run_on_threads(flow).result[checked].result == 7


def test_inputs_that_do_not_pickle_reach_the_task():
    @task
    def open_lock():
        return threading.Lock()

    @task(timeout=10)
    def uses(lock):
        with lock:
            return "used"

    with Flow("lock-input") as flow:
        used = uses(open_lock())

    assert run_on_threads(flow).result[used].result == "used"


def test_value_that_does_not_pickle_fails_the_task_and_says_why():
    @task(timeout=10)
    def returns_a_lock():
        return threading.Lock()

    with Flow("lock-value") as flow:
        returned = returns_a_lock()

    state = run_on_threads(flow).result[returned]

    assert isinstance(state, Failed)
    assert state.message.startswith("Error during execution of task: RuntimeError(")
    assert isinstance(state.result, RuntimeError)
    assert "Task 'returns_a_lock' ran in a child process" in str(state.result)
    assert "its result, a 'lock', cannot be sent back" in str(state.result)
    assert "cannot pickle '_thread.lock' object" in str(state.result)


def test_changes_to_the_context_stay_in_the_task_process():
    @task(timeout=10)
    def sets_context():
        caudal.context["seen_by_others"] = True
        return caudal.context.get("seen_by_others")

    with Flow("context-change") as flow:
        out = sets_context()

    assert run_on_threads(flow).result[out].result is True
    assert caudal.context.get("seen_by_others") is None


# ------------------------------------------------------------------ errors and signals


class RowError(Exception):
    """An error whose ``__init__`` takes more than its message, with a lock attribute: it
    neither pickles nor unpickles as it is."""

    def __init__(self, row: int, reason: str) -> None:
        super().__init__(f"row {row}: {reason}")
        self.row = row
        self.lock = threading.Lock()


def test_error_keeps_its_type_message_and_traceback(kept: Kept):
    @task(timeout=10)
    def parse():
        raise ValueError("bad header")

    with Flow("error") as flow:
        parsed = parse()

    state = run_on_threads(flow).result[parsed]

    assert isinstance(state, Failed)
    assert state.message == "Error during execution of task: ValueError('bad header')"
    assert isinstance(state.result, ValueError)
    logged = [r for r in kept.records if "Exception encountered" in r.getMessage()]
    text = logging.Formatter().formatException(logged[0].exc_info)
    assert 'raise ValueError("bad header")' in text  # the task's own line, from its process


def test_error_that_does_not_pickle_keeps_its_type_message_and_attributes():
    @task(timeout=10)
    def load():
        raise RowError(7, "corrupt")

    with Flow("row-error") as flow:
        loaded = load()

    state = run_on_threads(flow).result[loaded]

    assert state.message == "Error during execution of task: RowError('row 7: corrupt')"
    assert isinstance(state.result, RowError)
    assert state.result.row == 7


@pytest.mark.parametrize(("signal_cls", "state_cls"),
                         [(signals.FAIL, Failed), (signals.SKIP, Skipped),
                          (signals.SUCCESS, Success)])
def test_signals_raised_in_the_task_set_its_state(signal_cls, state_cls):
    @task(timeout=10)
    def signalling():
        raise signal_cls("on purpose")

    with Flow("signals") as flow:
        out = signalling()

    state = run_on_threads(flow).result[out]

    assert type(state) is state_cls
    assert state.message == "on purpose"


def test_task_whose_process_exits_fails_with_its_exit_code():
    @task(timeout=10)
    def exits():
        os._exit(3)

    with Flow("exits") as flow:
        out = exits()

    state = run_on_threads(flow).result[out]

    assert isinstance(state, Failed)
    assert "The process running task 'exits' exited with code 3" in state.message


# ------------------------------------------------------------------ logs and output


def test_log_lines_and_printed_lines_reach_the_run_logs_with_the_task_context(kept: Kept):
    @task(timeout=10)
    def chatty(x):
        caudal.context.logger.warning("row %d loaded in %s by %s", x, os.getpid(),
                                      caudal.context.task_full_name)
        return x

    @task(timeout=10, log_stdout=True)
    def printing():
        print("printed line")

    with Flow("chatty") as flow:
        chatty.map([1, 2])
        printing()

    run_on_threads(flow)

    loaded = {r.getMessage().split(" in ")[0]: r for r in kept.records
              if r.getMessage().startswith("row ")}
    assert sorted(loaded) == ["row 1 loaded", "row 2 loaded"]
    message = loaded["row 2 loaded"].getMessage()
    assert message.endswith(" by chatty[1]")
    assert int(message.split(" in ")[1].split()[0]) != os.getpid()  # logged by its process
    assert loaded["row 2 loaded"].levelname == "WARNING"
    assert "printed line" in [r.getMessage() for r in kept.records]


def test_printed_lines_of_a_task_without_log_stdout_reach_standard_output(capsys):
    @task(timeout=10)
    def prints():
        print("hello from the task")
        print("oops", file=sys.stderr)

    with Flow("prints") as flow:
        prints()

    run_on_threads(flow)

    captured = capsys.readouterr()
    assert "hello from the task\n" in captured.out
    assert "oops\n" in captured.err


# ------------------------------------------------------------------ the run's process dies


RUN_KILLED_SCRIPT = """
import os, sys, time
from pathlib import Path
from caudal import Flow, task
from caudal.executors import LocalDaskExecutor

folder = Path(sys.argv[1])

@task(timeout=60)
def long_task():
    (folder / "task.pid").write_text(str(os.getpid()))
    time.sleep(30)
    (folder / "finished").write_text("finished")

with Flow("killed") as flow:
    long_task()

flow.run(executor=LocalDaskExecutor("threads", num_workers=2))
"""


def test_run_process_killed_leaves_no_task_process_behind(tmp_path: Path):
    script = tmp_path / "flow.py"
    script.write_text(textwrap.dedent(RUN_KILLED_SCRIPT))
    run = subprocess.Popen([sys.executable, str(script), str(tmp_path)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: (tmp_path / "task.pid").exists() and
                   (tmp_path / "task.pid").read_text(), 60, "the task to start")
        task_pid = int((tmp_path / "task.pid").read_text())
        assert task_pid != run.pid
        run.send_signal(signal.SIGKILL)
        run.wait(10)

        wait_until(lambda: not alive(task_pid), 10, "the task's process to stop")
    finally:
        run.kill()
        run.wait()
    assert not (tmp_path / "finished").exists()


# ------------------------------------------------------------------ where processes cannot fork


@task(timeout=30)
def add_ten(x):
    return {"value": x + 10, "map_index": caudal.context.get("map_index")}


@task(timeout=1)
def sleeps_thirty_seconds():
    time.sleep(30)


def test_spawned_process_returns_the_value_and_times_out(monkeypatch):
    monkeypatch.setattr(timeout, "START_METHOD", "spawn")
    with Flow("spawned") as flow:
        added = add_ten.map([1, 2])
        slow = sleeps_thirty_seconds()

    before = time.monotonic()
    state = run_on_threads(flow)

    assert state.result[added].result == [{"value": 11, "map_index": 0},
                                          {"value": 12, "map_index": 1}]
    assert isinstance(state.result[slow], TimedOut)
    assert time.monotonic() - before < 20  # well before the sleep would have ended


# ------------------------------------------------------------------ the main thread


MAIN_THREAD_SCRIPT = """
import os
from caudal import Flow, task

@task(timeout=10)
def where():
    return os.getpid()

with Flow("main-thread") as flow:
    out = where()

print(flow.run().result[out].result == os.getpid())
"""


def test_on_the_main_thread_the_task_runs_in_the_run_process(tmp_path: Path):
    # In a fresh interpreter: here the test runner's own timer is set, and is never taken over.
    script = tmp_path / "flow.py"
    script.write_text(MAIN_THREAD_SCRIPT)

    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)

    assert done.stdout.strip().splitlines()[-1] == "True", done.stderr
