"""A flow given a (deprecated) LocalEnvironment runs as any flow does and keeps it."""
import warnings

from prefect import Flow, task
from prefect.environments import LocalEnvironment

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    environment = LocalEnvironment(labels=["etl", "daily"], metadata={"image": "etl:1"})


@task
def extract():
    return [1, 2, 3]


@task
def describe(rows):
    return {"rows": sum(rows), "labels": sorted(environment.labels),
            "metadata": environment.metadata, "type": type(environment).__name__,
            "executor": type(environment.executor).__name__,
            "repr": repr(environment)}


with Flow("with local environment", environment=environment) as flow:
    describe(extract())
