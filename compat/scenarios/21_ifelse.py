"""ifelse() picks one of two tasks from a condition task; merge collects whichever ran."""
from prefect import Flow, Parameter, task
from prefect.tasks.control_flow import ifelse, merge


@task
def has_rows(count):
    return count > 0


@task
def load_rows():
    return "loaded rows"


@task
def log_empty():
    return "nothing to load"


with Flow("ifelse") as flow:
    count = Parameter("count", default=0)
    loaded = load_rows()
    empty = log_empty()
    ifelse(has_rows(count), loaded, empty)
    merge(loaded, empty)
