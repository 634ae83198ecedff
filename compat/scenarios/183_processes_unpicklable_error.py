"""LocalDaskExecutor processes: a task raises an error that cannot be pickled back from its
worker (its __init__ takes two arguments and it holds a lock); the others run as usual."""
import threading

from prefect import Flow, task
from prefect.executors import LocalDaskExecutor


class RowError(Exception):
    def __init__(self, row, reason):
        super().__init__(f"row {row}: {reason}")
        self.lock = threading.Lock()


@task
def load(row):
    if row == 2:
        raise RowError(row, "corrupt")
    return row * 10


@task
def total(values):
    return sum(values)


with Flow("processes-unpicklable-error") as flow:
    total(load.map([1, 2, 3]))

RUN_KWARGS = {"executor": LocalDaskExecutor(scheduler="processes", num_workers=2)}

CAUDAL_DIFFERS = {
    "flow.message": "Prefect fails the whole run on the pickling error (\"Unexpected error: "
                    "TypeError(...)\") and reports no task state; caudal fails that task "
                    "alone, with the error's own type and message",
    "tasks": "Prefect reports no task state (see flow.message); caudal reports each task's",
}
