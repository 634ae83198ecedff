"""Task state handlers: one records transitions, one turns a Failed state into a Success."""
from prefect import Flow, task, triggers
from prefect.engine.state import Failed, Success

TRANSITIONS = []


def record(task, old_state, new_state):
    TRANSITIONS.append(f"{task.name}: {type(old_state).__name__} -> {type(new_state).__name__}")
    return new_state


def forgive_failures(task, old_state, new_state):
    if isinstance(new_state, Failed):
        return Success(message=f"forgiven: {new_state.message}", result="fallback value")
    return None


@task(state_handlers=[record])
def extract():
    return 21


@task(state_handlers=[record, forgive_failures])
def fragile(x):
    raise ValueError(f"cannot parse {x}")


@task
def consume(value):
    return f"consumed {value}"


@task(trigger=triggers.always_run)
def transitions(a, b):
    return list(TRANSITIONS)


with Flow("task-state-handlers") as flow:
    x = extract()
    value = fragile(x)
    used = consume(value)
    transitions(x, used)
