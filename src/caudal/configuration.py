"""caudal's configuration: the one module that reads config files and the environment.

Layers, lowest first (a later one wins): the packaged ``DEFAULTS`` < ``config.toml`` in
``CAUDAL_HOME`` (``~/.caudal``) < ``CAUDAL__SECTION__KEY`` variables < the short variables
``CAUDAL_HOME``, ``CAUDAL_API``, ``CAUDAL_API_KEY`` and ``CAUDAL_DATABASE_URL``. They are read
once, at import, into the read-only ``config`` (``config.logging.level``), as Prefect's
``prefect.config`` is; an explicit argument or CLI option always wins over all of them
(``get_setting``). ``get_setting`` also looks the short variables up again at each call, so that
a process that changes ``CAUDAL_API`` sees it at the next ``Client()``.
"""

from __future__ import annotations

import copy
import os
import sys
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from caudal.exceptions import ConfigurationError

__all__ = ["SHORT_VARIABLES", "Config", "child_environment", "config", "get_setting",
           "load_config", "running_in_ci", "setting_variable", "update_environment"]

DEFAULTS: dict[str, Any] = {
    "home_dir": "~/.caudal",
    "logging": {
        "level": "INFO",
        "format": "[%(asctime)s] %(levelname)s - %(name)s | %(message)s",
        "datefmt": "%Y-%m-%d %H:%M:%S%z",
        "log_to_stdout": True,
    },
    "flows": {
        "checkpointing": False,
    },
    "tasks": {
        "defaults": {
            "max_retries": 0,
            "retry_delay_s": 0.0,
            "timeout_s": None,
        }
    },
    # Where clients, agents and the CLI find the server (CAUDAL_API, CAUDAL_API_KEY).
    "api": {
        "url": "http://127.0.0.1:4200",
        "key": None,
        # None: the client's own defaults (caudal.client.transport).
        "retries": None,
        "backoff_s": None,
        "timeout_s": None,
    },
    # Runs executed for the server (`caudal execute flow-run`, what an agent launches).
    "cloud": {
        "heartbeat_interval_s": 30.0,
        # Secret.get reads only local secrets outside runs of the server unless this is false
        # (Prefect's flag); runs of the server always fall back to the server's secrets.
        "use_local_secrets": True,
        # Results are written so that they have locations (a restart reads them back).
        "checkpointing": True,
        # How long a finished run waits for the server to take its last records before it
        # leaves them in its spool for the agent to send.
        "flush_timeout_s": 600.0,
        # The agent that launched this run process (None: started by hand).
        "agent_id": None,
    },
    # `caudal agent start`.
    "agent": {
        "limit": 8,
        # A launched run that is not Running after this long is stopped and failed.
        "start_timeout_s": 60.0,
        # On SIGTERM, how long running runs may go on before they are handed back.
        "grace_s": 30.0,
        "claim_wait_s": 30.0,
        # Run processes started ahead, with caudal imported, waiting for a run (0: none).
        "warm_processes": 1,
    },
    # `caudal server start` (CAUDAL_DATABASE_URL for the database; SQLite in home_dir if unset).
    "server": {
        "host": "127.0.0.1",
        "port": 4200,
        "database_url": None,
        "auth": False,
        "scheduler_interval_s": 5.0,
        "scheduled_runs_ahead": 10,
        "reaper_interval_s": 10.0,
        "heartbeat_timeout_s": 90.0,
        "submitted_timeout_s": 120.0,
        "max_resubmits": 3,
        # The Fernet key that encrypts stored secrets; unset: home_dir/secrets.key, made
        # (mode 0600) on first use. Servers sharing a database must share the key.
        "secrets_key": None,
        # The zone the web UI shows times in until a viewer picks another (IANA name).
        "timezone": "UTC",
    },
}

# The short variables and the keys they set. They win over CAUDAL__SECTION__KEY (as the
# client's CAUDAL_API always has), and an empty one counts as unset.
SHORT_VARIABLES: dict[str, str] = {
    "CAUDAL_HOME": "home_dir",
    "CAUDAL_API": "api.url",
    "CAUDAL_API_KEY": "api.key",
    "CAUDAL_DATABASE_URL": "server.database_url",
    # Set by an agent for the runs it launches.
    "CAUDAL_AGENT_ID": "cloud.agent_id",
}

# Types of the keys whose default is None (they may stay None). Every other key with a default
# takes its default's type; keys caudal does not know are read as written.
NULLABLE_TYPES: dict[str, type] = {
    "api.key": str,
    "api.retries": int,
    "api.backoff_s": float,
    "api.timeout_s": float,
    "server.database_url": str,
    "server.secrets_key": str,
    "cloud.agent_id": str,
    "tasks.defaults.timeout_s": float,
}

