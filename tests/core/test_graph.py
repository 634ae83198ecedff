"""The graph under a flow: sets that count their changes, the index that trusts them."""

from __future__ import annotations

import copy
import pickle

import pytest

from caudal import Flow, Task
from caudal.core.edge import Edge
from caudal.core.graph import EdgeIndex, TrackedSet


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.add(9),
        lambda s: s.discard(1),
        lambda s: s.remove(1),
        lambda s: s.pop(),
        lambda s: s.clear(),
        lambda s: s.update({9}),
        lambda s: s.difference_update({1}),
        lambda s: s.intersection_update({1}),
        lambda s: s.symmetric_difference_update({1, 9}),
        lambda s: s.__ior__({9}),
        lambda s: s.__iand__({1}),
        lambda s: s.__isub__({1}),
        lambda s: s.__ixor__({9}),
    ],
    ids=["add", "discard", "remove", "pop", "clear", "update", "difference_update",
         "intersection_update", "symmetric_difference_update", "|=", "&=", "-=", "^="],
)
def test_every_change_to_a_tracked_set_is_counted(change):
    items = TrackedSet({1, 2})

    change(items)

    assert items.changes == 1


def test_in_place_operators_keep_the_same_tracked_set():
    items = TrackedSet({1, 2})
    same = items

    items |= {3}
    items -= {1}

    assert items is same and items == {2, 3} and items.changes == 2


def test_in_place_operator_with_a_non_set_raises_type_error_and_counts_nothing():
    items = TrackedSet({1})

    with pytest.raises(TypeError):
        items |= [2]  # type: ignore[arg-type]

    assert items.changes == 0


def test_tracked_set_is_a_set_that_copies_and_pickles_with_its_members():
    items = TrackedSet({1, 2})
    items.add(3)

    assert isinstance(items, set) and items == {1, 2, 3}
    assert copy.copy(items) == {1, 2, 3} and pickle.loads(pickle.dumps(items)) == {1, 2, 3}


def test_index_is_stale_after_a_change_it_was_not_told_of():
    a, b, c = Task(name="a"), Task(name="b"), Task(name="c")
    tasks, edges = TrackedSet({a, b, c}), TrackedSet({Edge(a, b)})
    index = EdgeIndex(tasks, edges)
    assert index.is_current(tasks, edges)

    edges.remove(Edge(a, b))
    edges.add(Edge(c, b))

    assert not index.is_current(tasks, edges)
    assert EdgeIndex(tasks, edges).to[b] == {Edge(c, b)}


def test_index_told_of_an_addition_stays_current():
    a, b = Task(name="a"), Task(name="b")
    tasks, edges = TrackedSet({a, b}), TrackedSet()
    index = EdgeIndex(tasks, edges)

    edges.add(Edge(a, b))
    index.add_edge(Edge(a, b))

    assert index.is_current(tasks, edges) and index.frm[a] == {Edge(a, b)}


def test_index_of_other_sets_with_the_same_counts_is_not_current():
    tasks, edges = TrackedSet(), TrackedSet()
    index = EdgeIndex(tasks, edges)

    assert not index.is_current(TrackedSet(), edges)


def test_flow_index_is_reused_while_nothing_changes():
    flow = Flow("reused")
    flow.add_edge(Task(name="a"), Task(name="b"))
    first = flow._index()

    assert flow._index() is first
    flow.add_task(Task(name="c"))  # the flow's own additions update the index in place
    assert flow._index() is first
    flow.tasks.add(Task(name="d"))  # a hand edit makes it rebuild
    assert flow._index() is not first


def test_sorted_tasks_with_root_tasks_sorts_only_what_they_reach():
    a, b, c, d = (Task(name=n) for n in "abcd")
    flow = Flow("roots", edges=[Edge(a, b), Edge(b, c), Edge(d, c)])

    assert flow.sorted_tasks(root_tasks=[b]) == (b, c)
    assert flow.sorted_tasks() == (a, b, d, c)
