"""A flow with LocalResult run locally without checkpointing: results stay in memory, no file
is written, and the result directory is created but left empty."""
import os

from prefect import Flow, task
from prefect.engine.results import LocalResult


@task(result=LocalResult(dir="own", location="{task_name}.pkl"))
def extract():
    return [1, 2, 3]


@task
def transform(rows):
    return [r * 10 for r in rows]


@task
def inventory(rows):
    return {
        "dirs": sorted(d for d in ("own", "results") if os.path.isdir(d)),
        "files": sorted(n for d in ("own", "results") for n in os.listdir(d)),
        "rows": rows,
    }


with Flow("in-memory", result=LocalResult(dir="results")) as flow:
    inventory(transform(extract()))
