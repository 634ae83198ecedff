"""LOOP signal paging through an API until the last page; the downstream task sees the final result."""
import prefect
from prefect import Flow, task
from prefect.engine.signals import LOOP

PAGES = {0: ["a", "b"], 1: ["c"], 2: []}


@task
def fetch_all():
    loop = prefect.context.get("task_loop_result", {"page": 0, "rows": []})
    page = PAGES[loop["page"]]
    if not page:
        return loop["rows"]
    raise LOOP(
        message=f"page {loop['page']}",
        result={"page": loop["page"] + 1, "rows": loop["rows"] + page},
    )


@task
def count(rows):
    return len(rows)


with Flow("loop-signal") as flow:
    count(fetch_all())
