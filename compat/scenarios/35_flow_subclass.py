"""A Flow subclass that takes its own keyword arguments and adds a method used at build time."""
from prefect import Flow, Parameter, task


class TeamFlow(Flow):
    def __init__(self, name, owner, *args, retries_default=0, **kwargs):
        self.owner = owner
        self.retries_default = retries_default
        super().__init__(name, *args, **kwargs)

    def owned(self, label):
        return f"{self.owner}/{label}"


@task
def greet(owner, who):
    return f"{owner} says hi to {who}"


with TeamFlow("team-flow", owner="dados-abertos", retries_default=2) as flow:
    who = Parameter("who", default="pipeline")
    greet(flow.owned("etl"), who)

RUN_KWARGS = {"parameters": {"who": "analysts"}}
