"""Results of assorted Python types: tuples, sets, nested dicts with non-string keys, bytes, None."""
from prefect import Flow, task


@task
def as_tuple():
    return ("a", 1, 2.5)


@task
def as_set():
    return {"z", "a", "m"}


@task
def int_keys():
    return {1: "one", 2: ["two", {3: "three"}]}


@task
def raw_bytes():
    return b"\x00data"


@task
def nothing():
    return None


@task
def frozen():
    return frozenset([3, 1, 2])


with Flow("result-types") as flow:
    as_tuple()
    as_set()
    int_keys()
    raw_bytes()
    nothing()
    frozen()
