"""task.copy(**overrides) makes independent tasks with new names and options."""
from prefect import Flow, Task, task


class Fetch(Task):
    def __init__(self, endpoint="/", **kwargs):
        self.endpoint = endpoint
        super().__init__(**kwargs)

    def run(self):
        return f"GET {self.endpoint} ({self.name})"


base = Fetch(endpoint="/users", name="fetch")
fetch_orders = base.copy(name="fetch_orders")
fetch_orders.endpoint = "/orders"
fetch_items = base.copy(name="fetch_items", tags=["slow"])


@task
def upper(text):
    return text.upper()


shout = upper.copy(name="shout")

with Flow("task-copy") as flow:
    a = base()
    b = fetch_orders()
    c = fetch_items()
    shout(upper(a))
    upper(b)
    upper(c)
