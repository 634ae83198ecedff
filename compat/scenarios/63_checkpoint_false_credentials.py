"""The credentials pattern: with checkpointing on and a flow result, a checkpoint=False task's
value reaches its downstream task but is never written; the others are."""
import os

from prefect import Flow, task
from prefect.engine.results import LocalResult


@task(checkpoint=False)
def get_credentials():
    return {"user": "etl", "password": "s3cret"}


@task
def connect(creds):
    return f"connected as {creds['user']}"


@task(checkpoint=False)
def query(conn):
    return [1, 2, 3]


@task
def files_written(conn, rows):
    return sorted(os.listdir("results"))


with Flow("credentials", result=LocalResult(dir="results", location="{task_name}.pkl")) as flow:
    conn = connect(get_credentials())
    rows = query(conn)
    files_written(conn, rows)

RUN_KWARGS = {"context": {"checkpointing": True}}
