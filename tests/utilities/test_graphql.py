"""caudal.utilities.graphql: query strings, results and request errors (no server)."""

from __future__ import annotations

import json

import httpx
import pytest

from caudal.utilities.graphql import (
    EnumValue,
    GQLObject,
    GraphQLResult,
    compress,
    decompress,
    format_graphql_request_error,
    parse_graphql,
    with_args,
)


def test_parse_graphql_builds_a_nested_query_with_arguments():
    query = parse_graphql({"query": {
        with_args("flow_run", {"where": {"state": {"_eq": "Failed"}},
                               "order_by": {"start_time": EnumValue("desc")}}): {
            "id": True, "flow": {"name"}}}})

    assert query == ('query {\n'
                     '    flow_run(where: { state: { _eq: "Failed" } }, '
                     'order_by: { start_time: desc }) {\n'
                     '        id\n'
                     '        flow {\n'
                     '            name\n'
                     '        }\n'
                     '    }\n'
                     '}')


def test_parse_graphql_with_gqlobject_class_raises_type_error():
    class flow(GQLObject):  # noqa: N801
        pass

    with pytest.raises(TypeError, match=r"write flow\(\) instead"):
        parse_graphql({"query": flow})


def test_compress_round_trips_json():
    assert decompress(compress({"a": [1, "é", None]})) == {"a": [1, "é", None]}


def test_graphql_result_reads_keys_as_attributes_at_every_depth():
    result = GraphQLResult({"data": {"flow": [{"id": "f1", "tasks": [{"slug": "a"}]}]}})

    assert result.data.flow[0].tasks[0].slug == "a"
    assert json.loads(repr(result)) == result.to_dict()
    with pytest.raises(AttributeError, match="no attribute 'errors'"):
        _ = result.errors


def test_format_graphql_request_error_names_errors_query_and_variables():
    request = httpx.Request("POST", "http://127.0.0.1/graphql",
                            json={"query": "query {\n    flow {\n        id\n    }\n}",
                                  "variables": {"limit": 1}})
    response = httpx.Response(400, request=request, json={"errors": [
        {"message": "field 'idd' not found", "extensions": {"code": "validation-failed"}},
        {"message": "second"}]})

    text = format_graphql_request_error(response)

    assert "    validation-failed: field 'idd' not found\n" in text
    assert "    UNKNOWN_ERROR: second\n" in text
    assert "    query {\n        flow {\n" in text
    assert '"limit": 1' in text


def test_format_graphql_request_error_without_errors_says_so():
    request = httpx.Request("POST", "http://127.0.0.1/graphql", json={"query": "q"})
    response = httpx.Response(400, request=request, json={"data": None})

    assert "gave no error messages" in format_graphql_request_error(response)
