"""Independent branches and a map on LocalDaskExecutor processes, passed to flow.run."""
from prefect import Flow, Parameter, task
from prefect.executors import LocalDaskExecutor


@task
def square(x):
    return x * x


@task
def add(x, y):
    return x + y


with Flow("local-dask-processes") as flow:
    n = Parameter("n", default=4)
    squares = square.map([1, 2, 3])
    left = add(n, 1)
    right = add(n, 2)
    both = add(left, right)

RUN_KWARGS = {"executor": LocalDaskExecutor(scheduler="processes", num_workers=2)}
