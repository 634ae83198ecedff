"""State handlers on a cached and checkpointed task: they see Running -> Success -> Cached on
the first run, and Pending -> Cached when the second run reuses the cache."""
from datetime import timedelta

from prefect import Flow, task
from prefect.engine.results import LocalResult

SEEN = []


def record(task, old_state, new_state):
    SEEN.append([type(old_state).__name__, type(new_state).__name__,
                 new_state.message])
    return new_state


@task(cache_for=timedelta(hours=1), state_handlers=[record],
      result=LocalResult(dir="results", location="{task_name}.pkl"))
def fetch():
    return {"rows": 3}


@task
def seen(_):
    return list(SEEN)


with Flow("handlers") as flow:
    seen(fetch())

flow.run(context={"checkpointing": True})
RUN_KWARGS = {"context": {"checkpointing": True}}
