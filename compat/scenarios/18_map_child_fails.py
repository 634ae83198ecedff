"""One mapped child raises; its downstream child and the reduce step end TriggerFailed."""
from prefect import Flow, task


@task
def values():
    return [4, 2, 0, 1]


@task
def invert(x):
    return 8 // x


@task
def plus_one(x):
    return x + 1


@task
def total(xs):
    return sum(xs)


with Flow("map-child-fails") as flow:
    inverted = invert.map(values())
    bumped = plus_one.map(inverted)
    total(bumped)
