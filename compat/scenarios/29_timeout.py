"""A task that runs past its timeout ends TimedOut; its downstream task is TriggerFailed."""
import time

from prefect import Flow, task


@task(timeout=1)
def slow_query():
    time.sleep(1.5)
    return "too late"


@task(timeout=5)
def quick_query():
    return "in time"


@task
def publish(result):
    return result


with Flow("timeout") as flow:
    publish(slow_query())
    quick_query()
