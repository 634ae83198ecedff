"""Results: where a task's return value is stored, and how (Prefect 0.15 path).

A Result has a ``location`` template, filled from the run when it is written, and a
serializer. A task's result is written when checkpointing is on for the run and the task
does not say ``checkpoint=False``; a ``target`` that already exists means the task does not
run again::

    from caudal import Flow, task
    from caudal.engine.results import LocalResult

    @task(target="{task_name}/{today}.pkl", checkpoint=True)
    def extract():
        ...

    with Flow("etl", result=LocalResult(dir="./results")) as flow:
        extract()

    with caudal.context(checkpointing=True):  # or CAUDAL__FLOWS__CHECKPOINTING=true
        flow.run()

Each Result type reads, writes and checks for one kind of storage, and never changes
itself: ``read`` and ``write`` return a new Result with the value and the final location.
"""

from caudal.engine.results.azure import AzureResult
from caudal.engine.results.base import NoResult, NoResultType, Result, ResultNotImplementedError
from caudal.engine.results.constant import ConstantResult
from caudal.engine.results.fsspec import FSSpecResult
from caudal.engine.results.gcs import GCSResult
from caudal.engine.results.local import LocalResult
from caudal.engine.results.pack import LocalPackResult
from caudal.engine.results.prefect import PrefectResult
from caudal.engine.results.s3 import S3Result
from caudal.engine.results.secret import SecretResult

__all__ = [
    "AzureResult",
    "ConstantResult",
    "FSSpecResult",
    "GCSResult",
    "LocalPackResult",
    "LocalResult",
    "NoResult",
    "NoResultType",
    "PrefectResult",
    "Result",
    "ResultNotImplementedError",
    "S3Result",
    "SecretResult",
]
