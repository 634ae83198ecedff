"""ENDRUN carrying an explicit state: a Success with a result, a Skipped and a Failed."""
from prefect import Flow, task
from prefect.engine import signals
from prefect.engine.state import Failed, Skipped, Success


@task
def cached_lookup():
    raise signals.ENDRUN(Success(message="served from cache", result=[1, 2, 3]))


@task
def double(values):
    return [v * 2 for v in values]


@task
def skip_by_state():
    raise signals.ENDRUN(state=Skipped("disabled by operator"))


@task
def after_skip(x):
    return x


@task
def fail_by_state():
    raise signals.ENDRUN(Failed("quota exceeded", result="quota"))


with Flow("signal-endrun") as flow:
    double(cached_lookup())
    after_skip(skip_by_state())
    fail_by_state()
