"""DaskExecutor on real dask.distributed clusters: same states and results as running locally."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from caudal import Flow, task, unmapped
from caudal.executors import DaskExecutor, LocalExecutor

pytest.importorskip("distributed")

BIN = Path(sys.executable).parent


def _etl_flow() -> tuple[Flow, dict[str, object]]:
    """A mapped ETL-shaped flow; its tasks are built here so they travel to workers by value."""

    @task
    def extract():
        return list(range(12))

    @task
    def transform(x, factor):
        if x == 7:
            raise ValueError("row 7 is corrupt")
        return x * factor

    @task
    def load(rows):
        return sorted(r for r in rows if isinstance(r, int))

    @task(trigger=lambda states: True)
    def report(rows):
        return len(rows)

    with Flow("dask-etl") as flow:
        rows = transform.map(extract(), unmapped(10))
        loaded = load(rows)
        counted = report(rows)
    return flow, {"rows": rows, "loaded": loaded, "counted": counted}


def _outcome(flow: Flow, tasks: dict[str, object], state) -> dict[str, object]:
    def describe(st):
        kids = [describe(c) for c in getattr(st, "map_states", [])]
        return (type(st).__name__, st.message, kids or repr(st.result))

    return {"flow": (type(state).__name__, state.message),
            **{name: describe(state.result[t]) for name, t in tasks.items()}}


def test_local_cluster_gives_the_same_states_and_results_as_local_executor():
    flow, tasks = _etl_flow()
    expected = _outcome(flow, tasks, flow.run(executor=LocalExecutor()))

    executor = DaskExecutor(cluster_kwargs={"n_workers": 2, "threads_per_worker": 2,
                                            "processes": True, "dashboard_address": None,
                                            "host": "127.0.0.1"})
    got = _outcome(flow, tasks, flow.run(executor=executor))

    assert got == expected
    assert expected["flow"][0] == "Failed"  # row 7 fails, so the reference load does too


def test_cluster_class_by_import_path_with_adapt():
    flow, tasks = _etl_flow()
    executor = DaskExecutor(cluster_class="distributed.LocalCluster",
                            cluster_kwargs={"n_workers": 1, "processes": False,
                                            "dashboard_address": None},
                            adapt_kwargs={"minimum": 1, "maximum": 2})

    state = flow.run(executor=executor)

    assert state.result[tasks["counted"]].result == 12


@pytest.fixture
def scheduler_and_worker(tmp_path: Path) -> Iterator[str]:
    """A dask scheduler and a worker as separate processes on 127.0.0.1; yields the address."""
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(scheduler_file)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )]
    try:
        deadline = time.monotonic() + 30
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert scheduler_file.exists(), "the dask scheduler did not start within 30 s"
        address = json.loads(scheduler_file.read_text())["address"]
        procs.append(subprocess.Popen(
            [str(BIN / "dask"), "worker", address, "--nthreads", "2", "--no-dashboard",
             "--host", "127.0.0.1", "--no-nanny"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_remote_scheduler_and_worker_processes_run_the_flow(scheduler_and_worker: str):
    from distributed import Client

    with Client(scheduler_and_worker, timeout=30) as client:
        client.wait_for_workers(1, timeout=30)

    flow, tasks = _etl_flow()
    expected = _outcome(flow, tasks, flow.run(executor=LocalExecutor()))

    got = _outcome(flow, tasks, flow.run(executor=DaskExecutor(address=scheduler_and_worker)))

    assert got == expected


def test_address_and_cluster_arguments_together_are_refused():
    with pytest.raises(ValueError, match="either an address"):
        DaskExecutor(address="tcp://127.0.0.1:8786", cluster_kwargs={"n_workers": 2})


def _awkward_flow() -> tuple[Flow, dict[str, object]]:
    """Tasks whose error or value does not pickle as it is, and tasks with a timeout (on a
    worker's thread they run in a process of their own); built here to travel by value."""
    import threading

    class RowError(Exception):
        def __init__(self, row, reason):
            super().__init__(f"row {row}: {reason}")
            self.row = row
            self.lock = threading.Lock()

    @task
    def bad_row():
        raise RowError(7, "corrupt")

    @task
    def lock():
        return threading.Lock()

    @task(timeout=1)
    def stuck():
        time.sleep(10)

    @task(timeout=30)
    def quick(x):
        return x * 2

    with Flow("dask-awkward") as flow:
        tasks = {"bad_row": bad_row(), "lock": lock(), "stuck": stuck(),
                 "quick": quick.map([1, 2])}
    return flow, {**tasks, "RowError": RowError}


def test_local_cluster_keeps_unpicklable_errors_and_fails_unpicklable_values_alone():
    flow, tasks = _awkward_flow()
    executor = DaskExecutor(cluster_kwargs={"n_workers": 1, "threads_per_worker": 4,
                                            "processes": True, "dashboard_address": None,
                                            "host": "127.0.0.1"})

    state = flow.run(executor=executor)

    bad_row = state.result[tasks["bad_row"]]
    assert bad_row.message == "Error during execution of task: RowError('row 7: corrupt')"
    assert isinstance(bad_row.result, tasks["RowError"])
    assert bad_row.result.row == 7
    locked = state.result[tasks["lock"]]
    assert type(locked).__name__ == "Failed"
    assert locked.message.startswith("The task's result (a 'lock') cannot be sent back")
    assert type(state.result[tasks["stuck"]]).__name__ == "TimedOut"
    assert state.result[tasks["quick"]].result == [2, 4]


def test_cluster_of_threads_keeps_values_that_do_not_pickle():
    flow, tasks = _awkward_flow()
    executor = DaskExecutor(cluster_kwargs={"n_workers": 1, "threads_per_worker": 4,
                                            "processes": False, "dashboard_address": None})

    state = flow.run(executor=executor)

    assert type(state.result[tasks["lock"]].result).__name__ == "lock"
    assert state.result[tasks["bad_row"]].result.row == 7
    assert type(state.result[tasks["stuck"]]).__name__ == "TimedOut"
