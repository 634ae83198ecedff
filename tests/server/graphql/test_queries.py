"""Queries of flow runs, flows, task runs, projects and flow groups, on SQLite and PostgreSQL:
Hasura's where operators, relations, ordering, pages, distinct_on, variables and aggregates."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import World, at, data, error_of


def _names(api: httpx.Client, where: str, variables: dict[str, Any] | None = None,
           header: str = "") -> list[str]:
    query = (f"query{header} {{ flow_run(where: {where}, order_by: {{name: asc}}) "
             "{ name } }")
    return [run["name"] for run in data(api, query, variables)["flow_run"]]


@pytest.mark.parametrize(("where", "names"), [
    ('{state: {_eq: "Running"}}', ["b"]),
    ('{state: {_neq: "Running"}}', ["a", "c", "d"]),
    ('{state: {_in: ["Success", "Failed"]}}', ["c", "d"]),
    ('{state: {_nin: ["Success", "Failed"]}}', ["a", "b"]),
    ('{state: {_in: []}}', []),
    ('{name: {_lt: "b"}}', ["a"]),
    ('{name: {_lte: "b"}}', ["a", "b"]),
    ('{name: {_gt: "c"}}', ["d"]),
    ('{name: {_gte: "c"}}', ["c", "d"]),
    ('{name: {_like: "%"}, version: {_gt: 2}}', ["c", "d"]),
    ('{scheduled_start_time: {_gte: "2031-01-01T10:00:00+00:00", '
     '_lt: "2031-01-01T12:00:00Z"}}', ["b", "c"]),
    ('{end_time: {_is_null: false}}', ["c", "d"]),
    ('{end_time: {_is_null: true}}', ["a", "b"]),
    ('{_and: [{state: {_neq: "Failed"}}, {name: {_gte: "b"}}]}', ["b", "c"]),
    ('{_or: [{state: {_eq: "Failed"}}, {name: {_eq: "a"}}]}', ["a", "d"]),
    ('{_not: {state: {_eq: "Scheduled"}}}', ["b", "c", "d"]),
    ('{_or: []}', []),
    ("{}", ["a", "b", "c", "d"]),
    ('{state: {_eq: null}}', ["a", "b", "c", "d"]),  # Hasura: a null comparison is no filter
    ('{state_message: {_eq: "boom"}}', ["d"]),
])
def test_where_operator_selects_runs(api: httpx.Client, world: World, where: str,
                                     names: list[str]) -> None:
    assert _names(api, where) == names


def test_where_on_nested_relations(api: httpx.Client, world: World) -> None:
    assert _names(api, '{flow: {name: {_eq: "daily"}}}') == ["d"]
    assert _names(api, '{flow: {project: {name: {_eq: "pipelines"}}}}') == ["a", "b", "c"]
    assert _names(api, '{flow: {version: {_eq: 1}, project: {name: {_eq: "pipelines"}}}}') \
        == ["c"]
    assert _names(api, '{task_runs: {state: {_eq: "Failed"}}}') == ["a"]
    assert _names(api, '{_not: {task_runs: {}}}') == ["b", "c", "d"]
    flows = data(api, '{ flow(where: {flow_runs: {state: {_eq: "Running"}}}) { version } }')
    assert flows["flow"] == [{"version": 2}]
    projects = data(api, '{ project(where: {flows: {name: {_eq: "daily"}}}) { name } }')
    assert projects["project"] == [{"name": "reports"}]


def test_nested_selections_follow_relations(api: httpx.Client, world: World) -> None:
    found = data(api, """{ flow_run(where: {name: {_eq: "a"}}) {
        id name state parameters labels flow_id version
        flow { name version archived project { name } flow_group { id } }
        task_runs(order_by: {task_slug: asc}) { task_slug name map_index state flow_run_id }
    } }""")["flow_run"]

    (run,) = found
    assert run["id"] == world.runs["a"]
    assert (run["name"], run["state"], run["flow_id"]) == ("a", "Scheduled", world.etl_v2)
    assert run["parameters"] == {"source": "s3://a"} and run["labels"] == ["etl"]
    assert run["flow"] == {"name": "etl", "version": 2, "archived": False,
                           "project": {"name": "pipelines"},
                           "flow_group": {"id": world.etl_group}}
    assert run["task_runs"] == [
        {"task_slug": "extract-1", "name": "extract", "map_index": -1, "state": "Success",
         "flow_run_id": world.runs["a"]},
        {"task_slug": "load-1", "name": "load", "map_index": -1, "state": "Failed",
         "flow_run_id": world.runs["a"]}]


def test_array_relations_take_their_own_arguments(api: httpx.Client, world: World) -> None:
    found = data(api, """{ project(order_by: {name: asc}) { name
        flows(order_by: {version: desc}, limit: 1) { version
            flow_runs(where: {state: {_neq: "Scheduled"}}) { name } } } }""")

    assert found["project"] == [
        {"name": "pipelines", "flows": [{"version": 2, "flow_runs": [{"name": "b"}]}]},
        {"name": "reports", "flows": [{"version": 1, "flow_runs": [{"name": "d"}]}]}]


def test_order_by_directions_and_relations(api: httpx.Client, world: World) -> None:
    def order(order_by: str) -> list[str]:
        query = f"{{ flow_run(order_by: {order_by}) {{ name }} }}"
        return [run["name"] for run in data(api, query)["flow_run"]]

    assert order("{scheduled_start_time: desc}") == ["d", "c", "b", "a"]
    assert order("[{flow: {name: desc}}, {name: asc}]") == ["a", "b", "c", "d"]
    assert order("[{flow: {project: {name: desc}}}, {name: desc}]") == ["d", "c", "b", "a"]
    # Nulls last ascending and first descending (Hasura's, PostgreSQL's) on both databases.
    assert order("[{end_time: asc}, {name: asc}]") == ["c", "d", "a", "b"]
    assert order("[{end_time: desc}, {name: asc}]") == ["a", "b", "d", "c"]
    assert order("[{end_time: asc_nulls_first}, {name: asc}]") == ["a", "b", "c", "d"]
    assert order("[{end_time: desc_nulls_last}, {name: asc}]") == ["d", "c", "a", "b"]


def test_limit_and_offset_page_through_runs(api: httpx.Client, world: World) -> None:
    query = "query($n: Int, $skip: Int) { flow_run(order_by: {name: asc}, limit: $n, " \
            "offset: $skip) { name } }"

    pages = [[r["name"] for r in data(api, query, {"n": 3, "skip": skip})["flow_run"]]
             for skip in (0, 3, 6)]

    assert pages == [["a", "b", "c"], ["d"], []]
    assert [r["name"] for r in data(api, query, {"skip": 1})["flow_run"]] == ["b", "c", "d"]


def test_distinct_on_keeps_first_row_of_each_group(api: httpx.Client, world: World) -> None:
    latest = data(api, """{ flow(distinct_on: name, order_by: [{name: asc}, {version: desc}])
                            { name version } }""")
    first_runs = data(api, """{ flow_run(distinct_on: [flow_id],
                                         order_by: [{flow_id: asc}, {name: asc}]) { name } }""")
    with_limit = data(api, """{ flow(distinct_on: [name], order_by: [{name: desc},
                                    {version: asc}], limit: 1) { name version } }""")

    assert latest["flow"] == [{"name": "daily", "version": 1}, {"name": "etl", "version": 2}]
    assert sorted(r["name"] for r in first_runs["flow_run"]) == ["a", "c", "d"]
    assert with_limit["flow"] == [{"name": "etl", "version": 1}]


def test_variables_of_each_type(api: httpx.Client, world: World) -> None:
    header = ("($id: uuid!, $name: String, $after: timestamptz, $version: Int, "
              "$archived: Boolean, $states: [String!])")
    where = ("{flow_id: {_eq: $id}, name: {_neq: $name}, scheduled_start_time: {_gt: $after},"
             " version: {_gte: $version}, flow: {archived: {_eq: $archived}},"
             " state: {_in: $states}}")
    variables = {"id": world.etl_v2, "name": "zzz", "after": at(0).isoformat(), "version": 1,
                 "archived": False, "states": ["Running", "Scheduled"]}

    assert _names(api, where, variables, header) == ["b"]
    assert _names(api, where, {**variables, "states": "Running"}, header) == ["b"]
    assert _names(api, where, {"id": world.etl_v2}, header) == ["a", "b"]


def test_variables_declared_with_prefect_servers_own_scalar_names(api: httpx.Client,
                                                                   world: World) -> None:
    """Prefect Server's mutations take UUID and DateTime; pipelines declare those too."""
    header = "($id: UUID!, $after: DateTime, $version: bigint, $name: ID)"
    where = ("{flow_id: {_eq: $id}, scheduled_start_time: {_gt: $after},"
             " version: {_gte: $version}, name: {_neq: $name}}")
    variables = {"id": world.etl_v2, "after": at(0).isoformat(), "version": 1, "name": "zzz"}

    assert _names(api, where, variables, header) == ["b"]
    bad = error_of(api, f"query{header} {{ flow_run(where: {where}) {{ name }} }}",
                   {**variables, "id": "not-a-uuid"})
    assert "$id" in bad and "UUID!" in bad, bad


