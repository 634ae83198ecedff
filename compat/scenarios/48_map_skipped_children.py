"""Mapped children that SKIP: their downstream children skip, the reduce sees the remaining values."""
from prefect import Flow, task
from prefect.engine import signals


@task
def files():
    return ["a.csv", "empty.csv", "b.csv"]


@task
def read(name):
    if name.startswith("empty"):
        raise signals.SKIP(f"{name} has no rows")
    return name.upper()


@task
def parse(text):
    return text.replace(".CSV", "")


@task(skip_on_upstream_skip=False)
def gather(parsed):
    return [p for p in parsed if p is not None]


with Flow("map-skipped-children") as flow:
    parsed = parse.map(read.map(files()))
    gather(parsed)
