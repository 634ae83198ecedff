"""Task subclasses with their own __init__ options and run(), including defaults_from_attrs."""
from prefect import Flow, Task
from prefect.utilities.tasks import defaults_from_attrs


class ReadTable(Task):
    def __init__(self, table, limit=3, **kwargs):
        self.table = table
        self.limit = limit
        super().__init__(**kwargs)

    @defaults_from_attrs("limit")
    def run(self, limit=None):
        return [f"{self.table}:{i}" for i in range(limit)]


class Join(Task):
    def run(self, left, right, sep="|"):
        return [f"{a}{sep}{b}" for a, b in zip(left, right)]


read_users = ReadTable("users", name="read_users")
read_orders = ReadTable("orders", limit=5, name="read_orders")
join = Join(name="join")

with Flow("task-subclass") as flow:
    users = read_users()
    orders = read_orders(limit=2)
    join(users, orders, sep="+")
