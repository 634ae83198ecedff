"""Every trigger in a situation where it does not fire: TriggerFailed (or Skipped) results."""
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
    return "ran"


@task(trigger=triggers.any_successful)
def t_any_successful(a, b):
    return "ran"


@task(trigger=triggers.any_failed)
def t_any_failed(a, b):
    return "ran"


@task(trigger=triggers.all_failed)
def t_all_failed(a, b):
    return "ran"


@task(trigger=triggers.not_all_skipped, skip_on_upstream_skip=False)
def t_not_all_skipped(a, b):
    return "ran"


@task(trigger=triggers.all_finished)
def t_all_finished_after_trigger_failed(x):
    return f"all_finished still runs after {type(x).__name__}"


with Flow("triggers-failing") as flow:
    good, bad, skip, skip2 = ok(), boom(), skipped(), skipped()
    failed_trigger = t_all_successful(good, bad)
    t_any_successful(bad, boom())
    t_any_failed(good, ok())
    t_all_failed(good, bad)
    t_not_all_skipped(skip, skip2)
    t_all_finished_after_trigger_failed(failed_trigger)
