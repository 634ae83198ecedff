"""apply_map: a function that builds a subgraph, mapped over items, case blocks included."""

from __future__ import annotations

import pytest

from caudal import Flow, Parameter, apply_map, case, flatten, resource_manager, task, unmapped
from caudal.engine.state import Failed, Mapped, Skipped, Success, TriggerFailed
from caudal.tasks.control_flow import merge


@task
def inc(x):
    return x + 1


@task
def is_even(x):
    return x % 2 == 0


@task
def add(x, y):
    return x + y


@task
def invert(x):
    return 1 / x


@task
def constant():
    return 7


@task
def numbers():
    return [1, 2, 3]


def inc_if_even(x):
    with case(is_even(x), True):
        bigger = inc(x)
    return merge(bigger, x)


def edges_by_name(flow: Flow) -> set[tuple[str, str, str | None, bool, bool]]:
    return {(flow.slugs[e.upstream_task], flow.slugs[e.downstream_task], e.key, e.mapped,
             e.flattened) for e in flow.edges}


def test_every_task_of_the_subgraph_becomes_a_mapped_task():
    with Flow("apply_map") as flow:
        out = apply_map(lambda x: add(inc(x), 10), [1, 2, 3])

    state = flow.run()

    assert isinstance(state.result[out], Mapped)
    assert state.result[out].result == [12, 13, 14]
    # Only the subgraph's first task needs an edge from the items: the rest follow it.
    assert edges_by_name(flow) == {
        ("Constant[list]-1", "inc-1", "x", True, False),
        ("inc-1", "add-1", "x", True, False),
    }
    assert flow.constants[out] == {"y": 10}


def test_case_inside_the_function_runs_or_skips_per_item():
    with Flow("apply_map") as flow:
        out = apply_map(inc_if_even, [1, 2, 3, 4])

    state = flow.run()

    assert state.result[out].result == [1, 3, 3, 5]
    (bigger,) = flow.get_tasks(name="inc")
    children = state.result[bigger].map_states
    assert [type(s) for s in children] == [Skipped, Success, Skipped, Success]


def test_items_can_come_from_an_upstream_task():
    with Flow("apply_map") as flow:
        out = apply_map(inc_if_even, numbers())

    assert flow.run().result[out].result == [1, 3, 3]


def test_unmapped_task_argument_is_passed_whole_to_every_item():
    with Flow("apply_map") as flow:
        offset = Parameter("offset", default=100)
        out = apply_map(add, [1, 2], unmapped(offset))

    assert flow.run().result[out].result == [101, 102]
    assert ("offset", "add-1", "y", False, False) in edges_by_name(flow)


def test_unmapped_plain_value_stays_a_constant_of_each_task():
    with Flow("apply_map") as flow:
        out = apply_map(add, [1, 2], unmapped(5))

    assert flow.run().result[out].result == [6, 7]
    assert flow.constants[out] == {"y": 5}
    assert not any(t.name == "5" for t in flow.tasks)


def test_keyword_arguments_are_mapped_together():
    with Flow("apply_map") as flow:
        out = apply_map(add, x=[1, 2], y=[10, 20])

    assert flow.run().result[out].result == [11, 22]


def test_flatten_argument_is_flattened_before_mapping():
    with Flow("apply_map") as flow:
        out = apply_map(inc, flatten([[1, 2], [3]]))

    assert flow.run().result[out].result == [2, 3, 4]
    (edge,) = flow.edges
    assert (edge.mapped, edge.flattened) == (True, True)


def test_task_without_inputs_in_the_function_still_runs_once_per_item():
    with Flow("apply_map") as flow:
        out = apply_map(lambda x: add(x, constant()), [1, 2, 3])

    state = flow.run()

    (seven,) = flow.get_tasks(name="constant")
    assert state.result[seven].result == [7, 7, 7]
    assert state.result[out].result == [8, 9, 10]


def test_returns_whatever_the_function_returns():
    with Flow("apply_map") as flow:
        a, b = apply_map(lambda x: (inc(x), add(x, x)), [1, 2])

    state = flow.run()

    assert (state.result[a].result, state.result[b].result) == ([2, 3], [2, 4])


def test_failing_item_fails_only_its_own_branch():
    with Flow("apply_map") as flow:
        out = apply_map(lambda x: inc(invert(x)), [1, 0, 2])

    state = flow.run()

    assert isinstance(state, Failed)
    assert [type(s) for s in state.result[out].map_states] == [Success, TriggerFailed, Success]
    assert state.result[out].result[::2] == [2.0, 1.5]


def test_empty_items_give_empty_mapped_results():
    with Flow("apply_map") as flow:
        out = apply_map(inc_if_even, [])

    state = flow.run()

    assert state.is_successful()
    assert state.result[out].result == []


def test_explicit_flow_is_used_and_passed_to_the_function():
    flow = Flow("apply_map")
    seen = []

    def build(x, flow):
        seen.append(flow)
        return inc(x, flow=flow)

    out = apply_map(build, [1, 2], flow=flow)

    assert flow.run().result[out].result == [2, 3]
    assert seen[0] is not flow  # the function builds a subgraph, moved into the flow after


def test_outer_case_skips_every_task_of_the_subgraph():
    with Flow("apply_map") as flow:
        with case(Parameter("go", default=False), True):
            out = apply_map(lambda x: inc(add(x, 1)), [1, 2])

    state = flow.run()

    assert state.is_successful()
    assert {type(state.result[t]) for t in flow.get_tasks(name="inc") + flow.get_tasks(name="add")
            } == {Skipped}
    assert state.result[out].message.startswith("Upstream task was skipped")


def test_merge_in_subgraph_under_false_outer_case_fails_to_map_as_in_prefect():
    # Prefect 0.15.9 does the same: merge does not skip, and a skipped parent has nothing
    # to map over.
    with Flow("apply_map") as flow:
        with case(Parameter("go", default=False), True):
            out = apply_map(inc_if_even, [1, 2])

    state = flow.run()

    assert isinstance(state.result[out], Failed)
    assert state.result[out].message == "At least one upstream state has an unmappable result."


def test_resource_block_around_apply_map_cleans_up_after_every_item():
    cleaned = []

    @resource_manager
    class Pool:
        def setup(self):
            return 10

        def cleanup(self, pool):
            cleaned.append(pool)

    with Flow("apply_map") as flow:
        with Pool() as pool:
            out = apply_map(add, [1, 2], unmapped(pool))

    state = flow.run()

    assert state.result[out].result == [11, 12]
    assert cleaned == [10]
    assert flow.reference_tasks() == {out}


def test_outside_a_flow_raises_value_error_naming_the_function():
    with pytest.raises(ValueError, match="apply_map\\('inc_if_even', ...\\) was called outside"):
        apply_map(inc_if_even, [1])


def test_argument_that_is_not_a_sequence_raises_type_error():
    with Flow("apply_map"), pytest.raises(TypeError, match="cannot map over a int \\(5\\)"):
        apply_map(inc_if_even, 5)


def test_map_inside_the_function_raises_value_error():
    def nested(n):
        return inc.map(numbers())

    with Flow("apply_map"), pytest.raises(ValueError, match="mapped inside a function given "
                                                            "to apply_map"):
        apply_map(nested, [1, 2])
