"""Answer the query root fields: each list of rows is one SELECT, and each relation one more
SELECT for all the parent rows at once (by their keys), never one query per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, FromClause, func, select
from sqlalchemy.sql.expression import over

from caudal.server.services.graphql.filters import (
    distinct_terms,
    order_terms,
    where_clause,
)
from caudal.server.services.graphql.schema import TYPES, GraphQLError, ObjectType, Relation, Scalar

__all__ = ["Aggregate", "ListArguments", "Selection", "aggregate_answer", "check_arguments",
           "count_rows", "fetch_rows"]

KEYS_PER_QUERY = 500
"""Parent keys per query of a relation: well under SQLite's limit of bound parameters."""


@dataclass
class ListArguments:
    """The arguments of a list field: Hasura's ``where``, ``order_by``, ``distinct_on``,
    ``limit`` and ``offset``, as plain values."""

    where: Any = None
    order_by: Any = None
    distinct_on: Any = None
    limit: int | None = None
    offset: int = 0


Aggregate = list[tuple[str, list[tuple[str, str]] | None]]
"""What ``<type>_aggregate`` is asked: (key, None) for ``__typename``, or (key, leaves) for
``aggregate { ... }``, each leaf a (key, name) of ``count`` or ``__typename``."""


@dataclass
class Selection:
    """One field to answer on a row: ``__typename``, a scalar, or a relation with its own
    arguments (array relations) and fields, or its ``_aggregate``."""

    key: str
    name: str
    scalar: Scalar | None = None
    relation: Relation | None = None
    arguments: ListArguments = field(default_factory=ListArguments)
    children: list[Selection] = field(default_factory=list)
    aggregate: Aggregate | None = None


def aggregate_answer(kind: ObjectType, count: int, wants: Aggregate) -> dict[str, Any]:
    """The answer of ``<type>_aggregate`` for ``count`` rows."""
    typenames = {"__typename": f"{kind.name}_aggregate_fields"}
    return {key: (f"{kind.name}_aggregate" if leaves is None else
                  {leaf_key: typenames.get(leaf, count) for leaf_key, leaf in leaves})
            for key, leaves in wants}


def _rows_query(kind: ObjectType, arguments: ListArguments, columns: list[Any],
                parent_key: tuple[Relation, list[Any]] | None) -> Any:
    table = kind.table.alias()

    def filtered(alias: FromClause) -> tuple[Any, Any]:
        condition = where_clause(kind, alias, arguments.where)
        key = None
        if parent_key is not None:
            relation, keys = parent_key
            key = kind.scalar(relation.remote).expression(alias)
            condition = condition & key.in_(keys)
        return condition, key

    condition, key = filtered(table)
    # The id breaks ties, so that pages of equal sort keys neither repeat nor skip rows.
    order = [*order_terms(kind, table, arguments.order_by), table.c.id.asc()]
    query = select(*[column(table).label(f"c{index}") for index, column in enumerate(columns)])
    if key is not None:
        query = query.add_columns(key.label("parent_key"))
    query = query.select_from(table).where(condition).order_by(*order)
    if arguments.distinct_on is not None:
        # DISTINCT ON is PostgreSQL's alone: the first row of each group by a window
        # function instead, which both databases run.
        other = kind.table.alias()
        other_condition, other_key = filtered(other)
        partition = distinct_terms(kind, other, arguments.distinct_on)
        if other_key is not None:
            partition.append(other_key)
        ranked = (select(other.c.id, over(func.row_number(), partition_by=partition,
                                          order_by=[*order_terms(kind, other,
                                                                 arguments.order_by),
                                                    other.c.id.asc()]).label("rank"))
                  .where(other_condition).subquery())
        query = query.where(table.c.id.in_(select(ranked.c.id).where(ranked.c.rank == 1)))
    if parent_key is None:
        if arguments.limit is not None:
            query = query.limit(arguments.limit)
        if arguments.offset:
            query = query.offset(arguments.offset)
    return query


def fetch_rows(conn: Connection, kind: ObjectType, arguments: ListArguments,
               selections: list[Selection]) -> list[dict[str, Any]]:
    """The rows of ``kind`` that ``arguments`` select, each as the fields ``selections`` ask."""
    return _fetch(conn, kind, arguments, selections, None)[None]


