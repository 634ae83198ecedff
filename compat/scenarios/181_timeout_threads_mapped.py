"""Mapped tasks with a timeout on LocalDaskExecutor threads: some children time out, others
return; an error raised under a timeout fails the task with its own type and message."""
import time

from prefect import Flow, task
from prefect.executors import LocalDaskExecutor
from prefect.triggers import all_finished


@task(timeout=5)  # Prefect spawns the task's process: a shorter timeout would cut it short
def fetch(page):
    if page % 2:
        time.sleep(8)
    return f"page {page}"


@task(trigger=all_finished)
def count(pages):
    return len([p for p in pages if isinstance(p, str)])


@task(timeout=10)
def parse(text):
    raise ValueError(f"bad header in {text!r}")


with Flow("timeout-threads-mapped",
          executor=LocalDaskExecutor("threads", num_workers=4)) as flow:
    pages = fetch.map([0, 1, 2, 3])
    count(pages)
    parse("report.csv")
