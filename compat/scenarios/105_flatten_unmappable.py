"""flatten() of something that is not a sequence of sequences: mapped over, that task fails
(unmappable) and nothing else; passed unmapped, it arrives as it is."""
from prefect import Flow, flatten, task, unmapped


@task
def hundred():
    return 100


@task
def mixed():
    return [[1], [2, 3], 4]


@task
def nested():
    return [[1], [2, 3]]


@task
def add(x, y=0):
    return x + y if not isinstance(x, list) else [x, y]


@task
def pair(x, y=None):
    return [x, y]


@task
def numbers():
    return [1, 2, 3]


@task
def after(x):
    return x


with Flow("flatten-unmappable") as flow:
    bad = add.map(flatten(hundred()))
    after(bad)
    add.map(numbers(), y=unmapped(flatten(hundred())))
    pair.map(flatten(mixed()))
    pair(flatten(nested()))
    pair.map(flatten(nested()))
