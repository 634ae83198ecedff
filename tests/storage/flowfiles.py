"""Flow files the storage tests write to disk, and a helper to run a rebuilt flow."""

from __future__ import annotations

from pathlib import Path

from caudal import Flow

# A standalone flow file, as a team writes one: tasks and flow in one script.
DOUBLE = '''\
from caudal import Flow, Parameter, task


@task
def double(x):
    return 2 * x


with Flow("double") as flow:
    double(Parameter("x", default=21))
'''

# A second flow, for folders and modules with several.
GREET = '''\
from caudal import Flow, task


@task
def greet():
    return "hello"


with Flow("greet") as greet_flow:
    greet()
'''

HELPERS = "VALUE = 1\n"


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name`` (making folders) and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_result(flow: Flow, task_name: str, **parameters: object) -> object:
    """Run ``flow`` and return the result of its task named ``task_name``."""
    state = flow.run(parameters=parameters or None)
    assert state.is_successful(), state
    return state.result[flow.get_tasks(name=task_name)[0]].result
