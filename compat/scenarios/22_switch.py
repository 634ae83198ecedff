"""switch() runs the branch whose key matches the condition value; the others are skipped."""
from prefect import Flow, Parameter, task
from prefect.tasks.control_flow import merge, switch


@task
def file_kind(path):
    return path.rsplit(".", 1)[-1]


@task
def read_csv():
    return "csv reader"


@task
def read_json():
    return "json reader"


@task
def read_parquet():
    return "parquet reader"


@task
def after(reader):
    return f"used {reader}"


with Flow("switch") as flow:
    path = Parameter("path", default="dados/iptu.json")
    csv, js, pq = read_csv(), read_json(), read_parquet()
    switch(file_kind(path), {"csv": csv, "json": js, "parquet": pq})
    after(merge(csv, js, pq))
