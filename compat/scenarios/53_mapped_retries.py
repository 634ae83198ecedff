"""Mapped children with retries: one child fails once and recovers, another keeps failing."""
from datetime import timedelta

from prefect import Flow, task, triggers

FAILURES = {}


@task(max_retries=1, retry_delay=timedelta(seconds=0.2))
def sync(table):
    FAILURES[table] = FAILURES.get(table, 0) + 1
    if table == "flaky" and FAILURES[table] == 1:
        raise TimeoutError("lock wait timeout")
    if table == "broken":
        raise PermissionError(f"no grant on {table} (try {FAILURES[table]})")
    return f"{table} synced on try {FAILURES[table]}"


@task(trigger=triggers.all_finished)
def summary(results):
    return [r if isinstance(r, str) else type(r).__name__ for r in results]


with Flow("mapped-retries") as flow:
    summary(sync.map(["stable", "flaky", "broken"]))
