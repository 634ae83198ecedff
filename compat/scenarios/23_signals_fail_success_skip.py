"""Raising FAIL, SUCCESS (with a result) and SKIP from tasks, and what happens downstream."""
from prefect import Flow, task
from prefect.engine import signals


@task
def validate():
    raise signals.FAIL("schema mismatch in column 'valor'")


@task
def after_validate(x):
    return "never"


@task
def early_success():
    raise signals.SUCCESS("nothing new upstream", result={"rows": 0})


@task
def use_success(payload):
    return payload["rows"] + 1


@task
def maybe_skip():
    raise signals.SKIP("holiday: no data published")


@task
def after_skip(x):
    return "never either"


with Flow("signals-fail-success-skip") as flow:
    after_validate(validate())
    use_success(early_success())
    after_skip(maybe_skip())
