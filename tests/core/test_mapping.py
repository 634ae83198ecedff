"""Mapping: .map, unmapped, mapped, flatten, chained maps, reduces, and maps that cannot run."""

from __future__ import annotations

import pytest

from caudal import Flow, flatten, mapped, task, unmapped
from caudal.engine.state import Failed, Mapped, Success, TriggerFailed


@task
def inc(x):
    return x + 1


@task
def add(x, y):
    return x + y


@task
def total(xs):
    return sum(xs)


@task
def ident(x):
    return x


@task
def nested():
    return [[1, 2], [3]]


@task
def listify(x):
    return [x, x]


@task
def five():
    return 5


@task
def empty():
    return []


@task
def boom():
    raise ValueError("no data")


@task
def fail_on_two(x):
    if x == 2:
        raise ValueError("two")
    return x


def run_one(flow: Flow, t):
    return flow.run().result[t]


def test_map_runs_one_child_per_item():
    with Flow("map") as flow:
        out = inc.map([1, 2, 3])

    state = run_one(flow, out)

    assert isinstance(state, Mapped)
    assert state.message == "Ready to proceed with mapping."
    assert state.result == [2, 3, 4]
    assert [type(s) for s in state.map_states] == [Success, Success, Success]


def test_map_with_unmapped_argument_passes_it_whole_to_every_child():
    with Flow("unmapped") as flow:
        out = add.map([1, 2], unmapped(10))

    assert run_one(flow, out).result == [11, 12]


def test_map_over_arguments_of_different_lengths_stops_at_shortest():
    with Flow("zip") as flow:
        out = add.map(x=[1, 2, 3], y=[10, 20])

    assert run_one(flow, out).result == [11, 22]


def test_mapped_annotation_maps_argument_of_plain_call():
    with Flow("mapped") as flow:
        out = add(mapped([1, 2]), 5)

    assert run_one(flow, out).result == [6, 7]


def test_map_over_flattened_list_of_lists():
    with Flow("flatten") as flow:
        out = inc.map(flatten(nested()))

    assert run_one(flow, out).result == [2, 3, 4]


def test_flatten_in_plain_call_passes_flat_list():
    with Flow("flatten call") as flow:
        out = ident(flatten(nested()))

    assert run_one(flow, out).result == [1, 2, 3]


def test_flatten_mapped_results_of_lists():
    with Flow("flatten mapped") as flow:
        lists = listify.map([1, 2])
        out = inc.map(flatten(lists))

    assert run_one(flow, out).result == [2, 2, 3, 3]


def test_map_over_mapped_results_then_reduce():
    with Flow("chain") as flow:
        first = inc.map([1, 2, 3])
        second = inc.map(first)
        summed = total(second)

    state = flow.run()

    assert state.result[second].result == [3, 4, 5]
    assert state.result[summed].result == 12


def test_map_over_empty_list_then_reduce_gives_empty_result():
    with Flow("empty") as flow:
        out = inc.map(empty())
        summed = total(out)

    state = flow.run()

    assert isinstance(state.result[out], Mapped)
    assert state.result[out].map_states == []
    assert state.result[summed].result == 0
    assert state.is_successful()


def test_map_with_one_failing_child_and_reduce_ends_trigger_failed():
    with Flow("child fails") as flow:
        out = fail_on_two.map([1, 2, 3])
        summed = total(out)

    state = flow.run()

    children = state.result[out].map_states
    assert [type(s) for s in children] == [Success, Failed, Success]
    assert children[1].message == "Error during execution of task: ValueError('two')"
    assert isinstance(state.result[summed], TriggerFailed)
    assert state.result[summed].message == (
        'Trigger was "all_successful" but some of the upstream tasks failed.'
    )
    assert state.is_failed()


def test_mapped_children_log_with_their_index(capsys):
    with Flow("logs") as flow:
        inc.map([10, 20])

    flow.run()

    out = capsys.readouterr().out
    assert "Task 'inc[0]': Starting task run..." in out
    assert "Task 'inc[1]': Finished task run for task with final state: 'Success'" in out
    assert "Task 'inc': Finished task run for task with final state: 'Mapped'" in out


def test_map_over_non_iterable_result_ends_failed():
    with Flow("unmappable") as flow:
        out = inc.map(five())

    state = run_one(flow, out)

    assert isinstance(state, Failed)
    assert state.message == "At least one upstream state has an unmappable result."


def test_map_over_failed_upstream_ends_failed():
    with Flow("failed upstream") as flow:
        out = inc.map(boom())

    state = run_one(flow, out)

    assert isinstance(state, Failed)
    assert state.message == "No upstream states can be mapped over."


def test_map_over_unsubscriptable_constant_raises_type_error():
    with pytest.raises(TypeError, match="Cannot map over unsubscriptable object"):
        with Flow("bad map"):
            inc.map(5)
