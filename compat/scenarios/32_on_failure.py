"""on_failure callbacks on tasks and on the flow; a final always_run task reports the calls."""
from prefect import Flow, task, triggers

CALLS = []


def alert(task, state):
    CALLS.append(f"alert: {task.name} {type(state).__name__}: {state.message}")


def flow_alert(flow, state):
    CALLS.append(f"flow alert: {flow.name}")


@task(on_failure=alert)
def parse(text):
    return int(text)


@task(on_failure=alert)
def store(number):
    return number


@task(on_failure=alert)
def fine():
    return "fine"


@task(trigger=triggers.always_run)
def summary(a, b):
    return list(CALLS)


with Flow("on-failure", on_failure=flow_alert) as flow:
    number = parse("12a")
    stored = store(number)
    summary(stored, fine())
