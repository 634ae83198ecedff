"""What the GraphQL endpoint refuses: fields and arguments outside its subset, malformed
queries and variables (200 with errors naming the problem), and bodies that are not GraphQL
requests (400)."""

from __future__ import annotations

import httpx
import pytest

from .conftest import World, error_of, gql


@pytest.mark.parametrize(("query", "named"), [
    ("{ flow_run { id tenant_id } }", "field 'tenant_id' is not supported on 'flow_run'"),
    ("{ tenant { id } }", "field 'tenant' is not supported on 'query_root'"),
    ("{ flow_run { flow { nope } } }", "field 'nope' is not supported on 'flow'"),
    ("{ flow_run(where: {nope: {_eq: 1}}) { id } }",
     "field 'nope' is not supported on 'flow_run'"),
    ('{ flow_run(where: {name: {_regex: "a"}}) { id } }',
     "operator '_regex' is not supported on 'flow_run.name'"),
    ("{ flow_run(where: {version: {_like: 1}}) { id } }",
     "operator '_like' is not supported on 'flow_run.version'"),
    ("{ flow_run(order_by: {nope: asc}) { id } }",
     "field 'nope' is not supported on 'flow_run'"),
    ("{ flow_run(order_by: {task_runs: {name: asc}}) { id } }",
     "order_by field 'task_runs' is not supported on 'flow_run'"),
    ("{ flow_run(distinct_on: nope) { id } }", "field 'nope' is not supported on 'flow_run'"),
    ("{ flow_run(first: 3) { id } }", "argument 'first' is not supported on 'flow_run'"),
    ("{ flow_run { flow(limit: 1) { id } } }",
     "argument 'limit' is not supported on 'flow_run.flow'"),
    ("{ flow_run { id @include(if: true) } }",
     "directive '@include' is not supported on 'flow_run'"),
    ("{ flow_run_aggregate { aggregate { max { version } } } }",
     "field 'max' is not supported on 'flow_run_aggregate.aggregate'"),
    ("{ flow_run_aggregate { nodes { id } } }",
     "field 'nodes' is not supported on 'flow_run_aggregate'"),
    ("{ flow { flow_runs_aggregate(limit: 1) { aggregate { count } } } }",
     "argument 'limit' is not supported on 'flow.flow_runs_aggregate'"),
    ("{ flow_run { flow_aggregate { aggregate { count } } } }",
     "field 'flow_aggregate' is not supported on 'flow_run'"),
    ("mutation { delete_tenant(input: {}) { success } }",
     "field 'delete_tenant' is not supported on 'mutation_root'"),
    ('mutation { cancel_flow_run(input: {flow_run_id: "x"}) { success } }',
     "field 'success' is not supported on 'cancel_flow_run result'"),
    ("query($x: Point) { flow_run { id } }", "variable type 'Point' is not supported"),
])
def test_unsupported_name_is_an_error_naming_it(api: httpx.Client, query: str,
                                                named: str) -> None:
    assert named in error_of(api, query)


@pytest.mark.parametrize(("query", "says"), [
    ("{ flow_run(where: {version: {_eq: \"one\"}}) { id } }",
     "Field 'flow_run.version' expects a value of type 'Int', not 'one'"),
    ("{ flow_run(where: {id: {_eq: \"not-a-uuid\"}}) { id } }", "type 'uuid'"),
    ("{ flow_run(where: {start_time: {_gt: \"yesterday\"}}) { id } }", "type 'timestamptz'"),
    ("{ flow_run(where: {parameters: {_eq: 1}}) { id } }",
     "Field 'flow_run.parameters' (jsonb) cannot be filtered"),
    ("{ flow_run(where: {name: {_in: \"a\"}}) { id } }", "'_in' expects a list"),
    ("{ flow_run(order_by: {name: up}) { id } }", "expects one of asc, asc_nulls_first"),
    ("{ flow_run(limit: -1) { id } }", "'limit' on 'flow_run' expects a whole number"),
    ("{ flow_run }", "select some of their fields"),
    ("{ flow_run { name { x } } }", "is a String; it has no fields to select"),
    ("query { flow_run(where: {id: {_eq: $id}}) { id } }", "Variable '$id' is not defined"),
    ("query($id: uuid!) { flow_run(where: {id: {_eq: $id}}) { id } }",
     "Variable '$id' of type 'uuid!' must be given"),
    ("{ flow_run_by_pk(id: 5) { id } }", "Argument 'id' of 'flow_run_by_pk'"),
    ("fragment f on flow_run { id } { flow_run { ...f } }", "Fragments are not supported"),
    ("subscription { flow_run { id } }", "Subscriptions are not supported"),
    ("query a { flow_run { id } } query b { flow { id } }", "say which in 'operationName'"),
])
def test_bad_query_is_an_error_saying_why(api: httpx.Client, query: str, says: str) -> None:
    assert says in error_of(api, query)


