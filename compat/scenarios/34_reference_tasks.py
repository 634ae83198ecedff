"""set_reference_tasks: a failing side task does not fail the flow; then a failing reference does."""
from prefect import Flow, task, triggers


@task
def main_load():
    return "loaded"


@task
def optional_metrics():
    raise RuntimeError("metrics endpoint down")


@task(trigger=triggers.all_finished)
def finalize(a, b):
    return "finalized"


with Flow("reference-tasks") as flow:
    loaded = main_load()
    metrics = optional_metrics()
    done = finalize(loaded, metrics)

flow.set_reference_tasks([done])
