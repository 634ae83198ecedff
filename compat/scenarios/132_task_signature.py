"""inspect.signature of a Task instance: run()'s parameters, then the keywords of calling it."""
import inspect

from prefect import Flow, Parameter, Task, task


class Resize(Task):
    def __init__(self, factor=2, **kwargs):
        self.factor = factor
        super().__init__(**kwargs)

    def run(self, image, width=100, **options):
        return "{} at {}".format(image, width * self.factor)


class Plain(Task):
    def run(self, x, *, y=1):
        return x


@task
def signatures():
    resize = Resize()
    assigned = Resize()
    assigned.run = lambda path, scale=1: path
    bound = inspect.signature(Resize()).bind("cat.png", width=20, mapped=True, quality=9)
    return {
        "instance": str(inspect.signature(resize)),
        "keyword_only": str(inspect.signature(Plain())),
        "plain_task": str(inspect.signature(Task())),
        "run_on_instance": str(inspect.signature(assigned)),
        "parameter": str(inspect.signature(Parameter("p"))),
        "class": str(inspect.signature(Resize)),
        "bound": {k: v for k, v in bound.arguments.items()},
    }


with Flow("task-signature") as flow:
    signatures()
