"""Build GraphQL query strings with prefect's or caudal's graphql helpers; print them as JSON.

Run as ``python graphql_compat_driver.py prefect|caudal`` (Python 3.9 for Prefect: stdlib only).
Sets hold at most one string: a set's order depends on the interpreter's string hashing.
"""

import datetime
import decimal
import importlib
import json
import sys
import uuid
import warnings

warnings.simplefilter("ignore")
LIB = sys.argv[1]
G = importlib.import_module(LIB + ".utilities.graphql")
EnumValue, LiteralSetValue, GQLObject = G.EnumValue, G.LiteralSetValue, G.GQLObject
with_args, parse_graphql, parse_graphql_arguments = G.with_args, G.parse_graphql, G.parse_graphql_arguments


class Custom:
    def __str__(self):
        return "custom"


class FlowRun(GQLObject):
    pass


class flow(GQLObject):  # noqa: N801 (the field's own name, as pipelines write it)
    pass


ARGUMENTS = [
    {}, {"a": 1}, {"a": 1.5}, {"a": -0.0}, {"a": 1e20}, {"n": 10 ** 20},
    {"a": True, "b": False, "c": None}, {"s": "true"}, {"s": "null"}, {"s": "a: b"},
    {"s": "{x}"}, {"s": "it's"}, {"s": 'q"q'}, {"s": "é ü 中"}, {"s": "line\nbreak\ttab\\"},
    {"s": "\u2028\x00"}, {"k'ey": 1}, {'k"ey': 1}, {1: 2}, {2.5: 1}, {(1, 2): 3}, {None: 1},
    {True: 1}, {"": 1}, {" sp ace ": 1}, {EnumValue("k"): 1},
    {"a": [1, {"b": None}]}, {"a": (1, 2)}, {"a": {"b": {"c": {"d": []}}}}, {"x": {"y": {}}},
    {"x": [{}]}, {"x": [[]]}, {"x": {"a": {}, "b": []}}, {"x": {None: 1}},
    {"e": EnumValue("desc")}, {"e": [EnumValue("a"), EnumValue("b")]},
    {"e": {"x": EnumValue("asc_nulls_last")}}, {"input": EnumValue("$input")},
    {"ls": LiteralSetValue(["a", "b"])}, {"ls": LiteralSetValue([])},
    {"ls": LiteralSetValue(("x y", "z"))},
    "already: parsed", "", [1, 2], 12, None, True, 1.5, EnumValue("top"), Custom(),
    {"x": float("nan")}, {"x": float("inf")}, {"x": datetime.datetime(2020, 1, 2, 3, 4, 5)},
    {"x": datetime.date(2021, 5, 6)}, {"x": uuid.UUID(int=5)}, {"x": decimal.Decimal("1.50")},
    {"x": {1, 2}}, {"x": Custom()}, {"x": b"bytes"}, {"x": "EnumValue"},
    {"x": ' "a": 1'}, {"x": "{ a }"},
    {"where": {"_and": [{"a": {"_eq": 1}}, {"b": {"_in": ["x", "y"]}}]}},
    {"where": {"flow_run": {"id": {"_eq": "8e3e4c1a"}}, "state": {"_in": ["Failed"]}},
     "order_by": {"start_time": EnumValue("desc")}, "limit": 10, "offset": 0},
    {"objects": [{"name": "f", "tags": ["a"]}],
     "on_conflict": {"constraint": EnumValue("flow_pkey"),
                     "update_columns": [EnumValue("name")]}},
    {"input": {"flow_run_id": "abc", "version": 3,
               "state": json.dumps({"type": "Success", "message": "ok"})}},
    {"input": {"states": [{"task_run_id": "t1", "version": 1, "state": {"type": "Running"}}]}},
]