_TYPE_NAMES = {bool: "bool (true or false)", int: "int", float: "float", str: "str"}
_NONE_WORDS = ("none", "null")
_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "on": True,
               "off": False, "1": True, "0": False}


class Config(Mapping[str, Any]):
    """A read-only nested mapping with attribute access; ``source_of`` says where a key came from."""

    __slots__ = ("_data", "_path", "_sources")

    def __init__(self, data: Mapping[str, Any], path: str = "",
                 sources: Mapping[str, str] | None = None) -> None:
        sources = dict(sources or {})
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_sources", sources)
        object.__setattr__(
            self,
            "_data",
            {k: Config(v, f"{path}{k}.", sources) if isinstance(v, Mapping) else v
             for k, v in data.items()},
        )

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Config, (self.to_dict(), self._path, self._sources))

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._data[key]
        except KeyError:
            raise AttributeError(f"Config has no key '{self._path}{key}'.") from None

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("caudal's config is read once at start-up and cannot be changed.")

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<Config: {sorted(self._data)}>"

    def source_of(self, key: str) -> str:
        """Where the dotted ``key`` (relative to this section) got its value.

        Example:
            >>> load_config({"CAUDAL__SERVER__PORT": "4300"}).source_of("server.port")
            'CAUDAL__SERVER__PORT'
        """
        return self._sources.get(f"{self._path}{key}", "the packaged defaults")

    def to_dict(self) -> dict[str, Any]:
        return {k: v.to_dict() if isinstance(v, Config) else v for k, v in self._data.items()}


def _merge(base: dict[str, Any], layer: Mapping[str, Any]) -> None:
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


class _NotValid(ValueError):
    """A value that is not of its key's type; the caller adds the key and the source."""


def _key_type(dotted: str, default: Any) -> tuple[type | None, bool]:
    """The type a key's values must have (None: any), and whether None is allowed."""
    if dotted in NULLABLE_TYPES:
        return NULLABLE_TYPES[dotted], True
    if default is None or isinstance(default, Mapping):
        return None, True
    return type(default), False


def _from_text(raw: str, kind: type | None, nullable: bool) -> Any:
    """An environment variable's text as its key's type; unknown keys as users mean them."""
    word = raw.strip().lower()
    if nullable and word in _NONE_WORDS:
        return None
    if kind is None:
        return _guess(raw)
    if kind is bool:
        if word not in _BOOL_WORDS:
            raise _NotValid(kind)
        return _BOOL_WORDS[word]
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            raise _NotValid(kind) from None
    return raw


def _checked(value: Any, kind: type | None) -> Any:
    """A config file's (already typed) value, if it has its key's type; ints pass as floats."""
    if kind is None:
        return value
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _NotValid(kind)
    return value


def _guess(raw: str) -> Any:
    """Text for a key caudal does not know: booleans, numbers and 'none' as users mean them."""
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in _NONE_WORDS:
        return None
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


class _Layers:
    """The merged layers so far, and where each key's value came from."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = copy.deepcopy(DEFAULTS)
        self.sources: dict[str, str] = {}

    def set(self, keys: list[str], value: Any, source: str, *, text: bool) -> None:
        """Set ``keys`` to ``value`` from ``source``, checked (or, for ``text``, parsed)."""
        dotted = ".".join(keys)
        node, default = self.data, DEFAULTS
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            default = default.get(key, {}) if isinstance(default, Mapping) else {}
            if not isinstance(node, dict):
                raise ConfigurationError(f"Config '{dotted}' (from {source}) is under '{key}', which is "
                                 "a value, not a section.")
        last = keys[-1]
        if isinstance(node.get(last), dict) and (text or not isinstance(value, Mapping)):
            raise ConfigurationError(f"Config '{dotted}' (from {source}) is a section; set one of its "
                             f"keys, such as '{dotted}.{next(iter(node[last]), 'key')}'.")
        if isinstance(value, Mapping) and not text:
            for key, item in value.items():
                self.set([*keys, key], item, source, text=False)
            return
        default_value = default.get(last) if isinstance(default, Mapping) else None
        kind, nullable = _key_type(dotted, default_value)
        try:
            node[last] = _from_text(value, kind, nullable) if text else _checked(value, kind)
        except _NotValid as exc:
            expected = _TYPE_NAMES.get(exc.args[0], exc.args[0].__name__)
            raise ConfigurationError(f"Config '{dotted}' (from {source}) has value '{value}'; "
                             f"not a valid {expected}.") from None
        self.sources[dotted] = source


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from its layers (see the module docstring for their order).

    Args:
        environ: the variables to read; ``os.environ`` when None.

    Returns:
        The read-only configuration; ``config.source_of(key)`` says which layer set a key.

    Raises:
        ValueError: the config file is not valid TOML, or a value is not of its key's type;
            the message names the key, the file or variable it came from, and the value.

    Example:
        >>> load_config({"CAUDAL__SERVER__PORT": "4300", "CAUDAL_API": "http://x:1"}).api.url
        'http://x:1'
    """
    environ = os.environ if environ is None else environ
    layers = _Layers()
    home = Path(environ.get("CAUDAL_HOME") or "~/.caudal").expanduser()
    path = home / "config.toml"
    if path.is_file():
        try:
            loaded = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"Config file '{path}' is not valid TOML: {exc}") from exc
        for key, value in loaded.items():
            layers.set([key], value, str(path), text=False)
    for name, raw in environ.items():
        if not name.startswith("CAUDAL__"):
            continue
        keys = [k.lower() for k in name[len("CAUDAL__"):].split("__") if k]
        if keys:
            layers.set(keys, raw, name, text=True)
    for name, dotted in SHORT_VARIABLES.items():
        if environ.get(name):
            layers.set(dotted.split("."), environ[name], name, text=True)
    # The home is where the file was read from, whichever layer named it.
    layers.data["home_dir"] = str(Path(layers.data["home_dir"]).expanduser())
    return Config(layers.data, sources=layers.sources)


