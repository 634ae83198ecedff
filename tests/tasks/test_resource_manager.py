"""resource_manager: setup before the block, cleanup after it whatever happened, and the
block's tasks (not the cleanup) decide the flow's state."""

from __future__ import annotations

import pytest

from caudal import Flow, Parameter, case, resource_manager, task, triggers
from caudal.core.edge import Edge
from caudal.engine import signals
from caudal.engine.state import Failed, Pending, Skipped, Success, TriggerFailed
from caudal.tasks.core.resource_manager import (
    ResourceCleanupTask,
    ResourceInitTask,
    ResourceManager,
    ResourceSetupTask,
    resource_cleanup_trigger,
)

events: list[str] = []


@pytest.fixture(autouse=True)
def clear_events():
    events.clear()


@resource_manager
class Warehouse:
    def __init__(self, size="small"):
        self.size = size

    def setup(self):
        if self.size == "broken":
            raise ConnectionError("warehouse did not start")
        events.append(f"setup {self.size}")
        return f"wh-{self.size}"

    def cleanup(self, warehouse):
        events.append(f"cleanup {warehouse}")


@resource_manager(name="Session")
class NoSetup:
    def cleanup(self, resource):
        events.append(f"cleanup {resource}")


@task
def load(wh, table="t"):
    events.append(f"load {table}")
    return f"{table}@{wh}"


@task
def explode(wh):
    raise RuntimeError("query failed")


@task
def report(x):
    return f"report {x}"


def edge_names(flow: Flow) -> set[tuple[str, str, str | None]]:
    return {(e.upstream_task.name, e.downstream_task.name, e.key) for e in flow.edges}


def by_name(flow: Flow, name: str):
    (found,) = flow.get_tasks(name=name)
    return found


def test_block_tasks_get_the_setup_result_and_cleanup_runs_after_them():
    with Flow("rm") as flow:
        with Warehouse("xl") as wh:
            a = load(wh, "a")
            b = load(wh, "b")

    state = flow.run()

    assert state.is_successful()
    assert (state.result[a].result, state.result[b].result) == ("a@wh-xl", "b@wh-xl")
    assert events[0] == "setup xl"
    assert sorted(events[1:3]) == ["load a", "load b"]
    assert events[3] == "cleanup wh-xl"


def test_block_adds_init_setup_and_cleanup_tasks_named_after_the_class():
    with Flow("rm") as flow:
        with Warehouse() as wh:
            load(wh)

    assert sorted(flow.slugs.values()) == ["Warehouse-1", "Warehouse.cleanup-1",
                                           "Warehouse.setup-1", "load-1"]
    assert isinstance(wh, ResourceSetupTask)
    assert isinstance(by_name(flow, "Warehouse"), ResourceInitTask)
    assert isinstance(by_name(flow, "Warehouse.cleanup"), ResourceCleanupTask)


def test_block_edges_join_init_setup_block_and_cleanup():
    with Flow("rm") as flow:
        size = Parameter("size", default="s")
        with Warehouse(size) as wh:
            load(wh)

    assert edge_names(flow) == {
        ("size", "Warehouse", "size"),
        ("Warehouse", "Warehouse.setup", "mgr"),
        ("Warehouse", "Warehouse.cleanup", "mgr"),
        ("Warehouse.setup", "Warehouse.cleanup", "resource"),
        ("Warehouse.setup", "load", "wh"),
        ("load", "Warehouse.cleanup", None),
    }


def test_only_first_block_tasks_wait_for_setup_and_only_last_ones_feed_cleanup():
    with Flow("rm") as flow:
        with Warehouse():
            first = load("x", "first")
            second = report(first)

    assert flow.upstream_tasks(first) == {by_name(flow, "Warehouse.setup")}
    assert flow.downstream_tasks(first) == {second}
    assert flow.downstream_tasks(second) == {by_name(flow, "Warehouse.cleanup")}


def test_tasks_created_after_the_block_are_not_wired_to_it():
    with Flow("rm") as flow:
        with Warehouse() as wh:
            inside = load(wh)
        outside = report(inside)

    assert flow.upstream_tasks(outside) == {inside}
    assert by_name(flow, "Warehouse.cleanup") not in flow.downstream_tasks(outside)


def test_parameters_and_constants_created_in_the_block_are_not_wired():
    with Flow("rm") as flow:
        with Warehouse():
            size = Parameter("size", default=1)
            out = load.map([1, 2], table=size)

    constant = next(t for t in flow.upstream_tasks(out) if t.name == "[1, 2]")
    assert flow.upstream_tasks(size) == set()
    assert flow.upstream_tasks(constant) == set()
    assert flow.downstream_tasks(size) == {out}


def test_cleanup_runs_when_a_block_task_fails_and_the_flow_fails():
    with Flow("rm") as flow:
        with Warehouse() as wh:
            bad = explode(wh)
            after = report(bad)

    state = flow.run()

    assert isinstance(state, Failed)
    assert isinstance(state.result[bad], Failed)
    assert isinstance(state.result[after], TriggerFailed)
    assert isinstance(state.result[by_name(flow, "Warehouse.cleanup")], Success)
    assert events == ["setup small", "cleanup wh-small"]


def test_failed_setup_fails_block_tasks_and_skips_cleanup():
    with Flow("rm") as flow:
        with Warehouse("broken") as wh:
            out = load(wh)

    state = flow.run()

    assert isinstance(state, Failed)
    assert isinstance(state.result[by_name(flow, "Warehouse.setup")], Failed)
    assert isinstance(state.result[out], TriggerFailed)
    cleanup = state.result[by_name(flow, "Warehouse.cleanup")]
    assert isinstance(cleanup, Skipped)
    assert cleanup.message == "Resource manager setup failed"
    assert events == []