def _fetch(conn: Connection, kind: ObjectType, arguments: ListArguments,
           selections: list[Selection], parent: Relation | None,
           keys: list[Any] | None = None) -> dict[Any, list[dict[str, Any]]]:
    """Rows by parent key (``None`` at the root); with ``parent``, the rows of ``kind`` that
    relation ``parent`` reaches from the parents' ``keys``."""
    columns: list[Any] = []
    position: dict[int, int] = {}  # selection index -> its column in the rows
    for index, selection in enumerate(selections):
        if selection.scalar is not None or selection.relation is not None:
            position[index] = len(columns)
            columns.append(selection.scalar.expression if selection.scalar is not None
                           else selection.relation.local)  # type: ignore[union-attr]
    found: list[Any] = []
    if parent is None:
        found = list(conn.execute(_rows_query(kind, arguments, columns, None)))
    else:
        assert keys is not None
        for start in range(0, len(keys), KEYS_PER_QUERY):
            chunk = keys[start:start + KEYS_PER_QUERY]
            found.extend(conn.execute(_rows_query(kind, arguments, columns, (parent, chunk))))
    related: dict[str, dict[Any, list[dict[str, Any]]]] = {}
    counts: dict[str, dict[Any, int]] = {}
    for index, selection in enumerate(selections):
        relation = selection.relation
        if relation is None:
            continue
        at = position[index]
        wanted = sorted({row[at] for row in found if row[at] is not None})
        if selection.aggregate is not None:
            counts[selection.key] = _count_by_parent(conn, TYPES[relation.target],
                                                     selection.arguments, relation, wanted)
            continue
        related[selection.key] = (
            _fetch(conn, TYPES[relation.target], selection.arguments, selection.children,
                   relation, wanted) if wanted else {})
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in found:
        item: dict[str, Any] = {}
        for index, selection in enumerate(selections):
            if selection.name == "__typename":
                item[selection.key] = kind.name
            elif selection.aggregate is not None:
                assert selection.relation is not None
                count = counts[selection.key].get(row[position[index]], 0)
                item[selection.key] = aggregate_answer(TYPES[selection.relation.target],
                                                       count, selection.aggregate)
            elif selection.relation is not None:
                children = related[selection.key].get(row[position[index]], [])
                item[selection.key] = (_page(children, selection.arguments)
                                       if selection.relation.many
                                       else (children[0] if children else None))
            else:
                item[selection.key] = _json_value(row[position[index]])
        out.setdefault(row.parent_key if parent is not None else None, []).append(item)
    if parent is None:
        out.setdefault(None, [])
    return out


def _page(rows: list[dict[str, Any]], arguments: ListArguments) -> list[dict[str, Any]]:
    end = None if arguments.limit is None else arguments.offset + arguments.limit
    return rows[arguments.offset:end]


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _count_by_parent(conn: Connection, kind: ObjectType, arguments: ListArguments,
                     parent: Relation, keys: list[Any]) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for start in range(0, len(keys), KEYS_PER_QUERY):
        rows = _rows_query(kind, arguments, [], (parent, keys[start:start + KEYS_PER_QUERY]))
        per_parent = rows.subquery()
        found = conn.execute(select(per_parent.c.parent_key, func.count())
                             .group_by(per_parent.c.parent_key))
        counts.update((key, count) for key, count in found)
    return counts


def count_rows(conn: Connection, kind: ObjectType, arguments: ListArguments) -> int:
    """How many rows of ``kind`` the arguments select (``<type>_aggregate { count }``)."""
    rows = _rows_query(kind, arguments, [lambda table: table.c.id], None).subquery()
    return int(conn.execute(select(func.count()).select_from(rows)).scalar_one())


def check_arguments(kind: ObjectType, arguments: ListArguments) -> None:
    """Build the query once to report bad arguments before anything runs.

    Raises:
        GraphQLError: an unknown field, operator or value in the arguments.
    """
    if arguments.limit is not None and arguments.limit < 0 or arguments.offset < 0:
        raise GraphQLError(f"'limit' and 'offset' on '{kind.name}' must not be negative.")
    _rows_query(kind, arguments, [], None)
