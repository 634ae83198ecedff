"""A required parameter that is not supplied: flow.run raises before any task runs."""
from prefect import Flow, Parameter, task


@task
def report(day):
    return f"report for {day}"


with Flow("required-parameter-missing") as flow:
    day = Parameter("day", required=True)
    report(day)
