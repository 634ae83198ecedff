"""Build GraphQL query strings from Python objects, as Prefect 0.15's helpers do.

Pipelines build queries with these and send them with ``Client.graphql``; the strings are the
same as Prefect 0.15.9's for the same objects, character for character.

Example:
    >>> print(parse_graphql({"query": {
    ...     with_args("flow", {"where": {"name": {"_eq": "etl"}},
    ...                        "order_by": {"version": EnumValue("desc")}}): {"id": True}}}))
    query {
        flow(where: { name: { _eq: "etl" } }, order_by: { version: desc }) {
            id
        }
    }
"""

from __future__ import annotations

import base64
import gzip
import json
import textwrap
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = ["EnumValue", "GQLObject", "GraphQLResult", "LiteralSetValue", "compress",
           "decompress", "format_graphql_request_error", "lowercase_first_letter",
           "multiline_indent", "parse_graphql", "parse_graphql_arguments", "with_args"]

INDENT = "    "


def lowercase_first_letter(s: str) -> str:
    """``s`` with its first character in lower case (``"FlowRun"`` → ``"flowRun"``)."""
    return s[:1].lower() + s[1:]


def multiline_indent(string: str, spaces: int) -> str:
    """``string`` with every line but the first indented by ``spaces`` spaces.

    Example:
        >>> multiline_indent("a\\nb", 2)
        'a\\n  b'
    """
    return string.replace("\n", "\n" + " " * spaces)


class EnumValue:
    """An argument value written bare, without quotes: a GraphQL enum or a ``$variable``.

    Example:
        >>> parse_graphql_arguments({"order_by": {"created": EnumValue("desc")}})
        'order_by: { created: desc }'
    """

    def __init__(self, value: str) -> None:
        self.value = value

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"EnumValue({self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnumValue) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def LiteralSetValue(value: list) -> str:
    """A Postgres set literal for a text argument: ``["a", "b"]`` → ``"{a, b}"``.

    Example:
        >>> parse_graphql_arguments({"labels": LiteralSetValue(["a", "b"])})
        'labels: "{a, b}"'
    """
    return "{" + ", ".join(value) + "}"


class GQLObject:
    """A named field, optionally with arguments, for building queries from classes.

    Its name is the class name with a lower-case first letter unless ``name`` is given.
    Calling an instance gives the same field with new arguments.

    Example:
        >>> class FlowRun(GQLObject):
        ...     pass
        >>> str(FlowRun()), str(FlowRun()({"limit": 1}))
        ('flowRun', 'flowRun(limit: 1)')
    """

    def __init__(self, name: str | None = None, _arguments: Any = None) -> None:
        self.__name = name or lowercase_first_letter(type(self).__name__)
        self.__arguments = _arguments

    def __call__(self, arguments: Any = None) -> GQLObject:
        return type(self)(name=self.__name, _arguments=arguments)

    def __str__(self) -> str:
        if self.__arguments:
            return with_args(self.__name, self.__arguments)
        return self.__name

    def __repr__(self) -> str:
        return f'<GQL: "{self.__name}">'


def _check_not_class(item: Any) -> None:
    if isinstance(item, type) and issubclass(item, GQLObject):
        raise TypeError(f"The query contains the GQLObject class {item.__name__!r} itself, "
                        f"not an instance; write {item.__name__}() instead.")


def _document_lines(document: Any) -> str:
    if isinstance(document, dict):
        parts = []
        for key, value in document.items():
            field = multiline_indent(str(key), len(INDENT))
            # True and ... mark a bare field, so {"id": True} reads as the set {"id"};
            # 1 == True, and Prefect 0.15 treats 1 the same way.
            if value is Ellipsis or (not isinstance(value, (str, dict, list, tuple, set))
                                     and _equals_true(value)):
                parts.append(field)
            else:
                body = _indent(_document_lines(value))
                parts.append(f"{field} {{\n{body}\n}}")
        return "\n".join(parts)
    if isinstance(document, (list, tuple, set, frozenset)):
        return "\n".join(_document_lines(item) for item in document)
    _check_not_class(document)
    return multiline_indent(str(document), len(INDENT))


def _indent(text: str) -> str:
    """Every line of ``text`` indented one level; whitespace-only lines become empty."""
    return "\n".join(INDENT + line if line.strip() else "" for line in text.split("\n"))


def _equals_true(value: Any) -> bool:
    try:
        return bool(value == True)  # noqa: E712 (1 and 1.0 count, as in Prefect 0.15)
    except Exception:
        return False