def test_failed_init_skips_cleanup_naming_the_init_step():
    @resource_manager
    class Unbuildable:
        def __init__(self):
            raise ValueError("bad arguments")

        def setup(self):
            return 1

        def cleanup(self, resource):
            events.append("cleanup")

    with Flow("rm") as flow:
        with Unbuildable() as res:
            load(res)

    state = flow.run()

    cleanup = state.result[by_name(flow, "Unbuildable.cleanup")]
    assert isinstance(cleanup, Skipped)
    assert cleanup.message == "Resource manager init failed"
    assert events == []


def test_block_inside_false_case_skips_setup_block_and_cleanup():
    with Flow("rm") as flow:
        with case(Parameter("go", default=False), True):
            with Warehouse() as wh:
                out = load(wh)

    state = flow.run()

    assert state.is_successful()
    assert isinstance(state.result[out], Skipped)
    cleanup = state.result[by_name(flow, "Warehouse.cleanup")]
    assert isinstance(cleanup, Skipped)
    assert cleanup.message == "Resource manager init skipped"
    assert events == []


def test_class_without_setup_enters_as_none_and_cleanup_gets_none():
    with Flow("rm") as flow:
        with NoSetup() as nothing:
            out = report("x")

    state = flow.run()

    assert nothing is None
    assert state.result[out].result == "report x"
    assert sorted(flow.slugs.values()) == ["Session-1", "Session.cleanup-1", "report-1"]
    assert flow.upstream_tasks(out) == set()
    assert events == ["cleanup None"]


def test_cleanup_is_not_a_reference_task_and_flow_succeeds_when_block_succeeds():
    @resource_manager
    class FailingCleanup:
        def setup(self):
            return 1

        def cleanup(self, resource):
            raise RuntimeError("cleanup failed")

    with Flow("rm") as flow:
        with FailingCleanup() as res:
            out = load(res)

    state = flow.run()

    assert flow.reference_tasks() == {out}
    assert isinstance(state.result[by_name(flow, "FailingCleanup.cleanup")], Failed)
    assert isinstance(state, Success)


def test_explicit_reference_tasks_are_kept_as_given():
    with Flow("rm") as flow:
        with Warehouse() as wh:
            load(wh)
    cleanup = by_name(flow, "Warehouse.cleanup")

    flow.set_reference_tasks([cleanup])

    assert flow.reference_tasks() == {cleanup}


def test_nested_blocks_clean_up_inner_before_outer():
    with Flow("rm") as flow:
        with Warehouse("outer") as outer:
            with Warehouse("inner") as inner:
                load(inner, "in")
            load(outer, "out")

    state = flow.run()

    assert state.is_successful()
    assert events.index("cleanup wh-inner") < events.index("cleanup wh-outer")
    assert events.index("setup outer") < events.index("setup inner")


def test_setup_and_cleanup_tasks_have_prefect_defaults():
    with Flow("rm") as flow:
        with Warehouse():
            pass
    setup, cleanup = by_name(flow, "Warehouse.setup"), by_name(flow, "Warehouse.cleanup")

    assert setup.checkpoint is False
    assert cleanup.checkpoint is False
    assert cleanup.trigger is resource_cleanup_trigger
    assert cleanup.skip_on_upstream_skip is False


def test_task_kwargs_override_the_defaults_of_each_task():
    manager = ResourceManager(
        Warehouse.resource_class,
        name="wh",
        init_task_kwargs={"tags": ["init"]},
        setup_task_kwargs={"name": "start", "checkpoint": True},
        cleanup_task_kwargs={"trigger": triggers.all_successful},
    )
    with Flow("rm") as flow:
        with manager():
            pass

    assert {t.name for t in flow.tasks} == {"wh", "start", "wh.cleanup"}
    assert by_name(flow, "wh").tags == {"init"}
    assert by_name(flow, "start").checkpoint is True
    assert by_name(flow, "wh.cleanup").trigger is triggers.all_successful


def test_decorator_returns_a_resource_manager_with_or_without_options():
    assert isinstance(Warehouse, ResourceManager)
    assert isinstance(NoSetup, ResourceManager)
    assert (Warehouse.name, NoSetup.name) == ("Warehouse", "Session")
    assert repr(NoSetup) == "<ResourceManager: Session>"


def test_explicit_flow_is_used_outside_a_flow_block():
    flow = Flow("rm")

    with Warehouse(flow=flow) as wh:
        pass

    assert wh in flow.tasks
    assert len(flow.tasks) == 3


def test_calling_outside_a_flow_raises_value_error_naming_the_manager():
    with pytest.raises(ValueError, match="Resource manager 'Warehouse' was called outside a flow"):
        Warehouse()


def test_task_added_to_another_flow_inside_the_block_raises_value_error():
    other = Flow("other")

    with Flow("rm"):
        with pytest.raises(ValueError, match="belongs to flow 'rm'"):
            with Warehouse():
                other.add_task(report.copy())


def test_cleanup_trigger_fails_when_an_upstream_task_is_unfinished():
    edge = Edge(report, load)

    with pytest.raises(signals.TRIGGERFAIL, match="some of the upstream tasks were not finished"):
        resource_cleanup_trigger({edge: Pending()})


def test_cleanup_trigger_passes_after_failed_block_tasks():
    edges = {Edge(report, load, key="mgr"): Success(), Edge(load, report): Failed()}

    assert resource_cleanup_trigger(edges) is True


def test_old_import_path_gives_the_same_decorator():
    from caudal.tasks.resource_manager import ResourceManager as OldManager
    from caudal.tasks.resource_manager import resource_manager as old

    assert old is resource_manager
    assert OldManager is ResourceManager