DOCUMENTS = [
    "plain", "multi\nline", {"query": "id"}, {"query": {"a": True, "b": ..., "c": {"d": True}}},
    {"query": ["a", "b", {"c": ["d"]}]}, {"query": {"a": None}}, {"query": {"a": False}},
    {"query": {"a": 0}}, {"query": {"a": 1}}, {"query": {"a": 1.0}}, {"query": {"a": 2}},
    {"query": {"a": "True"}}, {"query": {"a": [True, ..., None]}},
    {"query": {"a": "b"}}, {"query": {"a": ["b", "c"]}}, {"query": {"a": ("b",)}},
    {"query": {"a": {"b"}}}, ["a", "b"], [{"a": "b"}, "c"], {"a": {}}, {"a": []}, [], {},
    {"a": [[]]}, {"a": [[["q"]]]}, {"a": [{}]}, {"a": [{"b": "c"}, {"d": True}]},
    {"a": {"b": {}}, "c": True}, {"a": {"b": {"c": {"d": {"e": "f"}}}}},
    {"a": "multi\nline"}, {"a": ["x\ny"]}, {"a": {"b": ["x\n\ny\n"]}}, {"a\nb": True},
    {"a\nb": {"c": True}}, {"k": {"a\nb": {"c": "d"}}}, {1: 2}, {"a": None, "b": "c"},
    {"query": {flow(): "id"}}, {"query": flow()}, {"query": [flow("alias")]},
    {"query": {FlowRun()({"limit": 1}): {"id"}}}, {"query": {GQLObject("x\ny"): True}},
    {"mutation($input: create_flow_run_input!)": {
        with_args("create_flow_run", {"input": EnumValue("$input")}): {"id"}}},
    {"query": {with_args("flow", {"where": {"id": {"_eq": "x"}}}): {
        "id": True, "name": True,
        with_args("tasks", {"limit": 1, "order_by": {"slug": EnumValue("asc")}}): ["slug"],
        "flow_group": {"labels": True}}}},
    {"query": {with_args("flow_run", {"where": {"state": {"_eq": "Failed"}}}): {
        "id", }, with_args("task_run", {"where": {"flow_run_id": {"_eq": "f1"}},
                                        "limit": 5}): {"state": True, "map_index": ...}}},
    {"mutation": {with_args("set_flow_run_states", {"input": {"states": [
        {"flow_run_id": "abc", "version": 2, "state": {"type": "Scheduled"}}]}}): {
            "states": {"id"}}}},
]


def call(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # the kind of error is compared, not its wording
        return "raised " + type(exc).__name__


out = {
    "arguments": [call(parse_graphql_arguments, a) for a in ARGUMENTS],
    "with_args": [call(with_args, "field", a) for a in ARGUMENTS]
    + [call(with_args, flow(), {"a": 1}), call(with_args, flow("n", "old"), {"a": 1}),
       call(with_args, 3, "x"), call(with_args, "f", ""), call(with_args, "f", None),
       call(with_args, "f", [])],
    "documents": [call(parse_graphql, d) for d in DOCUMENTS]
    + [call(parse_graphql, {"query": flow}), call(parse_graphql, {"query": {flow: "id"}})],
    "objects": [str(flow()), str(flow("myname")), str(flow("n", "args")), str(flow(None, None)),
                str(flow("", "")), repr(flow()), str(FlowRun()), repr(FlowRun("x")),
                str(GQLObject()), repr(GQLObject()), str(GQLObject("a", "b")),
                str(GQLObject(None, "b")), str(GQLObject("a")("x: 1")),
                str(GQLObject("a", "p")({"x": 1})), str(GQLObject("a", "y: 2")(None)),
                repr(GQLObject("a")("x: 1"))],
    "enum": [str(EnumValue("asc")), repr(EnumValue("asc")), EnumValue("a") == EnumValue("a"),
             EnumValue("a") == "a"],
    "literal_set": [LiteralSetValue(["a", "b"]), LiteralSetValue([]), call(LiteralSetValue, [1])],
    "lowercase_first_letter": [G.lowercase_first_letter(s)
                               for s in ["HelloWorld", "A", "", "aB", "ÉA", "GQLObject"]],
    "multiline_indent": [G.multiline_indent(s, n) for s, n in
                         [("a\nb", 4), ("", 2), ("a\n\nb\n", 2), ("x", 0), ("a\nb\nc", 1)]],
    "compress_round_trip": [G.decompress(G.compress(v))
                            for v in [{"a": 1}, [1, "é", None], "text", {"n": {"m": [True]}}]],
    "compressed": [G.compress(v) for v in [{"a": 1}, [1, "é", None], "text"]],
    "result": [repr(G.GraphQLResult({"data": {"flow": [{"id": 1, "x": {"y": 2}}]}})),
               str(G.GraphQLResult({"data": {"flow": [{"id": 1}]}})),
               repr(G.GraphQLResult()), repr(G.GraphQLResult(data=None)),
               G.GraphQLResult({"data": {"flow": [{"id": "f1", "x": {"y": 2}}]}}).data.flow[0].x.y,
               type(G.GraphQLResult({"a": {"b": 1}}).a).__name__,
               isinstance(G.GraphQLResult({"a": [{"b": 1}]}).a[0], G.GraphQLResult),
               G.GraphQLResult({"a": 1}) == {"a": 1}],
}
print(json.dumps(out))
