"""case blocks nested three deep; only the innermost matching branch runs."""
from prefect import Flow, Parameter, case, task
from prefect.tasks.control_flow import merge


@task
def positive(x):
    return x > 0


@task
def even(x):
    return x % 2 == 0


@task
def large(x):
    return x > 100


@task
def label(text):
    return text


with Flow("case-nested") as flow:
    x = Parameter("x", default=42)
    with case(positive(x), True):
        with case(even(x), True):
            with case(large(x), True):
                big = label("positive even large")
            with case(large(x), False):
                small = label("positive even small")
        with case(even(x), False):
            odd = label("positive odd")
    result = merge(big, small, odd)
