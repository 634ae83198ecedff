"""set_temporary_config: values set for a block, seen by flow runs and tasks, then restored."""
import prefect
from prefect import Flow, task
from prefect.utilities.configuration import set_temporary_config


@task
def read_config():
    config = prefect.context.config
    return {"checkpointing": config.flows.checkpointing, "table": config.my_app.table}


with Flow("inner") as inner:
    read = read_config()

with set_temporary_config({"flows.checkpointing": True, "my_app.table": "iptu"}) as given:
    INSIDE = {
        "yielded_is_config": given is prefect.config,
        "global": [prefect.config.flows.checkpointing, prefect.config.my_app.table],
        "run": inner.run().result[read].result,
    }
AFTER = {"checkpointing": prefect.config.flows.checkpointing, "my_app": "my_app" in prefect.config}
try:
    with set_temporary_config({"flows.checkpointing.deeper": 1}):
        pass
except TypeError:
    AFTER["below_a_value"] = "TypeError"


@task
def observed():
    return {"inside": INSIDE, "after": AFTER}


with Flow("set-temporary-config") as flow:
    observed()