def test_variable_default_and_whole_where_as_variable(api: httpx.Client, world: World) -> None:
    query = """query($state: String = "Failed", $where: flow_run_bool_exp,
                     $order: [flow_run_order_by!]) {
        by_default: flow_run(where: {state: {_eq: $state}}) { name }
        by_where: flow_run(where: $where, order_by: $order) { name } }"""

    found = data(api, query, {"where": {"name": {"_in": ["a", "b"]}},
                              "order": [{"name": "desc"}]})

    assert found == {"by_default": [{"name": "d"}], "by_where": [{"name": "b"}, {"name": "a"}]}


def test_aggregates_count_what_where_selects(api: httpx.Client, world: World) -> None:
    found = data(api, """query($flow: uuid) {
        all: flow_run_aggregate { aggregate { count } }
        of_flow: flow_run_aggregate(where: {flow_id: {_eq: $flow}}) { aggregate { n: count } }
        paged: flow_run_aggregate(limit: 2, offset: 1) { aggregate { count } }
        distinct: flow_run_aggregate(distinct_on: flow_id) { aggregate { count } }
        task_run_aggregate(where: {state: {_eq: "Failed"}}) { aggregate { count } }
        project_aggregate { __typename aggregate { count } } }""", {"flow": world.etl_v2})

    assert found == {"all": {"aggregate": {"count": 4}}, "of_flow": {"aggregate": {"n": 2}},
                     "paged": {"aggregate": {"count": 2}},
                     "distinct": {"aggregate": {"count": 3}},
                     "task_run_aggregate": {"aggregate": {"count": 1}},
                     "project_aggregate": {"__typename": "project_aggregate",
                                           "aggregate": {"count": 2}}}


