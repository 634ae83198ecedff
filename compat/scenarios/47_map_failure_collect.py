"""A reduce with trigger all_finished after a partly failed map gets results and exceptions."""
from prefect import Flow, task, triggers


@task
def urls():
    return ["ok/1", "bad/2", "ok/3"]


@task
def fetch(url):
    if url.startswith("bad"):
        raise ConnectionError(f"404 for {url}")
    return f"body of {url}"


@task(trigger=triggers.all_finished)
def collect(bodies):
    return [
        b if isinstance(b, str) else f"error: {type(b).__name__}: {b}" for b in bodies
    ]


@task(trigger=triggers.any_failed)
def alert(bodies):
    return "some downloads failed"


with Flow("map-failure-collect") as flow:
    bodies = fetch.map(urls())
    collect(bodies)
    alert(bodies)
