"""caudal.context: what a task can read about its run, and user keys added around a run."""

from __future__ import annotations

import datetime
import uuid
from datetime import timedelta
from typing import Any

import pytest

import caudal
from caudal import Flow, Parameter, task
from caudal.utilities.context import Context

SEEN: dict[str, Any] = {}

KEYS = [
    "flow_name",
    "flow_run_id",
    "flow_run_name",
    "flow_id",
    "project_name",
    "task_name",
    "task_slug",
    "task_run_id",
    "task_full_name",
    "task_run_count",
    "task_tags",
    "map_index",
    "parameters",
    "scheduled_start_time",
    "today",
    "yesterday",
    "tomorrow",
    "today_nodash",
    "source",
]


@task
def grab():
    SEEN.update({key: caudal.context.get(key) for key in KEYS})
    return 1


@task(name="per item")
def per_item(item):
    return {
        "item": item,
        "map_index": caudal.context.map_index,
        "task_name": caudal.context["task_name"],
        "task_full_name": caudal.context.get("task_full_name"),
    }


RUN_IDS: list[tuple[str, Any]] = []


@task(max_retries=1, retry_delay=timedelta(seconds=0))
def fails_once():
    RUN_IDS.append((caudal.context.flow_run_id, caudal.context.scheduled_start_time))
    if len(RUN_IDS) == 1:
        raise ValueError("first try fails")
    return "second try"


@pytest.fixture
def seen() -> dict[str, Any]:
    SEEN.clear()
    with Flow("ctx") as flow:
        grab(upstream_tasks=[Parameter("p", default=3)])
    flow.run()
    return dict(SEEN)


def test_context_in_task_names_flow_and_task(seen):
    assert seen["flow_name"] == "ctx"
    assert seen["task_name"] == "grab"
    assert seen["task_full_name"] == "grab"
    assert seen["task_slug"] == "grab-1"
    assert seen["task_run_count"] == 1
    assert seen["task_tags"] == set()
    assert seen["map_index"] is None


def test_context_in_task_has_uuid_run_ids(seen):
    assert str(uuid.UUID(seen["flow_run_id"])) == seen["flow_run_id"]
    assert str(uuid.UUID(seen["task_run_id"])) == seen["task_run_id"]


def test_context_in_task_has_parameters(seen):
    assert seen["parameters"] == {"p": 3}


def test_context_in_task_has_scheduled_start_time_and_date_strings(seen):
    start = seen["scheduled_start_time"]
    assert isinstance(start, datetime.datetime)
    assert start.utcoffset() == timedelta(0)
    day = start.date()
    assert seen["today"] == day.strftime("%Y-%m-%d")
    assert seen["yesterday"] == (day - timedelta(days=1)).strftime("%Y-%m-%d")
    assert seen["tomorrow"] == (day + timedelta(days=1)).strftime("%Y-%m-%d")
    assert seen["today_nodash"] == day.strftime("%Y%m%d")


def test_context_in_local_run_has_no_project(seen):
    assert seen["project_name"] is None


def test_context_in_local_run_has_flow_name_as_flow_id(seen):
    assert seen["flow_id"] == "ctx"


def test_context_in_local_run_has_a_flow_run_name(seen):
    assert isinstance(seen["flow_run_name"], str)


def test_run_with_flow_run_name_sets_it_in_context():
    SEEN.clear()
    with Flow("named run") as flow:
        grab()

    flow.run(flow_run_name="nightly")

    assert SEEN["flow_run_name"] == "nightly"


def test_retry_round_keeps_flow_run_id_and_scheduled_start_time():
    RUN_IDS.clear()
    with Flow("retry ids") as flow:
        fails_once()

    flow.run()

    assert len(RUN_IDS) == 2
    assert RUN_IDS[0] == RUN_IDS[1]


def test_mapped_children_see_their_map_index_and_full_name():
    with Flow("mapped ctx") as flow:
        out = per_item.map(["a", "b"])

    assert flow.run().result[out].result == [
        {"item": "a", "map_index": 0, "task_name": "per item", "task_full_name": "per item[0]"},
        {"item": "b", "map_index": 1, "task_name": "per item", "task_full_name": "per item[1]"},
    ]


def test_user_keys_set_around_run_are_visible_in_tasks():
    SEEN.clear()
    with Flow("user keys") as flow:
        grab()

    with caudal.context(source="cli"):
        flow.run()

    assert SEEN["source"] == "cli"


def test_run_context_argument_is_visible_in_tasks():
    SEEN.clear()
    with Flow("run context") as flow:
        grab()

    flow.run(context={"source": "api"})

    assert SEEN["source"] == "api"


def test_context_gives_attribute_and_item_access():
    with caudal.context(source="cli"):
        assert caudal.context.source == "cli"
        assert caudal.context["source"] == "cli"
        assert caudal.context.get("source") == "cli"
        assert "source" in caudal.context


def test_context_missing_key_raises_attribute_error():
    with pytest.raises(AttributeError, match="'Context' object has no attribute 'nope'"):
        caudal.context.nope  # noqa: B018


def test_context_missing_key_with_get_gives_default():
    assert caudal.context.get("nope") is None
    assert caudal.context.get("nope", 5) == 5


def test_context_block_restores_previous_values():
    with caudal.context(key=1):
        with caudal.context(key=2, other="x"):
            assert (caudal.context.key, caudal.context.other) == (2, "x")
        assert caudal.context.key == 1
        assert "other" not in caudal.context

    assert caudal.context.get("key") is None


def test_context_block_restores_values_after_error():
    with pytest.raises(RuntimeError):
        with caudal.context(key="inside"):
            raise RuntimeError("boom")

    assert caudal.context.get("key") is None


def test_context_accepts_dict_and_keywords():
    with caudal.context({"a": 1}, b=2):
        assert caudal.context.a + caudal.context.b == 3


def test_context_after_run_has_no_run_keys():
    with Flow("after") as flow:
        grab()

    flow.run()

    assert caudal.context.get("flow_name") is None
    assert caudal.context.get("task_name") is None


def test_context_has_logger_and_config():
    assert caudal.context.logger.name == "caudal"
    assert caudal.context.config == caudal.config


def test_context_is_a_context_instance():
    assert isinstance(caudal.context, Context)
