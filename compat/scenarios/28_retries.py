"""max_retries with a short retry_delay: one task recovers on its third run, one exhausts retries."""
from datetime import timedelta

import prefect
from prefect import Flow, task

ATTEMPTS = {"flaky": 0, "broken": 0}


@task(max_retries=3, retry_delay=timedelta(seconds=0.2))
def flaky_download():
    ATTEMPTS["flaky"] += 1
    if ATTEMPTS["flaky"] < 3:
        raise ConnectionError(f"connection reset (attempt {ATTEMPTS['flaky']})")
    return {"attempts": ATTEMPTS["flaky"], "run_count": prefect.context.get("task_run_count")}


@task(max_retries=1, retry_delay=timedelta(seconds=0.1))
def broken_upload():
    ATTEMPTS["broken"] += 1
    raise RuntimeError(f"bucket not found (attempt {ATTEMPTS['broken']})")


@task
def report(download):
    return f"downloaded after {download['attempts']} attempts"


with Flow("retries") as flow:
    report(flaky_download())
    broken_upload()
