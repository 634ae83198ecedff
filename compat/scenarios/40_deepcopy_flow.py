"""copy.deepcopy(flow) with a changed parameter default; the copy is the flow that runs."""
import copy

from prefect import Flow, Parameter, task


@task
def scale(value, factor):
    return value * factor


with Flow("original") as original:
    value = Parameter("value", default=10)
    factor = Parameter("factor", default=2)
    scale(value, factor)

flow = copy.deepcopy(original)
flow.name = "copied"
for param in flow.parameters():
    if param.name == "factor":
        param.default = 5
