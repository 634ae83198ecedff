"""A signal raised inside a task's state handler ends the task in the signal's state."""
from prefect import Flow, task
from prefect.engine import signals


def fail_when_done(task, old, new):
    if new.is_successful():
        raise signals.FAIL("the row count looked wrong")
    return new


def skip_on_start(task, old, new):
    if new.is_running():
        raise signals.SKIP("nothing to load on holidays")
    return new


def succeed_on_start(task, old, new):
    if new.is_running():
        raise signals.SUCCESS("already loaded", result=7)
    return new


def broken(task, old, new):
    if new.is_running():
        raise ValueError("the handler itself is broken")
    return new


@task(state_handlers=[fail_when_done])
def count_rows():
    return 10


@task(state_handlers=[skip_on_start])
def load_holiday():
    return "loaded"


@task(state_handlers=[succeed_on_start])
def load_again():
    return "loaded twice"


@task(state_handlers=[broken])
def load_broken():
    return "never"


@task
def report(x):
    return x


with Flow("signal-in-state-handler") as flow:
    report(count_rows())
    report(load_holiday())
    report(load_again())
    report(load_broken())
