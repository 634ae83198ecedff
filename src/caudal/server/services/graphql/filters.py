"""Hasura's ``where``, ``order_by`` and ``distinct_on`` arguments as SQLAlchemy Core expressions.

Every value reaches the database as a bound parameter, checked first against its field's kind,
so that a wrong type is a GraphQL error naming the field and never a database error.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    and_,
    false,
    literal_column,
    not_,
    or_,
    select,
    true,
)

from caudal.server.services.common import as_utc
from caudal.server.services.graphql.schema import (
    TYPES,
    GraphQLError,
    Kind,
    ObjectType,
    Relation,
    unsupported,
)

__all__ = ["EnumName", "coerce", "distinct_terms", "order_terms", "relation_condition",
           "where_clause"]


class EnumName(str):
    """An enum value written in the query (``desc``, a column of ``distinct_on``); variables
    give the same values as plain strings."""


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "_eq": operator.eq, "_neq": operator.ne, "_lt": operator.lt, "_lte": operator.le,
    "_gt": operator.gt, "_gte": operator.ge,
}
_ORDERED = {Kind.TEXT, Kind.TIME, Kind.INT, Kind.ID}

MAX_VALUES = 10_000
"""Values an ``_in`` or ``_nin`` may list (each is a bound parameter; SQLite takes 32766)."""


def coerce(kind: Kind, value: Any, what: str) -> Any:
    """``value`` as the Python value of a ``kind`` field (``what`` names it in errors).

    Raises:
        GraphQLError: the value cannot be one.
    """
    if isinstance(value, str) and "\x00" in value:
        raise GraphQLError(f"{what} must not contain NUL characters.")
    if kind in (Kind.ID, Kind.TEXT) and isinstance(value, str):
        if kind is Kind.TEXT:
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    elif kind is Kind.TIME and isinstance(value, (str, datetime)):
        try:
            when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
            return as_utc(when)
        except (ValueError, OverflowError):  # not a time, or one that UTC cannot hold
            pass
    elif kind is Kind.INT and isinstance(value, int) and not isinstance(value, bool):
        if -(2 ** 63) <= value < 2 ** 63:
            return value
    elif kind is Kind.BOOL and isinstance(value, bool):
        return value
    raise GraphQLError(f"{what} expects a value of type '{kind.value}', not {value!r}.")


def relation_condition(relation: Relation, outer: FromClause,
                       inner: FromClause) -> ColumnElement[bool]:
    """The join condition of ``relation`` from a row of ``outer`` to rows of ``inner``."""
    target = TYPES[relation.target]
    return target.scalar(relation.remote).expression(inner) == relation.local(outer)


def where_clause(kind: ObjectType, table: FromClause, where: Any) -> ColumnElement[bool]:
    """A Hasura ``<type>_bool_exp`` as a condition on ``table`` (an alias of the type's table).

    Raises:
        GraphQLError: an unknown field or operator, or a value of the wrong type.
    """
    if where is None:
        return true()
    if not isinstance(where, dict):
        raise GraphQLError(f"'where' on '{kind.name}' expects an object "
                           f"('{kind.name}_bool_exp'), not {where!r}.")
    conditions = []
    for name, value in where.items():
        if name in ("_and", "_or"):
            items = value if isinstance(value, list) else [value]
            parts = [where_clause(kind, table, item) for item in items]
            if name == "_and":
                conditions.append(and_(true(), *parts))
            else:
                conditions.append(or_(false(), *parts))
        elif name == "_not":
            conditions.append(not_(where_clause(kind, table, value)))
        elif name in kind.relations:
            relation = kind.relations[name]
            target = TYPES[relation.target]
            inner = target.table.alias()
            conditions.append(
                select(literal_column("1")).select_from(inner)
                .where(relation_condition(relation, table, inner),
                       where_clause(target, inner, value)).exists())
        else:
            conditions.append(_compare(kind, table, name, value))
    return and_(true(), *conditions)


def _compare(kind: ObjectType, table: FromClause, name: str,
             comparisons: Any) -> ColumnElement[bool]:
    scalar = kind.scalar(name)
    what = f"Field '{kind.name}.{name}'"
    if not isinstance(comparisons, dict):
        raise GraphQLError(f"{what} in 'where' expects an object of operators such as "
                           f"{{_eq: ...}}, not {comparisons!r}.")
    if scalar.kind is Kind.JSON and comparisons:
        raise GraphQLError(f"{what} ({scalar.kind.value}) cannot be filtered by caudal's "
                           "GraphQL endpoint.")
    column = scalar.expression(table)
    conditions = []
    for op, value in comparisons.items():
        if op == "_is_null":
            if not isinstance(value, bool):
                raise GraphQLError(f"{what}: '_is_null' expects true or false, not {value!r}.")
            conditions.append(column.is_(None) if value else column.is_not(None))
        elif value is None:
            # Hasura's rule: a comparison with null is no condition at all.
            continue
        elif op in _COMPARISONS:
            if op not in ("_eq", "_neq") and scalar.kind not in _ORDERED:
                raise unsupported("operator", op, f"{kind.name}.{name}")
            conditions.append(_COMPARISONS[op](column, coerce(scalar.kind, value, what)))
        elif op in ("_in", "_nin"):
            if not isinstance(value, list):
                raise GraphQLError(f"{what}: '{op}' expects a list, not {value!r}.")
            if len(value) > MAX_VALUES:
                raise GraphQLError(f"{what}: '{op}' takes at most {MAX_VALUES} values, not "
                                   f"{len(value)}.")
            values = [coerce(scalar.kind, item, what) for item in value]
            conditions.append(column.in_(values) if op == "_in" else column.not_in(values))
        elif op in ("_like", "_ilike", "_nlike", "_nilike") and scalar.kind is Kind.TEXT:
            pattern = coerce(Kind.TEXT, value, what)
            match = column.ilike(pattern) if "ilike" in op else column.like(pattern)
            conditions.append(not_(match) if op.startswith("_n") else match)
        else:
            raise unsupported("operator", op, f"{kind.name}.{name}")
    return and_(true(), *conditions)


_DIRECTIONS = {"asc", "desc", "asc_nulls_first", "asc_nulls_last", "desc_nulls_first",
               "desc_nulls_last"}


def order_terms(kind: ObjectType, table: FromClause, order_by: Any) -> list[Any]:
    """A Hasura ``order_by`` (an object, or a list of them) as ORDER BY terms; nulls sort
    as on PostgreSQL (last ascending, first descending) on both databases.

    Raises:
        GraphQLError: an unknown field or direction.
    """
    return [_direct(expression, direction)
            for expression, direction in _order_pairs(kind, table, order_by)]


def _order_pairs(kind: ObjectType, table: FromClause, order_by: Any) -> list[tuple[Any, str]]:
    if order_by is None:
        return []
    items = order_by if isinstance(order_by, list) else [order_by]
    pairs: list[tuple[Any, str]] = []
    for item in items:
        if not isinstance(item, dict):
            raise GraphQLError(f"'order_by' on '{kind.name}' expects objects such as "
                               f"{{name: asc}}, not {item!r}.")
        for name, value in item.items():
            relation = kind.relations.get(name)
            if relation is not None and not relation.many:
                target = TYPES[relation.target]
                inner = target.table.alias()
                for expression, direction in _order_pairs(target, inner, value):
                    pairs.append((select(expression).select_from(inner)
                                  .where(relation_condition(relation, table, inner))
                                  .limit(1).scalar_subquery(), direction))
                continue
            if relation is not None:
                raise unsupported("order_by field", name, kind.name)
            scalar = kind.scalar(name)
            if scalar.kind is Kind.JSON:
                raise unsupported("order_by field", name, kind.name)
            if value not in _DIRECTIONS:
                raise GraphQLError(f"'order_by' on '{kind.name}.{name}' expects one of "
                                   f"{', '.join(sorted(_DIRECTIONS))}, not {value!r}.")
            pairs.append((scalar.expression(table), str(value)))
    return pairs


def _direct(expression: Any, direction: str) -> Any:
    if direction.startswith("asc"):
        term = expression.asc()
        return term.nulls_first() if direction.endswith("nulls_first") else term.nulls_last()
    term = expression.desc()
    return term.nulls_last() if direction.endswith("nulls_last") else term.nulls_first()


def distinct_terms(kind: ObjectType, table: FromClause, distinct_on: Any) -> list[Any]:
    """The columns of ``distinct_on`` (one column name or a list of them).

    Raises:
        GraphQLError: a name that is not a column of the type.
    """
    names = distinct_on if isinstance(distinct_on, list) else [distinct_on]
    terms = []
    for name in names:
        if not isinstance(name, str):
            raise GraphQLError(f"'distinct_on' on '{kind.name}' expects column names, "
                               f"not {name!r}.")
        scalar = kind.scalar(name)
        if scalar.kind is Kind.JSON:
            raise unsupported("distinct_on column", name, kind.name)
        terms.append(scalar.expression(table))
    return terms
