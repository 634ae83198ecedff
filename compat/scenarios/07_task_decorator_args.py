"""@task with keyword arguments: custom name, slug-free naming, tags, checkpoint, trigger."""
from prefect import Flow, task, triggers


@task(name="Fetch Users", tags=["io", "api"])
def fetch_users():
    return ["ana", "bia", "caio"]


@task(name="Upper-case", checkpoint=False)
def upper(names):
    return [name.upper() for name in names]


@task(name="Summarize", trigger=triggers.all_successful, skip_on_upstream_skip=True)
def summarize(names, upper_names):
    return dict(zip(names, upper_names))


with Flow("decorator-args") as flow:
    names = fetch_users()
    big = upper(names)
    summarize(names, big)
