"""target=: a first run (checkpointing on) writes each target; the second run finds them and ends
those tasks Cached with the stored value, without calling them again. A target whose upstream
failed still obeys its trigger."""
from prefect import Flow, task
from prefect.engine.results import LocalResult
from prefect.engine.serializers import JSONSerializer

CALLS = {"download": 0, "per_city": 0, "daily": 0}


@task(target="{task_name}.json", checkpoint=True)
def download():
    CALLS["download"] += 1
    return {"cities": ["rio", "niteroi"], "calls": CALLS["download"]}


@task(target="cities/{map_index}-{city}.json")
def per_city(city):
    CALLS["per_city"] += 1
    return {"city": city.upper(), "calls": CALLS["per_city"]}


def daily_target(**kwargs):
    return f"daily/{kwargs['flow_name']}-{len(kwargs['cities'])}.json"


@task(target=daily_target)
def daily(cities):
    CALLS["daily"] += 1
    return {"n": len(cities), "calls": CALLS["daily"]}


@task
def broken():
    raise ValueError("the API is down")


@task(target="guarded.json")
def guarded(x):
    return x


@task
def cities_of(payload):
    return payload["cities"]


with Flow("targets", result=LocalResult(dir="store", serializer=JSONSerializer())) as flow:
    payload = download()
    cities = cities_of(payload)
    per_city.map(cities)
    daily(cities)
    guarded(broken())

# A first run writes the targets (guarded's never runs: its upstream fails).
flow.run(context={"checkpointing": True})
with open("store/guarded.json", "w") as f:
    f.write('"written by hand"')
