"""Mapping over a list with an unmapped argument and a mapped keyword, then a reduce step."""
from prefect import Flow, Parameter, task, unmapped
from prefect.utilities.edges import unmapped as edges_unmapped


@task
def cities():
    return ["recife", "olinda", "paulista"]


@task
def tag(city, prefix, suffix):
    return f"{prefix}{city}{suffix}"


@task
def count(items):
    return len(items)


@task
def join(items, sep):
    return sep.join(items)


with Flow("map-unmapped") as flow:
    prefix = Parameter("prefix", default="pe/")
    tagged = tag.map(cities(), unmapped(prefix), suffix=edges_unmapped(".csv"))
    count(tagged)
    join(tagged, ", ")
