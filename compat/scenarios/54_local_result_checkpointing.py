"""LocalResult with checkpointing on: templated locations per flow, task and map index; a task's
own result overrides the flow's; checkpoint=False and None values are never written."""
import os

from prefect import Flow, Parameter, task
from prefect.engine.results import LocalResult
from prefect.engine.serializers import JSONSerializer

FLOW_RESULT = LocalResult(dir="results", location="{flow_name}/{task_name}-{map_index}.pkl")


@task(result=LocalResult(dir="exports", location="{region}/{task_name}.json",
                         serializer=JSONSerializer()))
def summary(rows, region):
    return {"region": region, "rows": rows}


@task
def extract(source):
    return [f"{source}-1", f"{source}-2"]


@task(checkpoint=False)
def get_credentials():
    return {"user": "etl", "password": "s3cret"}


@task
def nothing(creds):
    return None


@task
def inventory(summary, nothing):
    found = []
    for root in ("results", "exports"):
        for folder, _dirs, names in os.walk(root):
            found.extend(os.path.join(folder, n) for n in names)
    back = LocalResult(dir="exports", serializer=JSONSerializer()).read("rmr/summary.json")
    return {"files": sorted(found), "read_back": back.value}


with Flow("checkpointed-etl", result=FLOW_RESULT) as flow:
    region = Parameter("region", default="rmr")
    rows = extract.map(["iptu", "iss"])
    s = summary(rows, region)
    creds = get_credentials()
    n = nothing(creds)
    inventory(s, n)

RUN_KWARGS = {"context": {"checkpointing": True}}
