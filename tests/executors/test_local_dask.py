"""LocalDaskExecutor: tasks really run side by side, and nothing else about a run changes."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import caudal
from caudal import Flow, task
from caudal.engine.state import Success, TimedOut
from caudal.executors import LocalDaskExecutor, LocalExecutor
from caudal.utilities.processes import alive

NAP_S = 0.3


@task
def nap(x):
    time.sleep(NAP_S)
    return x


@task
def total(xs):
    return sum(xs)


@task
def whoami(x):
    ctx = caudal.context
    return (x, ctx.map_index, ctx.task_name, ctx.task_full_name, ctx.flow_name)


SLOW_TASK_ENDED = threading.Event()


@task(timeout=1)
def too_slow():
    SLOW_TASK_ENDED.clear()
    time.sleep(5)
    SLOW_TASK_ENDED.set()
    return "finished anyway"


@task
def fails(x):
    if x == 2:
        raise ValueError("two is not allowed")
    return x


def meeting(parties: int):
    """A task that returns its input only once ``parties`` runs of it are inside at the same
    time: run one after another, the first would wait alone and fail (BrokenBarrierError)."""
    barrier = threading.Barrier(parties, timeout=10)

    @task(name="meet")
    def meet(x):
        barrier.wait()
        return x

    return meet


def test_mapped_children_run_in_parallel_threads():
    meet = meeting(8)
    with Flow("parallel-map") as flow:
        out = total(meet.map(list(range(8))))

    state = flow.run(executor=LocalDaskExecutor(num_workers=8))

    assert state.is_successful()
    assert state.result[out].result == sum(range(8))


def test_independent_branches_run_in_parallel():
    meet = meeting(6)
    with Flow("branches") as flow:
        outs = [meet(f"b{i}") for i in range(6)]

    state = flow.run(executor=LocalDaskExecutor(scheduler="threads", num_workers=6))

    assert [state.result[o].result for o in outs] == [f"b{i}" for i in range(6)]


def test_num_workers_bounds_how_many_tasks_run_at_once():
    running = []
    peak = []
    lock = threading.Lock()

    @task
    def counted(x):
        with lock:
            running.append(x)
            peak.append(len(running))
        time.sleep(0.05)
        with lock:
            running.remove(x)
        return x

    with Flow("bounded") as flow:
        counted.map(list(range(20)))

    assert flow.run(executor=LocalDaskExecutor(num_workers=3)).is_successful()
    assert max(peak) <= 3


def test_map_results_and_states_match_the_local_executor():
    with Flow("same") as flow:
        mapped = fails.map([1, 2, 3])
        reduced = total(mapped)

    local = flow.run(executor=LocalExecutor())
    threaded = flow.run(executor=LocalDaskExecutor(num_workers=3))

    for st in (local, threaded):
        assert type(st).__name__ == "Failed"
        children = st.result[mapped].map_states
        assert [type(c).__name__ for c in children] == ["Success", "Failed", "Success"]
        assert type(st.result[reduced]).__name__ == "TriggerFailed"
    assert threaded.result[mapped].map_states[1].message == \
        local.result[mapped].map_states[1].message


def test_each_mapped_child_sees_its_own_context_in_threads(capsys):
    with Flow("ctx-threads") as flow:
        out = whoami.map([10, 11, 12, 13])

    state = flow.run(executor=LocalDaskExecutor(num_workers=4))

    assert state.result[out].result == [
        (10 + i, i, "whoami", f"whoami[{i}]", "ctx-threads") for i in range(4)
    ]
    logged = capsys.readouterr().out
    for i in range(4):
        assert re.search(rf"INFO - caudal\.TaskRunner \| Task 'whoami\[{i}\]': Starting task "
                         r"run\.\.\.", logged)


def test_timeout_ends_timed_out_inside_a_worker_thread():
    with Flow("timeout-threads") as flow:
        slow = too_slow()

    state = flow.run(executor=LocalDaskExecutor(num_workers=2))
    returned_before_the_task_ended = not SLOW_TASK_ENDED.is_set()

    assert isinstance(state.result[slow], TimedOut)
    assert state.result[slow].message == "Task timed out during execution."
    assert returned_before_the_task_ended  # the run did not wait out the 5 s sleep


def test_processes_scheduler_runs_lambdas_and_returns_results():
    with Flow("processes") as flow:
        doubled = task(lambda x: 2 * x, name="double").map([1, 2, 3])
        out = total(doubled)

    state = flow.run(executor=LocalDaskExecutor(scheduler="processes", num_workers=2))

    assert state.is_successful()
    assert state.result[out].result == 12
    assert isinstance(state.result[doubled].map_states[0], Success)


def test_processes_scheduler_reports_failures_like_the_local_executor():
    with Flow("processes-fail") as flow:
        mapped = fails.map([1, 2])

    state = flow.run(executor=LocalDaskExecutor(scheduler="processes", num_workers=2))

    child = state.result[mapped].map_states[1]
    assert type(child).__name__ == "Failed"
    assert child.message == "Error during execution of task: ValueError('two is not allowed')"


def test_synchronous_scheduler_runs_inline():
    with Flow("sync") as flow:
        out = total(nap.map([1, 2]))

    state = flow.run(executor=LocalDaskExecutor(scheduler="synchronous"))

    assert state.result[out].result == 3


def test_flow_executor_attribute_is_used_when_run_gets_none():
    meet = meeting(8)
    with Flow("carried", executor=LocalDaskExecutor(num_workers=8)) as flow:
        meet.map(list(range(8)))

    state = flow.run()

    assert state.is_successful()


def test_unknown_scheduler_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="'threads', 'processes', 'synchronous'"):
        LocalDaskExecutor(scheduler="gpu")


@task
def odd_fails(x):
    if x % 2:
        raise ValueError(f"{x} is odd")
    return x


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_children_handed_over_in_batches_keep_their_own_states_in_map_order(scheduler):
    executor = LocalDaskExecutor(scheduler=scheduler, num_workers=2)
    assert executor.children_per_submit(40) == 5  # 40 children, 2 workers: 8 batches of 5

    with Flow("batched") as flow:
        mapped = odd_fails.map(list(range(40)))

    state = flow.run(executor=executor)

    children = state.result[mapped].map_states
    assert [type(c).__name__ for c in children] == ["Success", "Failed"] * 20
    assert [c.result for c in children[::2]] == list(range(0, 40, 2))
    assert children[7].message == "Error during execution of task: ValueError('7 is odd')"


# ------------------------------------------------------------------ errors that do not pickle


class RowError(Exception):
    """An error that neither pickles (a lock) nor unpickles (two arguments) as it is."""

    def __init__(self, row: int, reason: str) -> None:
        super().__init__(f"row {row}: {reason}")
        self.row = row
        self.lock = threading.Lock()


@task
def bad_row(x):
    if x == 2:
        raise RowError(x, "corrupt")
    return x


@task
def open_lock(x):
    return threading.Lock() if x == 1 else x


def test_processes_scheduler_error_that_does_not_pickle_keeps_its_type_and_message():
    with Flow("row-errors") as flow:
        rows = bad_row.map([1, 2, 3])
        counted = total(rows)

    state = flow.run(executor=LocalDaskExecutor(scheduler="processes", num_workers=2))

    children = state.result[rows].map_states
    assert [type(c).__name__ for c in children] == ["Success", "Failed", "Success"]
    assert children[1].message == "Error during execution of task: RowError('row 2: corrupt')"
    assert isinstance(children[1].result, RowError)
    assert children[1].result.row == 2
    assert type(state.result[counted]).__name__ == "TriggerFailed"


def test_processes_scheduler_value_that_does_not_pickle_fails_that_task_alone():
    with Flow("lock-values") as flow:
        values = open_lock.map([0, 1, 2])

    state = flow.run(executor=LocalDaskExecutor(scheduler="processes", num_workers=2))

    children = state.result[values].map_states
    assert [type(c).__name__ for c in children] == ["Success", "Failed", "Success"]
    assert children[1].message.startswith(
        "The task's result (a 'lock') cannot be sent back from the process that ran it")


# ------------------------------------------------------------------ Ctrl-C


CTRL_C_SCRIPT = """
import os, sys, time
from pathlib import Path
from caudal import Flow, task
from caudal.executors import LocalDaskExecutor

