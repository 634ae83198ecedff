"""GQLObject fields and GraphQLResult answers as a task uses them."""
from prefect import Flow, task
from prefect.utilities.graphql import (
    GQLObject,
    GraphQLResult,
    compress,
    decompress,
    lowercase_first_letter,
    multiline_indent,
    parse_graphql,
)


class FlowRun(GQLObject):
    pass


@task
def objects():
    run = FlowRun()
    return {"plain": str(run), "called": str(run({"limit": 2})), "repr": repr(run),
            "named": str(FlowRun("runs")), "query": parse_graphql({"query": {run: {"id"}}}),
            "lower": lowercase_first_letter("TaskRun"),
            "indent": multiline_indent("a\nb\n", 3)}


@task
def answer():
    result = GraphQLResult({"data": {"flow_run": [{"id": "r1", "state": {"type": "Failed"}}]}})
    return {"id": result.data.flow_run[0].id, "type": result.data.flow_run[0].state.type,
            "repr": repr(result), "str": str(result),
            "round_trip": decompress(compress({"a": [1, None, "é"]}))}


with Flow("graphql objects and results") as flow:
    objects()
    answer()
