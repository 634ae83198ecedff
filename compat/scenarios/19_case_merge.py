"""case(cond, True/False) branches joined by merge; the untaken branch is Skipped."""
import prefect
from prefect import Flow, Parameter, case, task
from prefect.tasks.control_flow import merge


@task
def is_weekend(day):
    return day in ("sat", "sun")


@task
def light_load():
    return "light"


@task
def full_load():
    return "full"


@task
def notify(mode):
    return f"ran {mode} load"


with Flow("case-merge") as flow:
    day = Parameter("day", default="mon")
    weekend = is_weekend(day)
    with case(weekend, True):
        light = light_load()
    with prefect.case(weekend, False):
        full = full_load()
    notify(merge(light, full))