folder = Path(sys.argv[1])

@task
def nap(i):
    (folder / f"started-{i}").write_text(str(os.getpid()))
    time.sleep(30)
    (folder / f"finished-{i}").write_text("finished")

@task(timeout=60)
def nap_with_timeout():
    (folder / "started-timeout").write_text(str(os.getpid()))
    time.sleep(30)
    (folder / "finished-timeout").write_text("finished")

with Flow("interrupted") as flow:
    nap.map([0, 1, 2])
    nap_with_timeout()

try:
    flow.run(executor=LocalDaskExecutor("threads", num_workers=4))
except KeyboardInterrupt:
    print("flow.run raised KeyboardInterrupt", flush=True)
    raise
print("flow.run returned", flush=True)
"""


def test_ctrl_c_on_threads_stops_the_run_without_waiting_for_its_tasks(tmp_path: Path):
    script = tmp_path / "flow.py"
    script.write_text(CTRL_C_SCRIPT)
    run = subprocess.Popen([sys.executable, str(script), str(tmp_path)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        names = {"started-0", "started-1", "started-2", "started-timeout"}
        while not names <= {p.name for p in tmp_path.iterdir()}:
            assert time.monotonic() < deadline, "the tasks did not start within 60 s"
            time.sleep(0.05)
        timeout_pid = int((tmp_path / "started-timeout").read_text())
        assert timeout_pid != run.pid  # the task with a timeout runs in a process of its own

        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=10)  # well before the tasks' 30 s
    finally:
        run.kill()
        run.wait()

    assert "flow.run raised KeyboardInterrupt" in output
    assert "Interrupted: 4 running task(s) stopped, the others cancelled." in output
    assert run.returncode != 0
    deadline = time.monotonic() + 5
    while alive(timeout_pid):
        assert time.monotonic() < deadline, "the task's process outlived the run"
        time.sleep(0.05)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("finished")]
