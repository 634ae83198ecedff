"""skip_on_upstream_skip=False lets a task run after a skipped upstream; the default skips."""
from prefect import Flow, task
from prefect.engine import signals


@task
def extract_increment():
    raise signals.SKIP("no new rows since last run")


@task
def transform(rows):
    return rows


@task(skip_on_upstream_skip=False)
def always_refresh_view(rows):
    return f"refreshed view (upstream gave {type(rows).__name__})"


@task(skip_on_upstream_skip=False)
def after_transform(rows):
    return f"after transform got {rows!r}"


with Flow("skip-on-upstream-skip") as flow:
    rows = extract_increment()
    transformed = transform(rows)
    always_refresh_view(rows)
    after_transform(transformed)
