"""Binding lists, tuples, dicts and sets that contain tasks: Prefect wraps them in collection tasks."""
from prefect import Flow, Parameter, task


@task
def source(name):
    return f"rows-from-{name}"


@task
def combine(sources, pair, options):
    return {
        "sources": sources,
        "pair": list(pair),
        "pair_type": type(pair).__name__,
        "options": options,
    }


@task
def nested(payload):
    return payload


with Flow("binding-collections") as flow:
    region = Parameter("region", default="nordeste")
    a = source("iptu")
    b = source("iss")
    combine([a, b, "static"], (a, 42), {"region": region, "mode": "full"})
    nested({"inner": [a, {"deep": b}], "const": 1})
