"""apply_map maps a function that builds a subgraph, case block included, over a task's output."""
from prefect import Flow, Parameter, apply_map, case, task, unmapped
from prefect.tasks.control_flow import merge


@task
def list_files():
    return ["a.csv", "b.json", "c.csv", "d.txt"]


@task
def is_csv(name):
    return name.endswith(".csv")


@task
def parse_csv(name, prefix):
    return f"{prefix}/{name[:-4]}"


@task
def ignore(name):
    return None


@task
def label(parsed, name):
    return f"{name}: {parsed}"


def process(name, prefix):
    with case(is_csv(name), True):
        parsed = parse_csv(name, prefix)
    with case(is_csv(name), False):
        skipped = ignore(name)
    return label(merge(parsed, skipped), name)


@task
def collect(labels):
    return labels


with Flow("apply-map") as flow:
    prefix = Parameter("prefix", default="raw")
    labels = apply_map(process, list_files(), prefix=unmapped(prefix))
    collect(labels)