@pytest.mark.parametrize(("variables", "says"), [
    ({"n": "3"}, "Variable '$n' of type 'Int' expects a value of type 'Int', not '3'"),
    ({"n": True}, "type 'Int'"),
    ({"on": "yes", "n": 1}, "Variable '$on' of type 'Boolean'"),
    ({"states": [1]}, "Variable '$states' of type '[String!]'"),
    ({"states": [None]}, "must be given, and not null"),
])
def test_variable_of_wrong_type_is_an_error(api: httpx.Client, variables: dict,
                                            says: str) -> None:
    query = ("query($n: Int, $on: Boolean, $states: [String!]) { flow_run(limit: $n, where: "
             "{auto_scheduled: {_eq: $on}, state: {_in: $states}}) { id } }")
    assert says in error_of(api, query, variables)


@pytest.mark.parametrize(("query", "variables", "says"), [
    ('{ flow_run(where: {name: {_eq: "a\\u0000b"}}) { id } }', None,
     "must not contain NUL characters"),
    ("query($n: String) { flow_run(where: {name: {_eq: $n}}) { id } }", {"n": "a\x00"},
     "must not contain NUL characters"),
    ('mutation { cancel_flow_run(input: {flow_run_id: "a\\u0000"}) { state } }', None,
     "needs 'flow_run_id' in its input, as an id"),
    ("{ flow_run(limit: 99999999999999999999999) { id } }", None,
     "'limit' on 'flow_run' expects a whole number from 0 to 2147483647"),
    ('{ flow_run(where: {start_time: {_gt: "0001-01-01T00:00:00+05:00"}}) { id } }', None,
     "type 'timestamptz'"),
    ("query($names: [String!]) { flow_run(where: {name: {_in: $names}}) { id } }",
     {"names": ["x"] * 10_001}, "'_in' takes at most 10000 values"),
    ("{ flow_run(where: " + "{_not: " * 40 + "{}" + "}" * 40 + ") { id } }", None,
     "nests deeper than 32 levels"),
    ("query($w: flow_run_bool_exp) { flow_run(where: $w) { id } }",
     {"w": {"_and": [{"_and": [{"_not": {"_not": {}}}]}] * 3}}, None),
    ("{ flow_run " + "{ flow { flow_runs " * 20 + "{ id }" + " } }" * 20 + " }", None,
     "nests deeper than 32 levels"),
    ("{ " + "a: flow_run { id } " * 60_000 + "}", None,
     "Document contains more than 100000 tokens"),
])
def test_hostile_values_are_errors_not_server_errors(api: httpx.Client, query: str,
                                                      variables: dict | None,
                                                      says: str | None) -> None:
    answer = gql(api, query, variables)

    if says is None:
        assert "errors" not in answer, answer
    else:
        assert says in answer["errors"][0]["message"], answer


def test_variable_nested_too_deeply_is_an_error(api: httpx.Client) -> None:
    where: dict = {}
    for _ in range(40):
        where = {"_not": where}

    message = error_of(api, "query($w: flow_run_bool_exp) { flow_run(where: $w) { id } }",
                       {"w": where})

    assert "nests deeper than 32 levels" in message


def test_syntax_error_gives_its_location(api: httpx.Client) -> None:
    answer = gql(api, "{ flow_run(where: {name: {_eq: }}) { id } }")

    assert answer == {"errors": [{"message": "Syntax Error: Unexpected '}'.",
                                  "locations": [{"line": 1, "column": 32}]}]}


def test_operation_name_chooses_the_operation(api: httpx.Client, world: World) -> None:
    response = api.post("/graphql", json={
        "query": "query a { flow_run { id } } query b { project(order_by: {name: asc}) "
                 "{ name } }", "operationName": "b"})

    assert response.json() == {"data": {"project": [{"name": "pipelines"},
                                                    {"name": "reports"}]}}


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"query": 5}', b"{}",
                                  b'{"query": "{ flow_run { id } }", "variables": [1]}'])
def test_body_that_is_not_a_graphql_request_is_400(api: httpx.Client, body: bytes) -> None:
    response = api.post("/graphql", content=body,
                        headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert "A GraphQL request is a JSON object" in response.json()["detail"] or \
        "'variables' must be a JSON object" in response.json()["detail"]
