"""target= with checkpointing off: nothing is written, so the next run calls the task again;
a target file put there by someone else is read back and the task ends Cached."""
from prefect import Flow, task
from prefect.engine.results import LocalResult
from prefect.engine.serializers import JSONSerializer

CALLS = {"extract": 0, "given": 0}


@task(target="extract.json")
def extract():
    CALLS["extract"] += 1
    return {"calls": CALLS["extract"]}


@task(target="given.json")
def given():
    CALLS["given"] += 1
    return "computed"


with Flow("no-checkpointing", result=LocalResult(dir="out", serializer=JSONSerializer())) as flow:
    extract()
    given()

flow.run()
with open("out/given.json", "w") as f:
    f.write('{"from": "a colleague"}')
