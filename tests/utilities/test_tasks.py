"""``tags``: every task created or called in the block carries its tags, as in Prefect 0.15."""

from __future__ import annotations

import pytest

import caudal
from caudal import Flow, tags, task


@task(tags=["db"])
def query(x=None):
    return sorted(caudal.context.get("task_tags", []))


@task
def plain():
    return sorted(caudal.context.get("task_tags", []))


def test_tasks_called_in_block_carry_its_tags_and_their_own():
    with Flow("tags") as flow:
        with tags("etl", "nightly"):
            a = query()
            b = plain()

    state = flow.run()

    assert (a.tags, b.tags) == ({"db", "etl", "nightly"}, {"etl", "nightly"})
    assert state.result[a].result == ["db", "etl", "nightly"]
    assert query.tags == {"db"}  # the decorated task itself is not changed


def test_nested_blocks_accumulate_and_each_ends_with_its_block():
    with Flow("tags"):
        with tags("outer"):
            with tags("inner"):
                inner = plain()
            middle = plain()
        after = plain()

    assert (inner.tags, middle.tags, after.tags) == ({"outer", "inner"}, {"outer"}, set())


def test_block_tags_appear_sorted_in_generated_slugs():
    with Flow("tags") as flow:
        with tags("zeta", "alpha"):
            t = query()

    assert flow.slugs[t] == "query-alpha-db-zeta-1"


def test_task_args_tags_add_to_block_and_task_tags():
    with Flow("tags"):
        with tags("etl"):
            t = query(task_args={"tags": ["extra"]})

    assert t.tags == {"db", "etl", "extra"}


def test_mapped_children_see_the_tags_in_context():
    with Flow("tags") as flow:
        with tags("batch"):
            out = query.map([1, 2])

    assert flow.run().result[out].result == [["batch", "db"], ["batch", "db"]]


def test_task_defined_in_block_keeps_tags_when_called_outside():
    with tags("defined"):
        made = task(lambda: 1, name="made")

    with Flow("tags"):
        called = made()

    assert called.tags == {"defined"}


# ------------------------------------------------------------------ pause_task


def test_pause_task_leaves_the_task_paused_and_downstream_waiting():
    from caudal.engine.flow_runner import FlowRunner
    from caudal.utilities.tasks import pause_task

    @task
    def publish():
        pause_task("waiting for sign-off")
        return "published"

    @task
    def announce(what):
        return f"{what}!"

    with Flow("release") as flow:
        published = publish()
        announced = announce(published)

    state = FlowRunner(flow).run(return_tasks=[published, announced])

    paused = state.result[published]
    assert (type(paused).__name__, paused.message) == ("Paused", "waiting for sign-off")
    assert state.result[announced].is_pending()


def test_resumed_task_runs_past_pause_task():
    from caudal.engine.flow_runner import FlowRunner
    from caudal.engine.state import Resume
    from caudal.utilities.tasks import pause_task

    calls = []

    @task
    def publish():
        calls.append("before pause")
        pause_task()
        return "published"

    with Flow("release") as flow:
        published = publish()

    first = FlowRunner(flow).run(return_tasks=[published])
    resumed = FlowRunner(flow).run(return_tasks=[published], task_states={published: Resume()})

    assert first.result[published].message == "Pause signal raised during task execution."
    assert resumed.result[published].result == "published"
    assert calls == ["before pause", "before pause"]  # the task runs again from the start


def test_pause_task_with_duration_resumes_after_it():
    import datetime

    from caudal.engine import signals
    from caudal.utilities.tasks import pause_task

    with pytest.raises(signals.PAUSE) as excinfo:
        pause_task(duration=datetime.timedelta(minutes=5))

    wait = excinfo.value.state.start_time - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=4) < wait <= datetime.timedelta(minutes=5)
