"""caudal's configuration: packaged defaults < ``~/.caudal/config.toml`` < ``CAUDAL__SECTION__KEY``.

The only module that reads configuration files or the environment. It does so once, at import,
into a read-only ``config`` object with attribute access (``config.logging.level``), the shape
Prefect's ``prefect.config`` has, so each ``PREFECT__LOGGING__LEVEL``-style variable a team
already sets maps one-to-one to ``CAUDAL__LOGGING__LEVEL``.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["Config", "config", "load_config"]

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
    },
}

# Short variables the server docs name, beside the CAUDAL__SECTION__KEY form (which wins).
ALIASES = {
    "CAUDAL_API": ("api", "url"),
    "CAUDAL_API_KEY": ("api", "key"),
    "CAUDAL_DATABASE_URL": ("server", "database_url"),
}


class Config(Mapping[str, Any]):
    """A read-only nested mapping with attribute access; ``source`` says where a key came from."""

    __slots__ = ("_data", "_path")

    def __init__(self, data: Mapping[str, Any], path: str = "") -> None:
        object.__setattr__(self, "_path", path)
        object.__setattr__(
            self,
            "_data",
            {k: Config(v, f"{path}{k}.") if isinstance(v, Mapping) else v for k, v in data.items()},
        )

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Config, (self.to_dict(), self._path))

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

    def to_dict(self) -> dict[str, Any]:
        return {k: v.to_dict() if isinstance(v, Config) else v for k, v in self._data.items()}


def _merge(base: dict[str, Any], layer: Mapping[str, Any]) -> None:
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _parse_env_value(raw: str) -> Any:
    """Environment values are text; read booleans, numbers and 'none' as users mean them."""
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from the defaults, the user's file and the environment.

    Raises:
        ValueError: the config file is not valid TOML (the message names the file).
    """
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = copy.deepcopy(DEFAULTS)
    home = Path(environ.get("CAUDAL_HOME", "~/.caudal")).expanduser()
    data["home_dir"] = str(home)
    path = home / "config.toml"
    if path.is_file():
        try:
            _merge(data, tomllib.loads(path.read_text()))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"Config file '{path}' is not valid TOML: {exc}") from exc
    for name, (section, key) in ALIASES.items():
        if environ.get(name):
            data[section][key] = environ[name]
    for name, raw in environ.items():
        if not name.startswith("CAUDAL__"):
            continue
        keys = [k.lower() for k in name[len("CAUDAL__"):].split("__") if k]
        if not keys:
            continue
        node = data
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ValueError(f"Config '{name}' nests under '{key}', which is not a section.")
        node[keys[-1]] = _parse_env_value(raw)
    return Config(data)


config = load_config()
