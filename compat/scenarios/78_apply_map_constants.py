"""apply_map over plain lists and keywords, with an unmapped constant and a failing item."""
from prefect import Flow, apply_map, flatten, task, unmapped


@task
def divide(x, by):
    return x / by


@task
def describe(value, unit):
    return f"{value:.1f} {unit}"


@task
def stamp():
    return "ok"


def convert(x, by, unit):
    return describe(divide(x, by), unit), stamp()


with Flow("apply-map-constants") as flow:
    converted = apply_map(convert, [10, 20, 30], by=[2, 0, 3], unit=unmapped("km"))
    flat = apply_map(divide, flatten([[1, 2], [4]]), by=unmapped(4))
