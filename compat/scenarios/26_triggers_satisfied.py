"""Every trigger in a situation where it fires: the tasks run and succeed."""
from prefect import Flow, task, triggers
from prefect.engine import signals


@task
def ok():
    return "ok"


@task
def boom():
    raise ValueError("boom")


@task
def skipped():
    raise signals.SKIP("nothing to do")


@task(trigger=triggers.all_successful)
def t_all_successful(a, b):
    return "all_successful fired"


@task(trigger=triggers.all_finished)
def t_all_finished(a, b):
    return f"all_finished fired with {type(b).__name__}"


@task(trigger=triggers.always_run)
def t_always_run(a):
    return "always_run fired"


@task(trigger=triggers.any_successful)
def t_any_successful(a, b):
    return "any_successful fired"


@task(trigger=triggers.any_failed)
def t_any_failed(a, b):
    return "any_failed fired"


@task(trigger=triggers.all_failed)
def t_all_failed(a):
    return "all_failed fired"


@task(trigger=triggers.not_all_skipped, skip_on_upstream_skip=False)
def t_not_all_skipped(a, b):
    return f"not_all_skipped fired with {a!r}, {b!r}"


with Flow("triggers-satisfied") as flow:
    good, good2, bad, skip = ok(), ok(), boom(), skipped()
    strict = t_all_successful(good, good2)
    lenient = t_all_finished(good, bad)
    t_always_run(bad)
    t_any_successful(good, bad)
    t_any_failed(good, bad)
    t_all_failed(bad)
    t_not_all_skipped(good, skip)
    flow.set_reference_tasks([strict, lenient])
