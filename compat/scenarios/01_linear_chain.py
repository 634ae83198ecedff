"""A plain extract -> transform -> load chain built with @task and the `with Flow` block."""
from prefect import Flow, task


@task
def extract():
    return [3, 1, 2]


@task
def transform(rows):
    return sorted(row * 10 for row in rows)


@task
def load(rows):
    return {"loaded": len(rows), "total": sum(rows)}


with Flow("linear-chain") as flow:
    rows = extract()
    clean = transform(rows)
    load(clean)
