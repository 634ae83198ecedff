"""``set_temporary_config``: change caudal's configuration for a block, as Prefect 0.15's
``prefect.utilities.configuration`` does (mostly in tests)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from caudal.configuration import Config, config
from caudal.utilities.context import context

__all__ = ["set_temporary_config"]

SOURCE = "set_temporary_config"
"""What ``config.source_of(key)`` says for a key set by ``set_temporary_config``."""


@contextmanager
def set_temporary_config(temp_config: Mapping[str, Any]) -> Iterator[Config]:
    """Set config keys for the duration of the block; every value comes back on exit.

    The configuration read at start-up (``caudal.config``, the run context's ``config``)
    changes in place, for every thread, as Prefect's does: a flow run started in the block,
    and its tasks, see the new values. Keys that did not exist are created, and removed again
    on exit.

    Args:
        temp_config: values by dotted key (``{"flows.checkpointing": True}``).

    Yields:
        The configuration, with the values set.

    Raises:
        TypeError: a key goes below a value (``"flows.checkpointing.x"``).

    Example:
        >>> import caudal
        >>> with set_temporary_config({"flows.checkpointing": True, "my_app.table": "t"}):
        ...     caudal.config.flows.checkpointing, caudal.config.my_app.table
        (True, 't')
        >>> caudal.config.flows.checkpointing, "my_app" in caudal.config
        (False, False)
    """
    # Config's pickling protocol gives its values and where each came from, to put back on
    # exit. Config is read-only to everyone else; this is the one place that re-initializes
    # it, so that every holder of the object (the context, the loggers) sees the new values.
    values, path, sources = config.__reduce__()[1]
    changed, changed_sources = config.to_dict(), dict(sources)
    for key, value in temp_config.items():
        parts = key.split(".")
        node = changed
        for depth, part in enumerate(parts[:-1], start=1):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise TypeError(
                    f"Config '{'.'.join(parts[:depth])}' is a value, not a section; "
                    f"'{key}' cannot be set below it."
                )
        node[parts[-1]] = value
        changed_sources[key] = SOURCE
    Config.__init__(config, changed, path, changed_sources)
    try:
        with context(config=config):
            yield config
    finally:
        Config.__init__(config, values, path, sources)
