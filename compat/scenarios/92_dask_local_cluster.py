"""DaskExecutor creating a LocalCluster for the run, with retries inside the map."""
import datetime

from prefect import Flow, task
from prefect.executors import DaskExecutor


@task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
def parse(text):
    return int(text)


@task
def total(values):
    return sum(values)


with Flow("dask-local-cluster") as flow:
    values = parse.map(["1", "2", "x", "4"])
    result = total(values)

RUN_KWARGS = {
    "executor": DaskExecutor(
        cluster_kwargs={"n_workers": 1, "threads_per_worker": 2, "processes": False,
                        "dashboard_address": None}
    )
}
