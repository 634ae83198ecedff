"""The imperative API: add_task, add_edge with keys, set_dependencies, chain, bind outside a block."""
from prefect import Flow, Task, task
from prefect.tasks.core.constants import Constant


class Multiply(Task):
    def run(self, x, y):
        return x * y


@task
def start():
    return "started"


@task
def middle():
    return "middle"


@task
def finish():
    return "finished"


flow = Flow("functional-api")
three = Constant(3, name="three")
four = Constant(4, name="four")
product = Multiply(name="product")
square = Multiply(name="square")

flow.add_task(three)
flow.add_task(four)
flow.add_edge(three, product, key="x")
flow.add_edge(four, product, key="y")
flow.set_dependencies(
    task=square,
    keyword_tasks={"x": product, "y": product},
    upstream_tasks=[three],
)
flow.chain(start, middle, finish)
flow.add_edge(finish, square)
