"""State-only dependencies through upstream_tasks=, plus a mapped task waiting on a setup task."""
from prefect import Flow, task

LOG = []


@task
def create_table():
    LOG.append("create_table")
    return "table ready"


@task
def fetch():
    LOG.append("fetch")
    return [1, 2, 3]


@task
def insert(row):
    return row * 100


@task
def audit():
    return list(LOG)


with Flow("upstream-tasks") as flow:
    ready = create_table()
    rows = fetch(upstream_tasks=[ready])
    inserted = insert.map(rows, upstream_tasks=[ready])
    audit(upstream_tasks=[inserted])
