"""pause_task: the task ends Paused (downstream waits); resumed, it runs past the pause."""
import datetime

from prefect import Flow, task
from prefect.engine import signals
from prefect.engine.flow_runner import FlowRunner
from prefect.engine.state import Resume
from prefect.utilities.tasks import pause_task

CALLS = []


@task
def publish():
    CALLS.append("before pause")
    pause_task("waiting for sign-off")
    return "published"


@task
def announce(what):
    return what + "!"


with Flow("inner") as inner:
    published = publish()
    announced = announce(published)

paused = FlowRunner(inner).run(return_tasks=[published, announced])
resumed = FlowRunner(inner).run(return_tasks=[published, announced],
                                task_states={published: Resume()})
try:
    pause_task(duration=datetime.timedelta(minutes=5))
except signals.PAUSE as exc:
    WAIT_S = round((exc.state.start_time - datetime.datetime.now(datetime.timezone.utc))
                   .total_seconds() / 60)
    DEFAULT_MESSAGE = str(exc)

OUTCOME = {
    "paused": [type(paused.result[published]).__name__, paused.result[published].message,
               type(paused.result[announced]).__name__],
    "resumed": [resumed.result[published].result, resumed.result[announced].result],
    "calls": CALLS,
    "duration_minutes": WAIT_S,
    "default_message": DEFAULT_MESSAGE,
}


@task
def observed():
    return OUTCOME


with Flow("pause-task") as flow:
    observed()
    # A run that is resuming does not pause.
    publish()

RUN_KWARGS = {"context": {"resume": True}}