def parse_graphql(document: Any) -> str:
    """The GraphQL text for ``document``: nested dicts, lists, strings and ``GQLObject``\\ s.

    A dict maps a field to its sub-selection; a value of True or ``...`` means the field alone.
    Lists, tuples and sets list fields one per line. Lines after the first of a multi-line
    string are indented one level, as Prefect 0.15 does.

    Raises:
        TypeError: the document holds a ``GQLObject`` class, not an instance.

    Example:
        >>> print(parse_graphql({"query": {"flow": ["id", {"tasks": {"name": True}}]}}))
        query {
            flow {
                id
                tasks {
                    name
                }
            }
        }
    """
    return _document_lines(document)


def _argument_value(value: Any) -> str:
    if isinstance(value, EnumValue):
        return str(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(f"{key}: {_argument_value(item)}" for key, item in value.items())
        return "{ " + items + " }"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(_argument_value(item) for item in value) + "]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (str, uuid.UUID)):
        return json.dumps(str(value))
    return str(value)


def parse_graphql_arguments(arguments: Any) -> str:
    """GraphQL argument text for ``arguments``, without the outer braces of a dict.

    Strings in values are JSON-quoted, keys are bare, ``True``/``False``/``None`` become
    ``true``/``false``/``null`` and ``EnumValue``\\ s are written bare. A string is returned as
    it is.

    Example:
        >>> parse_graphql_arguments({"where": {"id": {"_eq": "a1"}}, "limit": 2})
        'where: { id: { _eq: "a1" } }, limit: 2'
    """
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, dict):
        return ", ".join(f"{key}: {_argument_value(value)}"
                         for key, value in arguments.items())
    return _argument_value(arguments)


def with_args(field: Any, arguments: Any) -> str:
    """``field(arguments)``, with the arguments written by ``parse_graphql_arguments``.

    Example:
        >>> with_args("task", {"where": {"id": 3}})
        'task(where: { id: 3 })'
    """
    return f"{field}({parse_graphql_arguments(arguments)})"


def compress(input: Any) -> str:
    """``input`` as JSON, gzipped, in base64 text; ``decompress`` reverses it."""
    return base64.b64encode(gzip.compress(json.dumps(input).encode())).decode()


def decompress(string: str) -> Any:
    """The object ``compress`` encoded in ``string``.

    Example:
        >>> decompress(compress({"a": [1, 2]}))
        {'a': [1, 2]}
    """
    return json.loads(gzip.decompress(base64.b64decode(string)).decode())


def _wrap(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, GraphQLResult):
        return GraphQLResult(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


class GraphQLResult(dict):
    """A GraphQL answer whose keys read as attributes, at every depth (``r.data.flow[0].id``).

    Its repr is the answer as indented JSON. A missing key raises ``KeyError`` by index and
    ``AttributeError`` as an attribute.

    Example:
        >>> r = GraphQLResult({"data": {"flow": [{"id": "f1"}]}})
        >>> r.data.flow[0].id
        'f1'
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, value in self.items():
            super().__setitem__(key, _wrap(value))

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, _wrap(value))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}'") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict:
        """The answer as plain dicts and lists."""
        return json.loads(json.dumps(self))

    def __repr__(self) -> str:
        return json.dumps(self, indent=4)

    def __str__(self) -> str:
        return str(self.to_dict())


def format_graphql_request_error(response: httpx.Response | Any) -> str:
    """A readable summary of a failed GraphQL request: the server's errors, query, variables.

    Args:
        response: the HTTP response (``httpx`` or ``requests``); its JSON body holds
            ``errors`` and its request's body the query and variables.

    Returns:
        Several lines of text naming each error's code and message, then the query and the
        variables that were sent.
    """
    body = response.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    request = getattr(response, "request", None)
    sent = getattr(request, "content", None)
    if sent is None:
        sent = getattr(request, "body", None)
    try:
        payload = json.loads(sent) if sent else {}
    except ValueError:
        payload = {}
    query = payload.get("query") if isinstance(payload, dict) else None
    variables = payload.get("variables") if isinstance(payload, dict) else None

    lines = []
    if errors:
        lines.append("The GraphQL server answered with these errors:")
        for error in errors:
            code = (error.get("extensions") or {}).get("code", "UNKNOWN_ERROR")
            message = error.get("message", "(no message given)")
            lines.append(f"    {code}: {message}")
    else:
        lines.append("The GraphQL server gave no error messages.")
    lines.append("")
    lines.append("The query sent was:")
    lines.append(textwrap.indent(str(query), INDENT))
    lines.append("")
    lines.append("Its variables were:")
    lines.append(textwrap.indent(json.dumps(variables, indent=4, default=str), INDENT))
    return "\n".join(lines)
