"""What a task with a timeout on LocalDaskExecutor threads can take and give: inputs that
do not pickle, a value that does not pickle, an error that does not pickle, and signals."""
import threading

from prefect import Flow, task
from prefect.engine import signals
from prefect.executors import LocalDaskExecutor


class Connection:
    """Holds a lock: it does not pickle."""

    def __init__(self):
        self.lock = threading.Lock()

    def __repr__(self):
        return "<Connection>"


class RowError(Exception):
    def __init__(self, row, reason):
        super().__init__(f"row {row}: {reason}")
        self.lock = threading.Lock()


@task
def open_connection():
    return Connection()


@task(timeout=10)
def query(connection):
    return "rows"


@task(timeout=10)
def leak_connection():
    return Connection()


@task(timeout=10)
def load_row():
    raise RowError(7, "corrupt")


@task(timeout=10)
def reject():
    raise signals.FAIL("rejected on purpose")


@task(timeout=10)
def skip_today():
    raise signals.SKIP("nothing to do today")


with Flow("timeout-threads-pickling",
          executor=LocalDaskExecutor("threads", num_workers=4)) as flow:
    query(open_connection())
    leak_connection()
    load_row()
    reject()
    skip_today()

CAUDAL_DIFFERS = {
    "tasks.query-1": "caudal forks the task's process, so its inputs need not pickle; Prefect "
                     "spawns it and fails on the lock",
    "tasks.leak_connection-1": "caudal fails it at once with a RuntimeError saying the value "
                               "cannot be sent back; Prefect's child sends nothing back and "
                               "the task ends TimedOut (for a plain lock, Prefect fails it "
                               "with a RuntimeError of its own wording)",
    "tasks.load_row-1": "caudal keeps the error's type and message (RowError); Prefect's "
                        "child cannot send it back (a RuntimeError about pickling it, or, as "
                        "here, nothing until the timeout)",
    "tasks.reject-1": "a signal raised under a timeout sets the task's state in caudal, as on "
                      "the main thread; Prefect returns it as the task's value (Success)",
    "tasks.skip_today-1": "as for reject: Skipped in caudal, Success in Prefect",
}
