"""Values read from prefect.context inside tasks, including mapped children and run-time context."""
import prefect
from prefect import Flow, Parameter, task


@task
def whoami():
    ctx = prefect.context
    return {
        "task_name": ctx.get("task_name"),
        "task_slug": ctx.get("task_slug"),
        "flow_name": ctx.get("flow_name"),
        "map_index": ctx.get("map_index"),
        "task_run_count": ctx.get("task_run_count"),
        "parameters": dict(ctx.get("parameters", {})),
        "env": ctx.get("env"),
    }


@task(name="per item")
def per_item(item):
    return {
        "item": item,
        "map_index": prefect.context.map_index,
        "task_name": prefect.context["task_name"],
    }


@task
def logger_works():
    logger = prefect.context.get("logger")
    logger.info("logging from inside a task")
    return logger is not None


with Flow("context-values") as flow:
    flow.add_task(Parameter("region", default="rmr"))
    flow.add_task(Parameter("limit", default=3))
    whoami()
    per_item.map(["a", "b", "c"])
    logger_works()

RUN_KWARGS = {"parameters": {"limit": 10}, "context": {"env": "staging"}}
