"""Parameters with defaults, some overridden through flow.run(parameters=...)."""
from prefect import Flow, Parameter, task


@task
def greet(name, punctuation):
    return f"Hello, {name}{punctuation}"


@task
def repeat(text, times):
    return [text] * times


with Flow("parameter-override") as flow:
    name = Parameter("name", default="world")
    punctuation = Parameter("punctuation", default="!")
    times = Parameter("times", default=1)
    repeat(greet(name, punctuation), times)

RUN_KWARGS = {"parameters": {"name": "Recife", "times": 3}}
