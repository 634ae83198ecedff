"""GraphQL requests as Prefect 0.15 pipelines write them: a query given as text or as nested
Python data (``graphql_text``), and answers read as dicts or by attribute (``GraphQLResult``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["GraphQLResult", "graphql_text"]


class GraphQLResult(dict):  # type: ignore[type-arg]
    """A GraphQL answer read either way: ``result["data"]["flow_run"]`` or
    ``result.data.flow_run[0].id``, as Prefect's ``GraphQLResult`` (a Box) is read.

    Example:
        >>> result = GraphQLResult({"data": {"flow_run": [{"id": "r1"}]}})
        >>> result.data.flow_run[0].id == result["data"]["flow_run"][0]["id"] == "r1"
        True
    """

    def __init__(self, data: Mapping[str, Any] | None = None, **values: Any) -> None:
        super().__init__()
        for key, value in {**(data or {}), **values}.items():
            self[key] = _wrap(value)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"The GraphQL result has no field '{name}'; it has: "
                                 f"{', '.join(map(str, self)) or 'none'}.") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = _wrap(value)

    def to_dict(self) -> dict[str, Any]:
        """The answer as plain dicts and lists."""
        return json.loads(json.dumps(self))

    def __repr__(self) -> str:
        return json.dumps(self, indent=4, default=str)


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, GraphQLResult):
        return GraphQLResult(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


def graphql_text(query: Any) -> str:
    """The text of a query given as Prefect's ``parse_graphql`` takes it: a string as is; a
    dict as fields with their selections (a value of ``True`` is a plain field); a list, tuple
    or set as the fields it holds; any other object (a ``GQLObject``) as its ``str``.

    Example:
        >>> graphql_text({"query": {"flow_run(limit: 1)": ["id", {"flow": {"name"}}],
        ...                         "project": {"name": True}}})
        'query { flow_run(limit: 1) { id flow { name } } project { name } }'
    """
    if isinstance(query, str):
        return query
    if isinstance(query, Mapping) and len(query) == 1 and \
            str(next(iter(query))).startswith(("query", "mutation")):
        return _fields(query)  # the operation itself: no braces around it
    return _selection(query)


def _selection(value: Any) -> str:
    return "{ " + _fields(value) + " }"


def _fields(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        # True (or ...) marks a field without subfields, as in Prefect's parse_graphql.
        return " ".join(str(key) if item is True or item is Ellipsis
                        else f"{key} {_selection(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(_fields(item) for item in value)
    return str(value)  # a field object (Prefect's GQLObject) names itself
