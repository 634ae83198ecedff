"""cache_for with the default validator: the second flow.run in the same process reuses the
cached state (even for a new parameter value) and the task is not called again."""
from datetime import timedelta

from prefect import Flow, Parameter, task

CALLS = []


@task(cache_for=timedelta(hours=1))
def expensive(n):
    CALLS.append(n)
    return {"n": n, "calls": len(CALLS)}


@task
def count_calls(result):
    return list(CALLS)


with Flow("cache-for") as flow:
    out = expensive(Parameter("n", default=1))
    count_calls(out)

flow.run()
RUN_KWARGS = {"parameters": {"n": 2}}
