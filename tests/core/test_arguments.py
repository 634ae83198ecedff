"""What values given to a task call become: tasks, annotations, collection tasks, constants."""

from __future__ import annotations

from caudal import Flow, Task, flatten, mapped, unmapped
from caudal.core.arguments import holds_task, task_for, unwrap_annotations
from caudal.tasks.core.collections import Dict, List, Tuple
from caudal.tasks.core.constants import Constant


def test_unwrap_annotations_merges_nested_annotations_outermost_first():
    value, annotations = unwrap_annotations(unmapped(flatten(mapped(5))))

    assert value == 5
    assert annotations == {"mapped": False, "flattened": True}


def test_unwrap_annotations_of_a_plain_value_returns_it_with_no_annotations():
    assert unwrap_annotations([1]) == ([1], {})


def test_holds_task_looks_inside_nested_collections():
    t = Task(name="t")

    assert holds_task(t) and holds_task([1, (2, {t})]) and holds_task({"k": [t]})
    assert not holds_task([1, (2, {3})]) and not holds_task("t")


def test_task_for_a_task_or_annotated_task_is_the_task():
    t = Task(name="t")

    assert task_for(t, force=False) is t
    assert task_for(unmapped(t), force=False) is t


def test_task_for_a_plain_value_is_none_unless_forced():
    assert task_for(3, force=False) is None
    forced = task_for(3, force=True)
    assert isinstance(forced, Constant) and forced.value == 3


def test_task_for_collections_holding_tasks_binds_a_collection_task_in_the_flow():
    t = Task(name="t")
    flow = Flow("collections")

    as_list = task_for([t, 1], force=False, flow=flow)
    as_tuple = task_for((t,), force=False, flow=flow)
    as_dict = task_for({"k": t}, force=False, flow=flow)

    assert isinstance(as_list, List) and isinstance(as_tuple, Tuple)
    assert isinstance(as_dict, Dict)
    assert {as_list, as_tuple, as_dict, t} <= flow.tasks
    assert flow.upstream_tasks(as_list) == {t}
