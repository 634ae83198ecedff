"""Timeouts on LocalDaskExecutor threads: a stuck task ends TimedOut and writes nothing after
its timeout; a mapped task with a timeout returns its values and sees its own context."""
import os
import time

import prefect
from prefect import Flow, task
from prefect.executors import LocalDaskExecutor
from prefect.triggers import all_finished


@task(timeout=1)
def stuck_export():
    time.sleep(2.5)
    with open("late-export.txt", "w") as handle:
        handle.write("too late")
    return "exported"


@task
def publish(result):
    return result


@task(timeout=10)
def measure(word):
    return {"length": len(word), "map_index": prefect.context.get("map_index"),
            "task_name": prefect.context.get("task_name")}


@task
def total(sizes):
    return sum(size["length"] for size in sizes)


@task(trigger=all_finished)
def written_after_timeout(result):
    time.sleep(2.5)
    return os.path.exists("late-export.txt")


with Flow("timeout-threads", executor=LocalDaskExecutor("threads", num_workers=4)) as flow:
    exported = stuck_export()
    publish(exported)
    total(measure.map(["a", "bb", "ccc"]))
    written_after_timeout(exported)
