"""S3Result against a real S3 stand-in (moto in server mode) on 127.0.0.1."""

from __future__ import annotations

import boto3
import pytest

from caudal import Flow, task
from caudal.engine.results import S3Result
from caudal.engine.serializers import JSONSerializer
from caudal.engine.state import Success

pytestmark = pytest.mark.timeout(60)


def test_write_puts_an_object_under_the_location_key(s3_bucket):
    result = S3Result(bucket=s3_bucket.name, boto3_kwargs=s3_bucket.client_kwargs,
                      location="{flow_name}/{task_name}.json", serializer=JSONSerializer())

    written = result.write({"n": 1}, flow_name="etl", task_name="load")

    assert written.location == "etl/load.json"
    body = boto3.client("s3", **s3_bucket.client_kwargs).get_object(
        Bucket=s3_bucket.name, Key="etl/load.json")["Body"].read()
    assert body == b'{"n": 1}'


def test_read_uses_the_serializer(s3_bucket):
    boto3.client("s3", **s3_bucket.client_kwargs).put_object(
        Bucket=s3_bucket.name, Key="in/data.json", Body=b"[1, 2]")
    result = S3Result(bucket=s3_bucket.name, boto3_kwargs=s3_bucket.client_kwargs,
                      serializer=JSONSerializer())

    assert result.read("in/data.json").value == [1, 2]


def test_exists_formats_the_location_and_is_false_for_a_missing_key(s3_bucket):
    result = S3Result(bucket=s3_bucket.name, boto3_kwargs=s3_bucket.client_kwargs,
                      location="{task_name}.pkl")
    result.write("x", task_name="t")

    assert result.exists("{task_name}.pkl", task_name="t") is True
    assert result.exists("{task_name}.pkl", task_name="other") is False


def test_boto3_kwargs_map_to_s3fs_credentials_and_client_kwargs():
    result = S3Result(bucket="b", boto3_kwargs={
        "aws_access_key_id": "k", "aws_secret_access_key": "s", "endpoint_url": "http://x",
    })

    assert result.storage_options == {
        "key": "k", "secret": "s", "client_kwargs": {"endpoint_url": "http://x"},
    }


def test_a_restarted_flow_reads_an_upstream_value_back_from_s3(s3_bucket):
    calls = []
    result = S3Result(bucket=s3_bucket.name, boto3_kwargs=s3_bucket.client_kwargs,
                      location="{task_name}.pkl")

    @task(result=result)
    def extract():
        calls.append("extract")
        return [1, 2, 3]

    @task
    def total(rows):
        return sum(rows)

    with Flow("s3-restart") as flow:
        rows = extract()
        out = total(rows)

    first = flow.run(context={"checkpointing": True})
    location = first.result[rows].location
    restarted = flow.run(task_states={rows: Success(result=S3Result(
        bucket=s3_bucket.name, boto3_kwargs=s3_bucket.client_kwargs, location=location))})

    assert location == "extract.pkl"
    assert restarted.result[out].result == 6
    assert calls == ["extract"]
