"""Mapping over an empty list yields no children; the reduce step still runs on []."""
from prefect import Flow, task


@task
def nothing_new():
    return []


@task
def process(item):
    return item * 2


@task
def summarize(results):
    return {"count": len(results), "results": results}


with Flow("map-empty") as flow:
    processed = process.map(nothing_new())
    twice = process.map(processed)
    summarize(twice)
