"""A result its serializer cannot write (a set, as JSON) fails the task run with checkpointing
on, and the run is retried like any failure."""
from datetime import timedelta

import prefect
from prefect import Flow, task
from prefect.engine.results import LocalResult
from prefect.engine.serializers import JSONSerializer

ATTEMPTS = []


@task(result=LocalResult(dir="out", serializer=JSONSerializer(), location="tags.json"),
      max_retries=1, retry_delay=timedelta(seconds=0.1))
def tags():
    ATTEMPTS.append(prefect.context.get("task_run_count"))
    return {"etl", "daily"}


@task(trigger=prefect.triggers.always_run)
def attempts(_):
    return list(ATTEMPTS)


with Flow("write-failure") as flow:
    attempts(tags())

RUN_KWARGS = {"context": {"checkpointing": True}}
