"""set_upstream / set_downstream with and without keys, outside and inside the flow block."""
from prefect import Flow, task


@task
def numbers():
    return [1, 2, 3]


@task
def total(values):
    return sum(values)


@task
def double(value):
    return value * 2


@task
def announce():
    return "announced"


@task
def cleanup():
    return "cleaned"


with Flow("set-upstream-downstream") as flow:
    nums = numbers()
    total.set_upstream(nums, key="values")
    doubled = double.copy()
    doubled.set_upstream(nums, key="value", mapped=True)
    announce.set_downstream(cleanup)
    cleanup.set_upstream(doubled)
