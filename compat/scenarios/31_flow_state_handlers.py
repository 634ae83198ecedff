"""Flow state handlers: one records transitions, one replaces the final Failed with a Success."""
from prefect import Flow, task
from prefect.engine.state import Failed, Success

SEEN = []


def record(flow, old_state, new_state):
    SEEN.append(f"{type(old_state).__name__}->{type(new_state).__name__}")
    return new_state


def downgrade_failure(flow, old_state, new_state):
    if new_state.is_failed():
        return Success(
            message=f"failure tolerated; transitions: {', '.join(SEEN)}",
            result=new_state.result,
        )
    return new_state


@task
def load():
    return [1, 2]


@task
def notify(rows):
    raise RuntimeError("smtp unavailable")


with Flow("flow-state-handlers", state_handlers=[record, downgrade_failure]) as flow:
    notify(load())
