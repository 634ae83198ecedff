"""flow.run with a parameter the flow does not declare: Prefect raises before running."""
from prefect import Flow, Parameter, task


@task
def echo(value):
    return value


with Flow("unexpected-parameter") as flow:
    echo(Parameter("known", default=1))

RUN_KWARGS = {"parameters": {"known": 2, "unknown": 3}}
