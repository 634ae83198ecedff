"""DaskExecutor on a local cluster of threads: an error and a value that would not pickle
stay as they are, since nothing crosses a process (workers in other processes cannot be
compared here: Prefect's workers cannot import the scenario's module)."""
import threading

from prefect import Flow, task
from prefect.executors import DaskExecutor


class RowError(Exception):
    def __init__(self, row, reason):
        super().__init__(f"row {row}: {reason}")
        self.lock = threading.Lock()


@task
def load(row):
    if row == 2:
        raise RowError(row, "corrupt")
    return row * 10


class Cursor:
    """Holds a lock: it does not pickle."""

    def __init__(self):
        self.lock = threading.Lock()

    def __repr__(self):
        return "<Cursor>"


@task
def open_cursor():
    return Cursor()


@task
def total(values):
    return sum(values)


with Flow("dask-unpicklable-error") as flow:
    total(load.map([1, 2, 3]))
    open_cursor()

RUN_KWARGS = {"executor": DaskExecutor(cluster_kwargs={
    "n_workers": 1, "threads_per_worker": 2, "processes": False, "dashboard_address": None})}
