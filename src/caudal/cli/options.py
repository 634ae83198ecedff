"""What the client-side commands share: the connection options and how values are read.

``connection_options`` adds ``--api`` and ``--key`` (with their environment variables) to a
command; ``make_client`` builds the ``Client`` they describe.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from caudal.client import Client

__all__ = ["connection_options", "make_client", "parse_level", "parse_params"]

F = TypeVar("F", bound=Callable[..., Any])

LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING,
          "WARN": logging.WARNING, "ERROR": logging.ERROR, "CRITICAL": logging.CRITICAL}


def connection_options(command: F) -> F:
    """Add ``--api URL`` (``CAUDAL_API``) and ``--key KEY`` (``CAUDAL_API_KEY``) to a command.

    The command receives them as ``api_url`` and ``api_key`` (None when not given). The help
    names the variables, but the options do not read them: ``make_client`` leaves what is not
    given to ``caudal.configuration``, the one place that reads the environment.
    """
    command = click.option(
        "--key", "api_key", metavar="KEY",
        help="API key sent to the server [env var: CAUDAL_API_KEY; or config 'api.key', "
             "CAUDAL__API__KEY].",
    )(command)
    command = click.option(
        "--api", "api_url", metavar="URL",
        help="The caudal server's URL [env var: CAUDAL_API; or config 'api.url', "
             "CAUDAL__API__URL; default: http://127.0.0.1:4200].",
    )(command)
    return command


def make_client(api_url: str | None, api_key: str | None) -> Client:
    """The ``Client`` for a command's ``--api`` and ``--key``; the configuration fills the rest.

    Raises:
        click.BadParameter: the URL is not an http(s) address.
    """
    from caudal.client import Client

    try:
        return Client(api_url or None, api_key or None)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--api'") from exc


def parse_params(pairs: Iterable[str], params_json: str | None = None) -> dict[str, Any]:
    """Flow-run parameters from ``--params-json '{...}'`` and ``--param key=value`` options.

    A value that parses as JSON is taken as such (``n=3`` is 3, ``ok=true`` is True,
    ``xs=[1,2]`` a list); any other value stays a string (``day=2024-01-31``). ``--param``
    values override the same keys in ``--params-json``.

    Raises:
        click.BadParameter: a ``--param`` without ``=``, or ``--params-json`` that is not a
            JSON object.

    Example:
        >>> parse_params(["n=3", "ok=true", "day=2024-01-31", "name=ana"], '{"n": 1, "x": null}')
        {'n': 3, 'x': None, 'ok': True, 'day': '2024-01-31', 'name': 'ana'}
    """
    params: dict[str, Any] = {}
    if params_json:
        try:
            loaded = json.loads(params_json)
        except ValueError as exc:
            raise click.BadParameter(f"not valid JSON ({exc}); write an object such as "
                                     "'{\"n_users\": 10}'.", param_hint="'--params-json'") from exc
        if not isinstance(loaded, dict):
            raise click.BadParameter(f"must be a JSON object of parameter names to values, not "
                                     f"{type(loaded).__name__} {params_json!r}.",
                                     param_hint="'--params-json'")
        params.update(loaded)
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE; write for example "
                                     "--param n_users=10.", param_hint="'--param'")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def parse_level(text: str | int) -> int:
    """A log level from a name (``INFO``, case-insensitive) or a number (``20``).

    Raises:
        click.BadParameter: neither a level name nor a number.

    Example:
        >>> parse_level("warning"), parse_level("15")
        (30, 15)
    """
    if isinstance(text, int):
        return text
    name = text.strip().upper()
    if name in LEVELS:
        return LEVELS[name]
    if name.isdigit():
        return int(name)
    raise click.BadParameter(f"'{text}' is not a log level; use DEBUG, INFO, WARNING, ERROR, "
                             "CRITICAL or a number.", param_hint="'--level'")
