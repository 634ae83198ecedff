"""RETRY with a naive start_time is read as UTC; the task runs again and succeeds."""
import datetime

from prefect import Flow, task
from prefect.engine import signals

ATTEMPTS = []


@task
def call_api():
    ATTEMPTS.append(1)
    if len(ATTEMPTS) == 1:
        raise signals.RETRY("rate limited", start_time=datetime.datetime.utcnow()
                            + datetime.timedelta(seconds=1))
    return len(ATTEMPTS)


with Flow("retry-naive-start-time") as flow:
    call_api()
