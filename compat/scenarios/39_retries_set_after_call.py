"""max_retries and retry_delay set on the task copy after it was called in the flow block."""
from datetime import timedelta

from prefect import Flow, task

COUNTER = {"calls": 0}


@task
def unreliable():
    COUNTER["calls"] += 1
    if COUNTER["calls"] == 1:
        raise IOError("temporary failure")
    return f"ok after {COUNTER['calls']} calls"


@task
def unreliable_no_retry():
    raise IOError("permanent failure")


with Flow("retries-set-after-call") as flow:
    first = unreliable()
    first.max_retries = 2
    first.retry_delay = timedelta(seconds=0.1)
    unreliable_no_retry()