def test_by_pk_aliases_and_typename(api: httpx.Client, world: World) -> None:
    found = data(api, """query($id: uuid!) { __typename
        run: flow_run_by_pk(id: $id) { __typename id run_name: name flow { __typename name } }
        missing: flow_run_by_pk(id: "00000000-0000-0000-0000-000000000000") { id } }""",
                 {"id": world.runs["d"]})

    assert found == {"__typename": "query_root",
                     "run": {"__typename": "flow_run", "id": world.runs["d"], "run_name": "d",
                             "flow": {"__typename": "flow", "name": "daily"}},
                     "missing": None}


def test_times_are_iso_text_in_utc(api: httpx.Client, world: World) -> None:
    (run,) = data(api, '{ flow_run(where: {name: {_eq: "c"}}) { scheduled_start_time '
                       "start_time end_time created updated state_message } }")["flow_run"]

    assert run["scheduled_start_time"] == at(2).isoformat()
    assert run["start_time"] <= run["end_time"] == run["updated"]
    assert run["state_message"] == "all good"


def test_flow_groups_and_their_flows(api: httpx.Client, world: World) -> None:
    found = data(api, """query($id: uuid!) { flow_group(where: {id: {_eq: $id}}) {
        id name schedule_active project { name } flows(order_by: {version: asc}) { id }
        flow_runs_count: flow_runs(where: {state: {_eq: "Success"}}) { name } } }""",
                 {"id": world.etl_group})

    assert found["flow_group"] == [{
        "id": world.etl_group, "name": "etl", "schedule_active": False,
        "project": {"name": "pipelines"},
        "flows": [{"id": world.etl_v1}, {"id": world.etl_v2}],
        "flow_runs_count": [{"name": "c"}]}]


def test_flow_fields_as_prefect_names_them(api: httpx.Client, world: World) -> None:
    (flow,) = data(api, """query($id: uuid!) { flow(where: {id: {_eq: $id}}) {
        id name version archived version_group_id flow_group_id project_id created } }""",
                   {"id": world.etl_v1})["flow"]
    project_id = data(api, '{ project(where: {name: {_eq: "pipelines"}}) { id } }')

    assert (flow["name"], flow["version"], flow["archived"]) == ("etl", 1, True)
    assert flow["version_group_id"] == flow["flow_group_id"] == world.etl_group
    assert flow["project_id"] == project_id["project"][0]["id"]


def test_aggregates_of_array_relations_count_per_row(api: httpx.Client, world: World) -> None:
    found = data(api, """{ flow(order_by: [{name: asc}, {version: asc}]) { name version
        flow_runs_aggregate { aggregate { count } }
        running: flow_runs_aggregate(where: {state: {_eq: "Running"}}) {
            __typename aggregate { __typename count } } } }""")

    assert [(f["name"], f["version"], f["flow_runs_aggregate"]["aggregate"]["count"],
             f["running"]["aggregate"]["count"]) for f in found["flow"]] == [
        ("daily", 1, 1, 0), ("etl", 1, 1, 0), ("etl", 2, 2, 1)]
    assert found["flow"][0]["running"] == {
        "__typename": "flow_run_aggregate",
        "aggregate": {"__typename": "flow_run_aggregate_fields", "count": 0}}
    by_state = data(api, """{ flow_run(where: {name: {_eq: "a"}}) {
        task_runs_aggregate(distinct_on: state) { aggregate { count } } } }""")
    assert by_state["flow_run"] == [{"task_runs_aggregate": {"aggregate": {"count": 2}}}]
