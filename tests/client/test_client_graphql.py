"""Client.graphql against the real server: Prefect's query forms and result reading."""

from __future__ import annotations

import pytest

from caudal.exceptions import ClientError
from caudal.utilities.graphql import GraphQLResult


def test_graphql_query_reads_by_key_and_by_attribute(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 2}, run_name="by-hand")

    result = client.graphql(
        "query($id: uuid!) { flow_run(where: {id: {_eq: $id}}) "
        "{ id name state flow { name project { name } } } }", variables={"id": run_id})

    assert isinstance(result, GraphQLResult)
    assert result["data"]["flow_run"][0]["name"] == "by-hand"
    run = result.data.flow_run[0]
    assert (run.id, run.name, run.state) == (run_id, "by-hand", "Scheduled")
    assert (run.flow.name, run.flow.project.name) == ("adder", "etl")


def test_graphql_mutation_in_prefects_dict_form(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 2})

    result = client.graphql(
        {"mutation($input: set_flow_run_name_input!)": {
            "set_flow_run_name(input: $input)": {"success"}}},
        variables={"input": {"flow_run_id": run_id, "name": "renamed"}})

    assert result.data.set_flow_run_name.success is True
    assert client.get_flow_run(run_id).name == "renamed"


def test_graphql_errors_raise_client_error_naming_them(client, project):
    with pytest.raises(ClientError) as excinfo:
        client.graphql("{ flow_run { id tenant_id } }")

    assert "field 'tenant_id' is not supported on 'flow_run'" in str(excinfo.value)
    assert excinfo.value.detail[0]["message"] in str(excinfo.value)


def test_graphql_errors_returned_without_raise_on_error(client, project):
    result = client.graphql("{ flow_run(where: {name: {_eq: }}) { id } }",
                            raise_on_error=False)

    assert "Syntax Error" in result.errors[0].message
    assert result.errors[0].locations == [{"line": 1, "column": 32}]


def test_graphql_takes_prefects_query_forms(client, project):
    # Nested dicts and lists, as pipelines built them with parse_graphql.
    result = client.graphql({"query": {"project": {"name": True}}})

    assert [p.name for p in result.data.project] == [project]


def test_graphql_result_missing_field_is_an_attribute_error_naming_it():
    result = GraphQLResult({"data": {"flow_run": []}})

    with pytest.raises(AttributeError, match="no attribute 'errors'"):
        result.errors  # noqa: B018
    assert result.to_dict() == {"data": {"flow_run": []}}
    assert type(result.to_dict()["data"]) is dict
