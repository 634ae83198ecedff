"""callback_factory turns a function and a check into a state handler."""
from prefect import Flow, task
from prefect.utilities.notifications import callback_factory

SEEN = []
on_failure = callback_factory(lambda obj, state: SEEN.append([obj.name, type(state).__name__,
                                                              state.message]),
                              lambda state: state.is_failed())


@task(state_handlers=[on_failure])
def load():
    raise ValueError("boom")


@task(state_handlers=[on_failure])
def fine():
    return 1


@task(trigger=lambda upstream: True)
def collect(upstream=None):
    return sorted(SEEN)


with Flow("callback factory") as flow:
    collect(upstream_tasks=[load(), fine()])
