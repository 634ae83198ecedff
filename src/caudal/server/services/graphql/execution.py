"""A GraphQL request, from its text to its answer: parsed by graphql-core, then its AST walked
against the subset (``schema``), planned as reads (``reads``) or service calls (``mutations``).

Everything that can be refused is refused while planning, before anything is read or written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
import graphql
from graphql.language import (
    BooleanValueNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    TypeNode,
    ValueNode,
    VariableNode,
)

from caudal.server.db.engine import Database
from caudal.server.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from caudal.server.services.graphql.filters import EnumName, coerce
from caudal.server.services.graphql.mutations import PlannedMutation, plan_mutation
from caudal.server.services.graphql.reads import (
    Aggregate,
    ListArguments,
    Selection,
    aggregate_answer,
    check_arguments,
    count_rows,
    fetch_rows,
)
from caudal.server.services.graphql.schema import TYPES, GraphQLError, Kind, ObjectType, unsupported
from caudal.wire.auth import Role

__all__ = ["Operation", "Write", "execute", "prepare"]

Write = Callable[..., Awaitable[Any]]
"""Runs a service that writes (``write`` of ``server/api/deps.py``, bound to the request)."""

# Hasura's names (uuid, timestamptz...) and those of Prefect Server's own mutations (UUID,
# DateTime...): pipelines declare variables with either.
_SCALAR_VARIABLES = {"uuid": Kind.ID, "UUID": Kind.ID, "String": Kind.TEXT, "ID": Kind.TEXT,
                     "timestamptz": Kind.TIME, "DateTime": Kind.TIME, "Int": Kind.INT,
                     "bigint": Kind.INT, "Boolean": Kind.BOOL}
# Input types whose values are checked where they are used (where, order_by, input...).
_INPUT_SUFFIXES = ("_bool_exp", "_order_by", "_select_column", "_input", "_comparison_exp")
_LIST_ARGUMENTS = ("where", "order_by", "distinct_on", "limit", "offset")

MAX_TOKENS = 100_000
"""Tokens a query may hold: the parser stops reading a larger one."""

MAX_DEPTH = 32
"""How deep values (a where's operators, a variable's object) and selections may nest; far
beyond any real query, and well inside Python's recursion limit."""

MAX_NUMBER = 2 ** 31 - 1
"""The largest ``limit`` and ``offset`` (GraphQL's Int)."""


@dataclass
class RootField:
    key: str
    read: Callable[[Any], Any] | None = None
    mutation: PlannedMutation | None = None
    selection: SelectionSetNode | None = None


@dataclass
class Operation:
    """A planned request: its root fields in order, each a read or a mutation."""

    is_mutation: bool
    fields: list[RootField] = field(default_factory=list)


def prepare(body: Any, role: Role, db: Database, runs_ahead: int) -> Operation:
    """Plan the GraphQL request ``body`` (``{"query", "variables", "operationName"}``).

    Raises:
        BadRequest: the body is not a GraphQL request.
        GraphQLError: the query is malformed or asks for something outside the subset.
        Forbidden: ``role`` may not make one of its mutations.
    """
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise BadRequest("A GraphQL request is a JSON object with 'query' (a string), and "
                         "optionally 'variables' (an object) and 'operationName'.")
    variables = body.get("variables") or {}
    name = body.get("operationName")
    if not isinstance(variables, dict) or not (name is None or isinstance(name, str)):
        raise BadRequest("'variables' must be a JSON object and 'operationName' a string.")
    try:
        document = graphql.parse(body["query"], max_tokens=MAX_TOKENS)
    except graphql.GraphQLError as exc:
        raise GraphQLError(exc.message, [{"line": loc.line, "column": loc.column}
                                         for loc in exc.locations or []]) from exc
    except RecursionError as exc:
        raise _too_deep() from exc
    operations = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            raise GraphQLError("Fragments are not supported by caudal's GraphQL endpoint; "
                               "write the fields out in the query.")
        operations.append(definition)
    chosen = [op for op in operations if name is None or (op.name and op.name.value == name)]
    if len(chosen) != 1:
        raise GraphQLError(f"No operation named '{name}' in the query." if name else
                           "The query holds several operations; say which in 'operationName'.")
    operation = chosen[0]
    if operation.operation is OperationType.SUBSCRIPTION:
        raise GraphQLError("Subscriptions are not supported by caudal's GraphQL endpoint.")
    values = _variables(operation, variables)
    is_mutation = operation.operation is OperationType.MUTATION
    planned = Operation(is_mutation)
    root = "mutation_root" if is_mutation else "query_root"
    for node in _fields(operation.selection_set, root):
        key = _key(node)
        if node.name.value == "__typename":
            planned.fields.append(RootField(key, read=lambda conn, root=root: root))
        elif is_mutation:
            mutation = plan_mutation(db, node.name.value, _arguments(node, values), runs_ahead)
            _check_payload(node, mutation.payload, node.name.value)
            if role.rank < mutation.role.rank:
                raise Forbidden(f"This request needs the '{mutation.role.value}' role; the "
                                f"API key has '{role.value}'.")
            planned.fields.append(RootField(key, mutation=mutation,
                                            selection=node.selection_set))
        else:
            planned.fields.append(RootField(key, read=_plan_read(node, values)))
    return planned


