"""Flow: building the graph (with-block and functional API), reading it, copying it."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import cloudpickle
import pytest

from caudal import Flow, Parameter, Task, task
from caudal.core.edge import Edge
from caudal.engine.state import Failed, Success
from caudal.exceptions import FlowValidationError
from caudal.executors import LocalExecutor


@task
def one():
    return 1


@task
def plus(x):
    return x + 1


@task
def boom():
    raise ValueError("boom")


@task
def scale(value, factor):
    return value * factor


@task(tags=["db"])
def tagged():
    return "tagged"


def named(name: str) -> Task:
    return plus.copy(name=name)


# ------------------------------------------------------------------ building


def test_context_manager_collects_called_tasks():
    with Flow("with") as flow:
        a = one()
        b = plus(a)

    assert flow.tasks == {a, b}
    assert flow.edges == {Edge(a, b, key="x")}
    assert flow.run().result[b].result == 2


def test_flow_without_name_raises_value_error():
    with pytest.raises(ValueError):
        Flow("")


def test_functional_api_builds_and_runs_flow():
    flow = Flow("functional")
    a, b, c, d, e = one.copy(), plus.copy(), plus.copy(), plus.copy(), plus.copy()
    flow.add_task(a)
    flow.add_edge(a, b, key="x")
    flow.set_dependencies(c, upstream_tasks=[a], keyword_tasks={"x": b})
    flow.set_dependencies(d, keyword_tasks={"x": 5})
    flow.chain(c, e)
    flow.set_dependencies(e, keyword_tasks={"x": d})

    state = flow.run()

    assert [state.result[t].result for t in (a, b, c, d, e)] == [1, 2, 3, 6, 7]
    assert flow.constants[d] == {"x": 5}
    assert flow.upstream_tasks(e) == {c, d}


def test_add_task_returns_task_and_adds_it_once():
    flow = Flow("add")
    a = one.copy()

    assert flow.add_task(a) is a
    flow.add_task(a)

    assert flow.tasks == {a}


def test_add_task_with_non_task_raises_type_error():
    with pytest.raises(TypeError):
        Flow("bad").add_task(lambda: 1)  # type: ignore[arg-type]


def test_chain_orders_tasks_and_returns_edges():
    flow = Flow("chain")
    a, b, c = named("a"), named("b"), named("c")

    edges = flow.chain(a, b, c)

    assert edges == [Edge(a, b), Edge(b, c)]
    assert flow.sorted_tasks() == (a, b, c)


def test_add_edge_with_key_already_bound_raises_value_error():
    flow = Flow("keys")
    a, b, c = named("a"), named("b"), named("c")
    flow.add_edge(a, c, key="x")

    with pytest.raises(ValueError, match="has already been assigned"):
        flow.add_edge(b, c, key="x", validate=True)


def test_duplicate_parameter_names_raise_value_error():
    with pytest.raises(ValueError, match='slug "when" already exists'):
        with Flow("dup"):
            plus(Parameter("when", default=1))
            plus(Parameter("when", default=2))


def test_add_task_with_taken_parameter_name_raises_value_error():
    flow = Flow("dup")
    flow.add_task(Parameter("p"))

    with pytest.raises(ValueError, match='slug "p" already exists'):
        flow.add_task(Parameter("p"))


def test_slugs_count_up_by_name_and_tags_in_order_of_addition():
    # The same slugs Prefect 0.15.9 gives this flow.
    with Flow("slugs") as flow:
        a = plus(1)
        b = plus(a)
        c = plus(b)
        t1 = tagged()
        t2 = tagged()
        p = flow.add_task(Parameter("p", default=3))

    assert [flow.slugs[t] for t in (a, b, c, t1, t2, p)] == [
        "plus-1",
        "plus-2",
        "plus-3",
        "tagged-db-1",
        "tagged-db-2",
        "p",
    ]


def test_update_adds_tasks_edges_and_constants_of_other_flow():
    first = Flow("first")
    first.add_task(one.copy())
    second = Flow("second")
    added = plus.copy()
    second.set_dependencies(added, keyword_tasks={"x": 3})
    second.add_edge(one.copy(), added)

    first.update(second)

    assert len(first.tasks) == 3
    assert len(first.edges) == 1
    assert first.constants[added] == {"x": 3}
    assert first.run().result[added].result == 4


# ------------------------------------------------------------------ reading the graph


@pytest.fixture
def diamond() -> tuple[Flow, dict[str, Task]]:
    """a -> b, a -> c, (b, c) -> d, plus a lone task e."""
    flow = Flow("diamond")
    tasks = {name: named(name) for name in "abcde"}
    flow.add_edge(tasks["a"], tasks["b"])
    flow.add_edge(tasks["a"], tasks["c"])
    flow.add_edge(tasks["b"], tasks["d"])
    flow.add_edge(tasks["c"], tasks["d"])
    flow.add_task(tasks["e"])
    return flow, tasks


def test_root_and_terminal_tasks(diamond):
    flow, t = diamond

    assert flow.root_tasks() == {t["a"], t["e"]}
    assert flow.terminal_tasks() == {t["d"], t["e"]}


def test_upstream_and_downstream_tasks(diamond):
    flow, t = diamond

    assert flow.upstream_tasks(t["d"]) == {t["b"], t["c"]}
    assert flow.downstream_tasks(t["a"]) == {t["b"], t["c"]}
    assert flow.upstream_tasks(t["e"]) == set()


def test_edges_to_and_edges_from(diamond):
    flow, t = diamond

    assert flow.edges_to(t["d"]) == {Edge(t["b"], t["d"]), Edge(t["c"], t["d"])}
    assert flow.edges_from(t["a"]) == {Edge(t["a"], t["b"]), Edge(t["a"], t["c"])}
    assert flow.edges_from(t["d"]) == set()


def test_sorted_tasks_put_every_task_after_its_upstream_tasks(diamond):
    flow, _ = diamond

    order = flow.sorted_tasks()

    assert set(order) == flow.tasks
    position = {t: i for i, t in enumerate(order)}
    for edge in flow.edges:
        assert position[edge.upstream_task] < position[edge.downstream_task]


def test_edges_edited_by_hand_with_same_count_answer_the_new_graph(diamond):
    # Prefect 0.15 code edits flow.edges directly: one edge out, another in, same count.
    flow, t = diamond
    assert flow.upstream_tasks(t["d"]) == {t["b"], t["c"]}  # the index is built now

    flow.edges.remove(Edge(t["c"], t["d"]))
    flow.edges.add(Edge(t["e"], t["d"]))

    assert flow.upstream_tasks(t["d"]) == {t["b"], t["e"]}
    assert flow.downstream_tasks(t["c"]) == set()
    assert flow.downstream_tasks(t["e"]) == {t["d"]}
    assert flow.edges_to(t["d"]) == {Edge(t["b"], t["d"]), Edge(t["e"], t["d"])}
    assert flow.terminal_tasks() == {t["c"], t["d"]}
    order = flow.sorted_tasks()
    assert order.index(t["e"]) < order.index(t["d"])


def test_tasks_edited_by_hand_with_same_count_answer_the_new_graph(diamond):
    flow, t = diamond
    assert flow.root_tasks() == {t["a"], t["e"]}
    flow.sorted_tasks()
    lone = named("lone")

    flow.tasks.discard(t["e"])
    flow.tasks.add(lone)

    assert flow.root_tasks() == {t["a"], lone}
    assert flow.terminal_tasks() == {t["d"], lone}
    assert set(flow.sorted_tasks()) == {t["a"], t["b"], t["c"], t["d"], lone}


def test_edges_replaced_by_assignment_answer_the_new_graph(diamond):
    flow, t = diamond
    flow.sorted_tasks()

    flow.edges = {Edge(t["a"], t["b"]), Edge(t["b"], t["c"]), Edge(t["c"], t["d"]),
                  Edge(t["d"], t["e"])}

    assert flow.upstream_tasks(t["c"]) == {t["b"]}
    assert flow.root_tasks() == {t["a"]}
    assert flow.sorted_tasks() == tuple(t[name] for name in "abcde")
    flow.edges -= {Edge(t["d"], t["e"])}
    assert flow.upstream_tasks(t["e"]) == set()


def test_edge_added_by_hand_that_closes_a_cycle_fails_validation(diamond):
    flow, t = diamond
    flow.validate()

    flow.edges.add(Edge(t["d"], t["a"]))

    with pytest.raises(FlowValidationError, match="has a cycle"):
        flow.validate()


def test_reference_tasks_default_to_terminal_tasks(diamond):
    flow, _ = diamond

    assert flow.reference_tasks() == flow.terminal_tasks()


def test_set_reference_tasks_with_task_outside_flow_raises_value_error(diamond):
    flow, _ = diamond

    with pytest.raises(ValueError, match="must be part of"):
        flow.set_reference_tasks([named("stranger")])


def test_set_reference_tasks_decides_flow_state():
    with Flow("reference") as flow:
        ok = one()
        failing = boom(upstream_tasks=[ok])

    assert flow.run().is_failed()

    flow.set_reference_tasks([ok])

    assert flow.reference_tasks() == {ok}
    state = flow.run()
    assert state.is_successful()
    assert isinstance(state.result[failing], Failed)


def test_validate_on_cycle_raises_flow_validation_error_naming_cycle_tasks():
    flow = Flow("cycle")
    x, y, z, outside = named("x"), named("y"), named("z"), named("outside")
    flow.add_edge(outside, x)
    flow.add_edge(x, y)
    flow.add_edge(y, z)
    flow.add_edge(z, x)

    with pytest.raises(FlowValidationError) as excinfo:
        flow.validate()

    assert isinstance(excinfo.value, ValueError)
    message = str(excinfo.value)
    assert all(f"'{name}'" in message for name in "xyz")
    assert "'outside'" not in message


def test_add_edge_closing_cycle_with_validate_raises_flow_validation_error():
    flow = Flow("cycle")
    x, y = named("x"), named("y")
    flow.add_edge(x, y)

    with pytest.raises(FlowValidationError, match="'x'.*'y'|'y'.*'x'"):
        flow.add_edge(y, x, validate=True)


def test_get_tasks_filters_by_name_tags_and_type():
    with Flow("get") as flow:
        a = plus(1)
        b = plus(2)
        t = tagged()
        p = flow.add_task(Parameter("p", default=1))

    assert set(flow.get_tasks(name="plus")) == {a, b}
    assert flow.get_tasks(tags=["db"]) == [t]
    assert flow.get_tasks(task_type=Parameter) == [p]
    assert flow.get_tasks(name="plus", tags=["db"]) == []
    assert flow.get_tasks(slug="p") == [p]


def test_parameters_returns_the_flow_parameters():
    with Flow("params") as flow:
        x = Parameter("x", default=1)
        y = Parameter("y", default=2)
        plus(x)
        plus(y)

    assert flow.parameters() == {x, y}


# ------------------------------------------------------------------ copies


def test_copy_has_independent_graph():
    with Flow("original") as flow:
        a = one()
        plus(a)

    copied = flow.copy()
    extra = named("extra")
    copied.add_edge(a, extra)

    assert extra in copied.tasks and extra not in flow.tasks
    assert len(flow.tasks) == 2 and len(flow.edges) == 1
    assert len(copied.tasks) == 3 and len(copied.edges) == 2


def test_copy_and_pickle_keep_counting_slugs_where_the_original_stopped():
    with Flow("slugs") as flow:
        plus(plus(1))

    for other in (flow.copy(), pickle.loads(cloudpickle.dumps(flow))):
        other.add_task(plus.copy())
        assert sorted(other.slugs.values()) == ["plus-1", "plus-2", "plus-3"]
    assert sorted(flow.slugs.values()) == ["plus-1", "plus-2"]


def test_pickled_flow_keeps_its_graph_and_notices_hand_edits():
    with Flow("pickled") as flow:
        a = one()
        b = plus(a)
    flow.sorted_tasks()

    loaded = pickle.loads(cloudpickle.dumps(flow))
    a2, b2 = sorted(loaded.tasks, key=lambda t: loaded.slugs[t])
    loaded.edges.clear()

    assert type(flow.__getstate__()["edges"]) is set  # the pickled shape is plain sets
    assert loaded.upstream_tasks(a2) == set() and loaded.upstream_tasks(b2) == set()
    assert flow.upstream_tasks(b) == {a}


def test_deepcopy_gives_independent_flow_that_runs_with_its_own_defaults():
    with Flow("original") as original:
        value = Parameter("value", default=10)
        factor = Parameter("factor", default=2)
        out = scale(value, factor)
    original.storage = "storage-0"
    original.run_config = "run-config-0"

    copied = copy.deepcopy(original)
    copied.name = "copied"
    copied.storage = "storage-1"
    copied.run_config = "run-config-1"
    copied.schedule = "schedule-1"
    for param in copied.parameters():
        if param.name == "factor":
            param.default = 5

    assert (original.name, original.storage, original.run_config, original.schedule) == (
        "original",
        "storage-0",
        "run-config-0",
        None,
    )
    assert {p.name: p.default for p in original.parameters()} == {"value": 10, "factor": 2}
    assert {p.name: p.default for p in copied.parameters()} == {"value": 10, "factor": 5}
    (copied_out,) = copied.get_tasks(name="scale")
    assert copied_out not in original.tasks

    assert original.run().result[out].result == 20
    assert copied.run(run_on_schedule=False).result[copied_out].result == 50


# ------------------------------------------------------------------ subclasses


class TeamFlow(Flow):
    """A flow that knows its owning team; every other option goes to Flow."""

    def __init__(self, name: str, team: str | None = None, **kwargs: Any) -> None:
        self.team = team
        super().__init__(name, **kwargs)


def test_flow_subclass_with_own_keyword_passes_the_rest_through():
    calls: list[tuple[str, str, str]] = []

    def on_failure(flow, state):
        calls.append(("on_failure", flow.name, type(state).__name__))

    def handler(flow, old_state, new_state):
        calls.append(("handler", type(old_state).__name__, type(new_state).__name__))
        return new_state

    executor = LocalExecutor()
    with TeamFlow("team", team="data", on_failure=on_failure, state_handlers=[handler],
                  executor=executor, result=None, environment=None) as flow:
        boom()

    state = flow.run()

    assert flow.team == "data"
    assert flow.executor is executor
    assert isinstance(state, Failed)
    assert calls[-2:] == [("handler", "Running", "Failed"), ("on_failure", "team", "Failed")]


def test_flow_repr_names_the_flow():
    assert repr(Flow("etl")) == '<Flow: name="etl">'


def test_flow_run_returns_states_of_all_tasks():
    with Flow("states") as flow:
        a = one()
        b = plus(a)

    state = flow.run()

    assert isinstance(state, Success)
    assert set(state.result) == {a, b}


# ------------------------------------------------------------------ save and load


def test_saved_flow_loads_from_its_path_and_runs(tmp_path):
    with Flow("saved") as flow:
        result = plus(one())

    path = flow.save(str(tmp_path / "saved.flow"))
    loaded = Flow.load(path)

    assert path == str(tmp_path / "saved.flow")
    assert loaded.name == "saved"
    by_name = {t.name: s.result for t, s in loaded.run().result.items()}
    assert by_name == {"one": 1, "plus": 2}
    assert result not in loaded.tasks  # a copy, not the same objects


def test_save_without_path_writes_slug_file_in_home_flows_and_load_finds_it_by_name(tmp_path):
    from caudal.utilities.configuration import set_temporary_config

    with Flow("Über ETL: Daily v2") as flow:
        one()

    with set_temporary_config({"home_dir": str(tmp_path)}):
        path = flow.save()
        loaded = Flow.load("Über ETL: Daily v2")

    assert path == str(tmp_path / "flows" / "uber-etl-daily-v2.caudal")
    assert loaded.name == "Über ETL: Daily v2"


def test_load_of_a_flow_never_saved_raises_file_not_found_naming_the_path(tmp_path):
    from caudal.utilities.configuration import set_temporary_config

    with set_temporary_config({"home_dir": str(tmp_path)}):
        with pytest.raises(FileNotFoundError, match="never-saved.caudal"):
            Flow.load("never saved")
