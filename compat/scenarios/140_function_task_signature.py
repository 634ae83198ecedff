"""inspect.signature of a @task function: its parameters, then the keywords of calling it."""
import inspect

from prefect import Flow, task


@task
def load(table, rows=None, **options):
    return table


@task
def signatures():
    return {"decorated": str(inspect.signature(load)),
            "run": str(inspect.signature(load.run))}


with Flow("function-task-signature") as flow:
    signatures()
