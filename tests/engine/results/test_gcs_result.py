"""GCSResult against a real GCS emulator (gcp-storage-emulator) on 127.0.0.1."""

from __future__ import annotations

import pandas as pd
import pytest
from gcsfs.core import GCSFileSystem

from caudal import Flow, task
from caudal.engine.results import GCSResult
from caudal.engine.serializers import PandasSerializer
from caudal.engine.state import Cached, Success

pytestmark = pytest.mark.timeout(60)


def test_write_puts_a_blob_named_by_the_location(gcs_bucket):
    result = GCSResult(bucket=gcs_bucket.name, location="{flow_name}/{task_name}.pkl",
                       storage_options=gcs_bucket.client_kwargs)

    written = result.write([1, 2], flow_name="etl", task_name="load")

    assert written.location == "etl/load.pkl"
    fs = GCSFileSystem(**gcs_bucket.client_kwargs)
    assert fs.exists(f"{gcs_bucket.name}/etl/load.pkl")
    assert result.read("etl/load.pkl").value == [1, 2]


def test_exists_is_false_until_written(gcs_bucket):
    result = GCSResult(bucket=gcs_bucket.name, storage_options=gcs_bucket.client_kwargs)

    assert result.exists("{x}.pkl", x=1) is False
    GCSResult(bucket=gcs_bucket.name, location="{x}.pkl",
              storage_options=gcs_bucket.client_kwargs).write("v", x=1)
    assert result.exists("{x}.pkl", x=1) is True


def test_endpoint_url_argument_reaches_the_emulator(gcs_bucket):
    result = GCSResult(bucket=gcs_bucket.name, endpoint_url=gcs_bucket.endpoint_url,
                       storage_options={"token": "anon"}, location="a.pkl")

    assert result.read(result.write(3).location).value == 3


def test_storage_emulator_host_variable_reaches_the_emulator(gcs_bucket, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_bucket.endpoint_url)
    result = GCSResult(bucket=gcs_bucket.name, storage_options={"token": "anon"},
                       location="env.pkl")

    assert result.read(result.write("via env").location).value == "via env"


def test_pandas_parquet_result_round_trips_a_dataframe(gcs_bucket):
    result = GCSResult(bucket=gcs_bucket.name, storage_options=gcs_bucket.client_kwargs,
                       location="frame.parquet", serializer=PandasSerializer("parquet"))
    frame = pd.DataFrame({"id": [1, 2], "valor": [10.5, 3.0]})

    back = result.read(result.write(frame).location).value

    assert back.to_dict(orient="records") == frame.to_dict(orient="records")


def test_flow_checkpoints_to_gcs_and_a_target_there_skips_the_next_run(gcs_bucket):
    calls = []
    result = GCSResult(bucket=gcs_bucket.name, storage_options=gcs_bucket.client_kwargs)

    @task(target="{flow_name}/{task_name}.pkl", checkpoint=True)
    def extract():
        calls.append(1)
        return {"rows": 3}

    with Flow("gcs-etl", result=result) as flow:
        out = extract()

    first = flow.run(context={"checkpointing": True}).result[out]
    second = flow.run().result[out]

    assert isinstance(first, Success) and first.location == "gcs-etl/extract.pkl"
    assert isinstance(second, Cached) and second.result == {"rows": 3}
    assert second.message == "Result found at task target gcs-etl/extract.pkl"
    assert calls == [1]
