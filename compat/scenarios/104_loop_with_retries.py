"""A LOOP whose iterations fail once each at two places: with max_retries=1 each failure is
retried from its own iteration (retries count per iteration), and the loop ends Success."""
import datetime

import prefect
from prefect import Flow, task
from prefect.engine import signals

FAILS = {2: 1, 5: 1}
SEEN = []


@task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
def page_through():
    loop = prefect.context.get("task_loop_count", 1)
    SEEN.append([loop, prefect.context.get("task_run_count"),
                 prefect.context.get("task_loop_result")])
    if FAILS.get(loop):
        FAILS[loop] -= 1
        raise ValueError(f"page {loop} timed out")
    if loop < 6:
        raise signals.LOOP(result=loop * 10)
    return loop


@task
def seen(_):
    return SEEN


with Flow("loop-with-retries") as flow:
    seen(page_through())
