"""Required parameters supplied at run time, alongside an unused extra default."""
from prefect import Flow, Parameter, task


@task
def date_range(start, end):
    return list(range(start, end + 1))


@task
def describe(days, label):
    return {"label": label, "days": len(days), "first": days[0], "last": days[-1]}


with Flow("required-parameter-given") as flow:
    start = Parameter("start", required=True)
    end = Parameter("end", required=True)
    label = Parameter("label", default="daily")
    describe(date_range(start, end), label)

RUN_KWARGS = {"parameters": {"start": 5, "end": 9}}
