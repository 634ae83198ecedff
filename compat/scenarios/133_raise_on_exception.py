"""raise_on_exception: task, trigger and state handler errors propagate out of flow.run();
signals still set states; without the block, errors become Failed states."""
from datetime import timedelta

from prefect import Flow, task
from prefect.engine import signals
from prefect.utilities.debug import raise_on_exception

ATTEMPTS = []


@task
def divide(x):
    return 1 / x


@task(max_retries=2, retry_delay=timedelta(0))
def flaky():
    ATTEMPTS.append(1)
    raise ConnectionError("database away")


@task
def skip():
    raise signals.SKIP("nothing to do")


def broken_handler(task, old, new):
    raise KeyError("handler")


@task(state_handlers=[broken_handler])
def handled():
    return 1


@task(trigger=lambda upstream: 1 / 0)
def triggered():
    return 1


def outcome(build):
    with Flow("inner") as inner:
        build()
    with raise_on_exception():
        try:
            state = inner.run()
        except Exception as exc:
            return {"raised": type(exc).__name__, "message": str(exc)}
    return {"state": type(state).__name__,
            "tasks": sorted(type(s).__name__ for s in state.result.values())}


OUTCOMES = {
    "task": outcome(lambda: divide(0)),
    "mapped": outcome(lambda: divide.map([1, 0])),
    "retries": outcome(flaky),
    "handler": outcome(handled),
    "trigger": outcome(triggered),
    "signal": outcome(skip),
    "attempts": len(ATTEMPTS),
}


@task
def observed():
    return OUTCOMES


with Flow("raise-on-exception") as flow:
    observed()
    divide(0)
