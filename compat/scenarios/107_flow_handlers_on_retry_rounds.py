"""A flow with a task that retries: the flow's state handlers see Scheduled -> Running once
and Running -> Success once (no Running -> Running on the retry round)."""
import datetime

from prefect import Flow, task

CALLS = []
ATTEMPTS = []


def record(flow, old, new):
    CALLS.append(f"{type(old).__name__}->{type(new).__name__}")
    if new.is_finished():
        new.message = " ".join(CALLS)
    return new


@task(max_retries=2, retry_delay=datetime.timedelta(seconds=0))
def flaky():
    ATTEMPTS.append(1)
    if len(ATTEMPTS) < 3:
        raise ValueError("not yet")
    return len(ATTEMPTS)


with Flow("flow-handlers-on-retry-rounds", state_handlers=[record]) as flow:
    flaky()
