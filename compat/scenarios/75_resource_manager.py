"""resource_manager: setup before the block, cleanup after it; the cleanup is not a reference task."""
import prefect
from prefect import Flow, Parameter, resource_manager, task


@resource_manager
class TempWarehouse:
    def __init__(self, size):
        self.size = size

    def setup(self):
        return {"warehouse": f"wh-{self.size}", "open": True}

    def cleanup(self, warehouse):
        prefect.context.logger.info("dropping %s", warehouse["warehouse"])

    def __repr__(self):
        return f"TempWarehouse(size={self.size})"


@resource_manager(name="Session")
class NoSetupSession:
    def __init__(self):
        self.closed = False

    def cleanup(self, resource):
        self.closed = resource is None

    def __repr__(self):
        return "NoSetupSession()"


@task
def load(warehouse, table):
    return f"{table} -> {warehouse['warehouse']}"


@task
def summarize(loaded):
    return sorted(loaded)


with Flow("resource-manager") as flow:
    size = Parameter("size", default="small")
    with TempWarehouse(size) as wh:
        orders = load(wh, "orders")
        clients = load(wh, "clients")
        report = summarize([orders, clients])
    with NoSetupSession() as nothing:
        plain = summarize(["b", "a"])

RUN_KWARGS = {"parameters": {"size": "xl"}}
