"""cache_key shared between two flows: the second flow reuses the first flow's cached result;
a task with its own key (and the expired cache of another) runs again."""
from datetime import timedelta

from prefect import Flow, task

CALLS = {"cities": 0, "other": 0, "short": 0}


@task(cache_for=timedelta(hours=1), cache_key="city-list")
def load_cities():
    CALLS["cities"] += 1
    return ["rio", "niteroi", CALLS["cities"]]


@task(cache_for=timedelta(hours=1), cache_key="another-key")
def load_cities_elsewhere():
    CALLS["other"] += 1
    return CALLS["other"]


@task(cache_for=timedelta(seconds=0))
def short_lived():
    CALLS["short"] += 1
    return CALLS["short"]


with Flow("first") as first:
    load_cities()
    short_lived()

first.run()

with Flow("second") as flow:
    load_cities()
    load_cities_elsewhere()
    short_lived()
