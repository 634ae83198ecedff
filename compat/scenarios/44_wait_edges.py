"""State-only edges: `a | b` chains, upstream_tasks= on a call, and set_dependencies downstream."""
from prefect import Flow, task

ORDER = []


@task
def step(name):
    ORDER.append(name)
    return name


@task
def order():
    return list(ORDER)


with Flow("wait-edges") as flow:
    drop = step("drop staging")
    create = step("create staging")
    copy = step("copy rows")
    swap = step("swap tables")
    drop | create | copy
    swap.set_dependencies(upstream_tasks=[copy])
    order(upstream_tasks=[swap])
