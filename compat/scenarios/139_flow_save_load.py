"""flow.save() writes <home_dir>/flows/<slug> by default; Flow.load() reads by path or name."""
import os
import tempfile

from prefect import Flow, Parameter, task
from prefect.utilities.configuration import set_temporary_config


@task
def double(x):
    return 2 * x


with Flow("ETL: Daily Über") as built:
    double(Parameter("x", default=21))

HOME = tempfile.mkdtemp()
with set_temporary_config({"home_dir": HOME}):
    DEFAULT_PATH = built.save()
    by_name = Flow.load("ETL: Daily Über")
EXPLICIT = os.path.join(HOME, "explicit.flow")
RETURNED = built.save(EXPLICIT)

flow = Flow.load(EXPLICIT)


@task
def observed():
    return {
        "default": os.path.relpath(DEFAULT_PATH, HOME),
        "returned": RETURNED == EXPLICIT,
        "by_name": by_name.name,
    }


flow.add_task(observed)
