"""A resource block around apply_map, and a case inside the block."""
import prefect
from prefect import Flow, Parameter, apply_map, case, resource_manager, task


@resource_manager
class Cache:
    def __init__(self, name):
        self.name = name

    def setup(self):
        return {"name": self.name, "items": 0}

    def cleanup(self, cache):
        prefect.context.logger.info("flushing cache %s", cache["name"])

    def __repr__(self):
        return f"Cache({self.name!r})"


@task
def fetch(item, cache):
    return f"{cache['name']}:{item}"


@task
def full_refresh():
    return "refreshed"


def handle(item, cache):
    return fetch(item, cache)


with Flow("resource-manager-apply-map") as flow:
    refresh = Parameter("refresh", default=False)
    with Cache("c1") as cache:
        fetched = apply_map(handle, ["x", "y"], cache=prefect.unmapped(cache))
        with case(refresh, True):
            done = full_refresh()
