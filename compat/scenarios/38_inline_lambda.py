"""Inline lambda tasks built with task(...) in the flow block, plus an explicit FunctionTask."""
from prefect import Flow, Parameter, task
from prefect.tasks.core.function import FunctionTask

with Flow("inline-lambda") as flow:
    x = Parameter("x", default=4)
    inc = task(lambda x: x + 1, name="inc")(x)
    square = task(lambda v: v * v, name="square")(inc)
    pair = task(lambda a, b: {"a": a, "b": b})(inc, square)
    FunctionTask(lambda v: -v, name="negate")(square)
