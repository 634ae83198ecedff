"""Control flow: case (nested), merge, ifelse, switch, FilterTask."""

from __future__ import annotations

import pytest

from caudal import Flow, case, task, triggers
from caudal.engine import signals
from caudal.engine.state import Skipped, Success
from caudal.tasks.control_flow import FilterTask, ifelse, merge, switch
from caudal.tasks.control_flow.conditional import CompareValue
from caudal.tasks.core.operators import Add

SKIPPED_UPSTREAM = (
    "Upstream task was skipped; if this was not the intended behavior, consider changing "
    "`skip_on_upstream_skip=False` for this task."
)


@task
def value(x):
    return x


@task
def label(name):
    return name


@task(skip_on_upstream_skip=False)
def always(x=None):
    return "ran"


def test_case_true_runs_block_and_false_block_skips():
    with Flow("case") as flow:
        cond = value(True)
        with case(cond, True):
            yes = label("yes")
        with case(cond, False):
            no = label("no")

    state = flow.run()

    assert state.result[yes].result == "yes"
    assert isinstance(state.result[no], Skipped)
    assert state.result[no].message == SKIPPED_UPSTREAM
    assert state.is_successful()


def test_case_adds_compare_task_named_after_value():
    with Flow("case") as flow:
        with case(value(1), 1):
            label("one")

    assert "case(1)" in {t.name for t in flow.tasks}


def test_case_value_that_is_a_task_raises_type_error():
    with pytest.raises(TypeError, match="`value` cannot be a task"):
        with Flow("bad"):
            case(value(1), value(2))


def test_tasks_downstream_of_skipped_case_skip_unless_told_otherwise():
    with Flow("downstream") as flow:
        with case(value(False), True):
            inside = label("inside")
        after = value(inside)
        after_anyway = always(inside)

    state = flow.run()

    assert isinstance(state.result[after], Skipped)
    assert state.result[after_anyway].result == "ran"


def test_case_nested_three_deep_runs_only_matching_branch():
    with Flow("nested") as flow:
        a = value(1)
        with case(a, 1):
            b = value(2)
            with case(b, 2):
                c = value(3)
                with case(c, 3):
                    deep = label("deep")
                with case(c, 4):
                    other = label("other")
        with case(a, 2):
            outer_other = label("outer other")

    state = flow.run()

    assert state.result[deep].result == "deep"
    assert isinstance(state.result[other], Skipped)
    assert isinstance(state.result[outer_other], Skipped)


def test_merge_returns_result_of_branch_that_ran():
    with Flow("merge") as flow:
        cond = value(2)
        with case(cond, 1):
            a = label("a")
        with case(cond, 2):
            b = label("b")
        merged = merge(a, b)

    assert flow.run().result[merged].result == "b"


def test_merge_of_only_skipped_branches_is_skipped():
    with Flow("merge skipped") as flow:
        with case(value(2), 1):
            a = label("a")
        merged = merge(a)

    state = flow.run().result[merged]

    assert isinstance(state, Skipped)
    assert state.message == "All upstreams were skipped"


def test_ifelse_runs_true_branch_for_truthy_condition():
    with Flow("ifelse") as flow:
        n = value(5)
        big, small = label("big"), label("small")
        ifelse(n > 3, big, small)
        merged = merge(big, small)

    state = flow.run()

    assert state.result[big].result == "big"
    assert isinstance(state.result[small], Skipped)
    assert state.result[merged].result == "big"


def test_ifelse_runs_false_branch_for_falsy_condition():
    with Flow("ifelse") as flow:
        big, small = label("big"), label("small")
        ifelse(value(0), big, small)

    state = flow.run()

    assert isinstance(state.result[big], Skipped)
    assert state.result[small].result == "small"


def test_switch_runs_only_matching_case():
    with Flow("switch") as flow:
        a, b, c = label("A"), label("B"), label("C")
        switch(value("b"), {"a": a, "b": b, "c": c})
        merged = merge(a, b, c)

    state = flow.run()

    assert isinstance(state.result[a], Skipped)
    assert state.result[b].result == "B"
    assert isinstance(state.result[c], Skipped)
    assert state.result[merged].result == "B"


def test_switch_names_compare_tasks_after_their_values():
    with Flow("switch") as flow:
        switch(value("b"), {"a": label("A"), "b": label("B")})

    names = {t.name for t in flow.tasks if isinstance(t, CompareValue)}
    assert names == {'CompareValue: "a"', 'CompareValue: "b"'}


def test_compare_value_skips_with_message_when_value_differs():
    assert CompareValue(1).run(1) is None

    with pytest.raises(signals.SKIP) as excinfo:
        CompareValue(1).run(2)

    assert excinfo.value.state.message == 'Provided value "2" did not match "1"'


def test_filter_task_drops_none_and_errors_by_default():
    assert FilterTask().run([1, None, ValueError("x"), 3]) == [1, 3]


def test_filter_task_runs_after_failed_children_and_keeps_the_good_results():
    @task
    def half(x):
        if x % 2:
            raise ValueError("odd")
        return x // 2

    with Flow("filter") as flow:
        halves = half.map([1, 2, 3, 4])
        kept = FilterTask()(halves)

    state = flow.run()

    assert isinstance(state.result[kept], Success)
    assert state.result[kept].result == [1, 2]


def test_filter_task_with_own_filter_function():
    with Flow("filter func") as flow:
        kept = FilterTask(filter_func=lambda r: r > 1)([1, 2, 3])

    assert flow.run().result[kept].result == [2, 3]


def test_filter_task_defaults_to_all_finished_and_not_skipping():
    ft = FilterTask()

    assert ft.trigger is triggers.all_finished
    assert ft.skip_on_upstream_skip is False


def test_case_works_with_operator_condition():
    with Flow("operator case") as flow:
        total = Add()(2, 3)
        with case(total > 4, True):
            big = label("big")

    assert flow.run().result[big].result == "big"


def test_filter_task_keeps_skip_signals_of_skipped_children_as_prefect_does():
    # A skipped child's result is its SKIP signal, a BaseException: the default filter drops
    # None and Exceptions only, so it stays, exactly as in Prefect 0.15.9.
    @task
    def only_even(x):
        if x % 2:
            raise signals.SKIP("odd")
        return x

    with Flow("filter skips") as flow:
        kept = FilterTask()(only_even.map([1, 2, 4]))

    result = flow.run().result[kept].result

    assert result[1:] == [2, 4]
    assert isinstance(result[0], signals.SKIP)


def test_filter_task_log_func_logs_the_kept_results_at_info(capsys):
    with Flow("filter log") as flow:
        FilterTask(log_func=lambda kept: f"kept {kept}", name="keep")([1, None, 2])

    flow.run()

    assert "INFO - caudal.keep | kept [1, 2]" in capsys.readouterr().out


def test_merge_binds_branches_as_task_1_task_2_in_order():
    with Flow("merge keys") as flow:
        out = merge(value(1), value(2))

    assert sorted(e.key for e in flow.edges_to(out)) == ["task_1", "task_2"]
    assert flow.run().result[out].result == 1
