"""A mapped ETL on LocalDaskExecutor threads: one child fails, the reduce sees it."""
from prefect import Flow, task, unmapped
from prefect.executors import LocalDaskExecutor


@task
def extract():
    return ["a", "bb", "", "dddd", "ee"]


@task
def measure(word, scale):
    if not word:
        raise ValueError("empty word")
    return len(word) * scale


@task(trigger=lambda upstream_states: True)
def summarize(sizes):
    return [s if isinstance(s, int) else type(s).__name__ for s in sizes]


with Flow("local-dask-threads", executor=LocalDaskExecutor(scheduler="threads", num_workers=4)) as flow:
    sizes = measure.map(extract(), unmapped(10))
    summary = summarize(sizes)
