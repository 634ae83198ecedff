"""Map that returns lists, flatten() into the next map, then map over mapped results."""
from prefect import Flow, flatten, task


@task
def batches():
    return [[1, 2], [3], [4, 5, 6]]


@task
def explode(batch):
    return [item * 10 for item in batch]


@task
def inc(x):
    return x + 1


@task
def as_text(x):
    return f"#{x}"


@task
def total(values):
    return sum(values)


with Flow("map-flatten") as flow:
    nested = explode.map(batches())
    flat = inc.map(flatten(nested))
    labels = as_text.map(flat)
    total(flat)
    inc.map(flatten(batches()))
