"""Query strings a pipeline builds with with_args, EnumValue and parse_graphql."""
from prefect import Flow, Parameter, task
from prefect.utilities.graphql import EnumValue, LiteralSetValue, parse_graphql, with_args


@task
def failed_runs_query(flow_name, limit):
    return parse_graphql({"query": {
        with_args("flow_run", {
            "where": {"flow": {"name": {"_eq": flow_name}}, "state": {"_in": ["Failed"]}},
            "order_by": {"start_time": EnumValue("desc")}, "limit": limit}): {
            "id": True, "name": True, "state_message": ...,
            with_args("task_runs", {"where": {"state": {"_eq": "Failed"}}}): ["id", "map_index"],
        }}})


@task
def mutation(run_id):
    return parse_graphql({"mutation($input: set_flow_run_states_input!)": {
        with_args("set_flow_run_states", {"input": EnumValue("$input")}): {"states": {"id"}}}})


@task
def arguments(run_id):
    return [with_args("flow_run_by_pk", {"id": run_id}),
            with_args("flow", {"where": {"labels": {"_contains": LiteralSetValue(["etl"])}},
                               "archived": False, "version": None, "score": 1.5})]


with Flow("graphql query strings") as flow:
    name = Parameter("flow_name", default="iptu_diario")
    failed_runs_query(name, 10)
    mutation("8e3e4c1a-0000-4000-8000-000000000000")
    arguments("8e3e4c1a-0000-4000-8000-000000000000")
