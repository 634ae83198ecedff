"""task_run_name from a template and from a callable, with parameters, context and inputs."""
import prefect
from prefect import Flow, Parameter, task, unmapped


@task(task_run_name="{flow_name}/{table}/{x}")
def from_template(x):
    return prefect.context.get("task_run_name")


@task(task_run_name=lambda **kw: "{}-{}-{}".format(kw["table"], kw["map_index"], kw["x"]))
def from_callable(x):
    return prefect.context.get("task_run_name")


with Flow("named runs") as flow:
    table = Parameter("table", default="iptu")
    templated = from_template(1, upstream_tasks=[table])
    called = from_callable.map([7, 8], upstream_tasks=[unmapped(table)])