def get_setting(key: str, given: Any = None, config: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> Any:
    """The value of the dotted ``key`` in effect now.

    In order: ``given`` (an argument or a CLI option) when it is not None; else the short
    variable for the key (``CAUDAL_API`` for ``api.url``...) in the environment as it is now;
    else ``config`` (the one a ``caudal.context`` holds), else the ``config`` read at start-up.
    Looking the short variables up again costs a dictionary lookup, and lets a process that
    changes them (a test, a notebook) see the change at the next call.

    Raises:
        ValueError: the short variable's value is not of the key's type (naming both).

    Example:
        >>> get_setting("api.url", "http://given:1", environ={"CAUDAL_API": "http://env:2"})
        'http://given:1'
        >>> get_setting("api.url", environ={"CAUDAL_API": "http://env:2"})
        'http://env:2'
    """
    if given is not None:
        return given
    environ = os.environ if environ is None else environ
    for name, dotted in SHORT_VARIABLES.items():
        if dotted == key and environ.get(name):
            layers = _Layers()
            layers.set(key.split("."), environ[name], name, text=True)
            node: Any = layers.data
            for part in key.split("."):
                node = node[part]
            return node
    # The parameter shadows the module's ``config``, read at start-up, which is the fallback.
    node = globals()["config"] if config is None else config
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def child_environment(settings: Mapping[str, Any] | None = None,
                      extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process: this process's, then ``extra`` over it, then
    caudal ``settings`` by dotted key (``{"api.url": ...}``) as the variables the child's
    configuration reads (the short ones where a key has one; None removes the variable).

    Example:
        >>> child_environment({"api.url": "http://x:1"})["CAUDAL_API"]
        'http://x:1'
    """
    env = dict(os.environ)
    env.update(extra or {})
    for key, value in (settings or {}).items():
        name = setting_variable(key)
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


def setting_variable(key: str) -> str:
    """The environment variable that sets caudal setting ``key`` (dotted): its short name
    where it has one.

    Example:
        >>> setting_variable("api.url"), setting_variable("cloud.heartbeat_interval_s")
        ('CAUDAL_API', 'CAUDAL__CLOUD__HEARTBEAT_INTERVAL_S')
    """
    for name, dotted in SHORT_VARIABLES.items():
        if dotted == key:
            return name
    return "CAUDAL__" + key.upper().replace(".", "__")


def update_environment(values: Mapping[str, Any]) -> None:
    """Set variables in this process's environment, for it and what it starts (a run
    config's ``env`` in the run's process)."""
    os.environ.update({str(k): str(v) for k, v in values.items()})


def running_in_ci() -> bool:
    """Whether the ``CI`` variable says this runs in continuous integration (true, 1, yes)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def _report_if_uncaught(error: ConfigurationError) -> None:
    """Let a command or script that nobody wraps in ``try`` end with the message alone: a
    wrong setting is the user's to fix, and a traceback into caudal's own import hides it."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        if value is error:
            print(f"Error: {value}", file=sys.stderr)
        else:
            previous(kind, value, tb)

    sys.excepthook = hook


try:
    config = load_config()
except ConfigurationError as _error:
    _report_if_uncaught(_error)
    raise
