"""A DataFrame checkpointed as CSV with PandasSerializer; the next run finds the target and
reads the DataFrame back with the same serializer."""
import pandas as pd

from prefect import Flow, task
from prefect.engine.results import LocalResult
from prefect.engine.serializers import PandasSerializer

CSV = LocalResult(dir="data", serializer=PandasSerializer(
    "csv", serialize_kwargs={"index": False}))


@task(target="{task_name}.csv", result=CSV)
def build_frame():
    return pd.DataFrame({"id": [1, 2, 3], "valor": [10.5, 3.0, 7.25]})


@task
def total(frame):
    return float(frame["valor"].sum())


with Flow("pandas-result") as flow:
    total(build_frame())

flow.run(context={"checkpointing": True})
