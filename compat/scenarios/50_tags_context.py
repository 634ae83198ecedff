"""Tasks created inside `with prefect.tags(...)` carry the tags, which also show in their slugs."""
import prefect
from prefect import Flow, task


@task(tags=["db"])
def query():
    return sorted(prefect.context.get("task_tags", []))


@task
def plain():
    return sorted(prefect.context.get("task_tags", []))


with Flow("tags-context") as flow:
    with prefect.tags("etl", "nightly"):
        query()
        plain()
    plain()