async def execute(operation: Operation, db: Database, write: Write) -> dict[str, Any]:
    """The answer to a planned request: ``{"data": ...}``, with ``errors`` for mutations
    that a service refused (no such run, a lifecycle conflict...)."""
    if not operation.is_mutation:
        data = await anyio.to_thread.run_sync(_read_all, db, operation)
        return {"data": data}
    data = {}
    errors = []
    for root in operation.fields:
        if root.mutation is None:
            data[root.key] = "mutation_root"
            continue
        try:
            results = [await write(service, *args) for service, args in root.mutation.calls]
        except (NotFound, Conflict, Invalid, Forbidden) as exc:
            data[root.key] = None
            errors.append(GraphQLError(exc.detail, path=[root.key]).as_json())
            continue
        data[root.key] = _select(root.mutation.shape(results), root.selection)
    return {"data": data, **({"errors": errors} if errors else {})}


def _read_all(db: Database, operation: Operation) -> dict[str, Any]:
    # One transaction: every root field sees the same moment.
    with db.read() as conn:
        return {root.key: root.read(conn) for root in operation.fields if root.read}


def _fields(selection_set: SelectionSetNode | None, where: str) -> list[FieldNode]:
    nodes = []
    for node in selection_set.selections if selection_set else ():
        if not isinstance(node, FieldNode):
            raise GraphQLError(f"Fragments are not supported on '{where}' by caudal's GraphQL "
                               "endpoint; write the fields out in the query.")
        if node.directives:
            raise unsupported("directive", f"@{node.directives[0].name.value}", where)
        nodes.append(node)
    return nodes


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _arguments(node: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    return {argument.name.value: _value(argument.value, variables)
            for argument in node.arguments or ()}


def _too_deep() -> GraphQLError:
    return GraphQLError(f"The query nests deeper than {MAX_DEPTH} levels; caudal's GraphQL "
                        "endpoint answers queries up to that depth.")


def _check_depth(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise _too_deep()
    if isinstance(value, dict):
        for item in value.values():
            _check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1)


def _value(node: ValueNode, variables: dict[str, Any], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise _too_deep()
    if isinstance(node, VariableNode):
        if node.name.value not in variables:
            raise GraphQLError(f"Variable '${node.name.value}' is not defined by the "
                               "operation.")
        return variables[node.name.value]
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, FloatValueNode):
        return float(node.value)
    if isinstance(node, (StringValueNode, BooleanValueNode)):
        return node.value
    if isinstance(node, NullValueNode):
        return None
    if isinstance(node, EnumValueNode):
        return EnumName(node.value)
    if isinstance(node, ListValueNode):
        return [_value(item, variables, depth + 1) for item in node.values]
    if isinstance(node, ObjectValueNode):
        return {item.name.value: _value(item.value, variables, depth + 1)
                for item in node.fields}
    raise GraphQLError(f"Unexpected value {graphql.print_ast(node)!r}.")


def _variables(operation: OperationDefinitionNode, given: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name in given:
            value = given[name]
        elif definition.default_value is not None:
            value = _value(definition.default_value, {})
        else:
            value = None
        values[name] = _coerce_variable(definition.type, value, name)
    return values


def _coerce_variable(kind: TypeNode, value: Any, name: str, declared: str | None = None) -> Any:
    declared = declared or graphql.print_ast(kind)
    what = f"Variable '${name}' of type '{declared}'"
    if isinstance(kind, NonNullTypeNode):
        if value is None:
            raise GraphQLError(f"{what} must be given, and not null.")
        return _coerce_variable(kind.type, value, name, declared)
    if isinstance(kind, ListTypeNode):
        if value is None:
            return _coerce_variable(_named(kind), None, name, declared)
        items = value if isinstance(value, list) else [value]
        return [_coerce_variable(kind.type, item, name, declared) for item in items]
    assert isinstance(kind, NamedTypeNode)
    type_name = kind.name.value
    if type_name in _SCALAR_VARIABLES:
        return None if value is None else coerce(_SCALAR_VARIABLES[type_name], value, what)
    if type_name == "Float":
        if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        raise GraphQLError(f"{what} expects a number, not {value!r}.")
    if type_name in ("jsonb", "json", "JSON") or type_name.endswith(_INPUT_SUFFIXES):
        _check_depth(value)
        return value
    raise unsupported("variable type", type_name, f"${name}")


def _named(kind: TypeNode) -> NamedTypeNode:
    while not isinstance(kind, NamedTypeNode):
        kind = kind.type  # type: ignore[attr-defined]
    return kind


def _plan_read(node: FieldNode, variables: dict[str, Any]) -> Callable[[Any], Any]:
    name = node.name.value
    arguments = _arguments(node, variables)
    if name in TYPES:
        kind = TYPES[name]
        listing = _list_arguments(kind, name, arguments)
        selections = _selections(kind, node, variables)
        return lambda conn: fetch_rows(conn, kind, listing, selections)
    if name.endswith("_by_pk") and name[:-6] in TYPES:
        kind = TYPES[name[:-6]]
        for argument in arguments:
            if argument != "id":
                raise unsupported("argument", argument, name)
        key = coerce(Kind.ID, arguments.get("id"), f"Argument 'id' of '{name}'")
        listing = ListArguments(where={"id": {"_eq": key}})
        selections = _selections(kind, node, variables)
        return lambda conn: next(iter(fetch_rows(conn, kind, listing, selections)), None)
    if name.endswith("_aggregate") and name[:-10] in TYPES:
        kind = TYPES[name[:-10]]
        listing = _list_arguments(kind, name, arguments)
        wants = _aggregate_selection(node, name)
        return lambda conn: _aggregate(conn, kind, listing, wants)
    raise unsupported("field", name, "query_root")


def _list_arguments(kind: ObjectType, field_name: str, arguments: dict[str, Any]) -> ListArguments:
    for argument in arguments:
        if argument not in _LIST_ARGUMENTS:
            raise unsupported("argument", argument, field_name)
    for number in ("limit", "offset"):
        value = arguments.get(number)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 0 <= value <= MAX_NUMBER):
            raise GraphQLError(f"'{number}' on '{field_name}' expects a whole number from 0 "
                               f"to {MAX_NUMBER}, not {value!r}.")
    listing = ListArguments(where=arguments.get("where"), order_by=arguments.get("order_by"),
                            distinct_on=arguments.get("distinct_on"),
                            limit=arguments.get("limit"), offset=arguments.get("offset") or 0)
    check_arguments(kind, listing)
    return listing


def _selections(kind: ObjectType, node: FieldNode, variables: dict[str, Any],
                depth: int = 0) -> list[Selection]:
    if depth > MAX_DEPTH:
        raise _too_deep()
    if node.selection_set is None:
        raise GraphQLError(f"Field '{node.name.value}' returns '{kind.name}' objects: select "
                           "some of their fields, as in { id name }.")
    selections = []
    for child in _fields(node.selection_set, kind.name):
        name = child.name.value
        key = _key(child)
        relation = kind.relations.get(name)
        counted = kind.relations.get(name.removesuffix("_aggregate"))
        if name == "__typename":
            selections.append(Selection(key, name))
        elif name.endswith("_aggregate") and counted is not None and counted.many:
            path = f"{kind.name}.{name}"
            arguments = _arguments(child, variables)
            for argument in ("limit", "offset"):
                if argument in arguments:
                    raise unsupported("argument", argument, path)
            selections.append(Selection(
                key, name, relation=counted,
                arguments=_list_arguments(TYPES[counted.target], path, arguments),
                aggregate=_aggregate_selection(child, path)))
        elif relation is not None:
            target = TYPES[relation.target]
            path = f"{kind.name}.{name}"
            if child.arguments and not relation.many:
                raise unsupported("argument", child.arguments[0].name.value, path)
            listing = _list_arguments(target, path, _arguments(child, variables))
            selections.append(Selection(key, name, relation=relation, arguments=listing,
                                        children=_selections(target, child, variables,
                                                             depth + 1)))
        else:
            scalar = kind.scalar(name)
            if child.arguments:
                raise unsupported("argument", child.arguments[0].name.value,
                                  f"{kind.name}.{name}")
            if child.selection_set is not None:
                raise GraphQLError(f"Field '{kind.name}.{name}' is a {scalar.kind.value}; it "
                                   "has no fields to select.")
            selections.append(Selection(key, name, scalar=scalar))
    return selections


def _aggregate_selection(node: FieldNode, name: str) -> Aggregate:
    """The keys asked of ``<type>_aggregate``: ``aggregate { count }``, and ``__typename``
    (as ``None``)."""
    if node.selection_set is None:
        raise GraphQLError(f"Field '{name}' needs a selection, as in {{ aggregate {{ count }} }}.")
    wants: Aggregate = []
    for child in _fields(node.selection_set, name):
        if child.name.value == "__typename":
            wants.append((_key(child), None))
            continue
        if child.name.value != "aggregate":
            raise unsupported("field", child.name.value, name)
        leaves: list[tuple[str, str]] = []
        for leaf in _fields(child.selection_set, f"{name}.aggregate"):
            if leaf.name.value not in ("count", "__typename"):
                raise unsupported("field", leaf.name.value, f"{name}.aggregate")
            if leaf.arguments:
                raise unsupported("argument", leaf.arguments[0].name.value,
                                  f"{name}.aggregate.count")
            leaves.append((_key(leaf), leaf.name.value))
        if not leaves:
            raise GraphQLError(f"Field '{name}.aggregate' needs a selection, as in {{ count }}.")
        wants.append((_key(child), leaves))
    return wants


def _aggregate(conn: Any, kind: ObjectType, listing: ListArguments,
               wants: Aggregate) -> dict[str, Any]:
    return aggregate_answer(kind, count_rows(conn, kind, listing), wants)


def _check_payload(node: FieldNode, payload: dict[str, Any], where: str) -> None:
    if node.selection_set is None:
        raise GraphQLError(f"Mutation '{where}' needs a selection of its result, as in "
                           f"{{ {next(iter(payload))} }}.")
    for child in _fields(node.selection_set, where):
        name = child.name.value
        if name == "__typename":
            continue
        if name not in payload:
            raise unsupported("field", name, f"{where} result")
        if child.arguments:
            raise unsupported("argument", child.arguments[0].name.value, f"{where}.{name}")
        if isinstance(payload[name], dict):
            _check_payload(child, payload[name], f"{where}.{name}")
        elif child.selection_set is not None:
            raise GraphQLError(f"Field '{where}.{name}' has no fields to select.")


def _select(value: Any, selection: SelectionSetNode | None) -> Any:
    """The fields of a mutation's payload that the query selected, under their keys."""
    if selection is None:
        return value
    if isinstance(value, list):
        return [_select(item, selection) for item in value]
    out = {}
    for node in _fields(selection, "result"):
        name = node.name.value
        out[_key(node)] = ("payload" if name == "__typename"
                           else _select(value.get(name), node.selection_set))
    return out
