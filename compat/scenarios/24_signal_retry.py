"""RETRY raised by hand on the first run; the task succeeds on its second run."""
from datetime import timedelta

import prefect
from prefect import Flow, task
from prefect.engine.signals import RETRY


@task(max_retries=2, retry_delay=timedelta(seconds=0.2))
def poll_export():
    run_count = prefect.context.get("task_run_count")
    if run_count < 2:
        raise RETRY("export not ready yet")
    return f"export ready after {run_count} runs"


@task
def download(status):
    return status.upper()


with Flow("signal-retry") as flow:
    download(poll_export())
