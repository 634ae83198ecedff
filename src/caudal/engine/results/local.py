"""LocalResult: results written as files on the file system of wherever the task runs."""

from __future__ import annotations

import datetime
import os
import uuid
from typing import Any

from caudal.engine.results.base import Result, format_location
from caudal.utilities.context import context

__all__ = ["LocalResult"]


class LocalResult(Result):
    """A result stored as a file under ``dir``.

    "Local" means local to where the task runs: with a Dask cluster, that is each worker's
    disk.

    Args:
        dir: the directory for results; relative paths are taken from the current directory.
            By default ``results`` under caudal's home directory (``~/.caudal``, or
            ``CAUDAL_HOME``).
        validate_dir: make ``dir`` absolute and create it now (the default), so a bad
            directory fails where the result is defined rather than in the middle of a run.
        **kwargs: ``value``, ``location`` and ``serializer``, as for ``Result``.

    Example:
        >>> import tempfile
        >>> from caudal.engine.serializers import JSONSerializer
        >>> result = LocalResult(dir=tempfile.mkdtemp(), location="{task_name}.json",
        ...                      serializer=JSONSerializer())
        >>> written = result.write({"rows": 3}, task_name="load")
        >>> written.location.endswith("load.json"), result.exists("{task_name}.json",
        ...                                                      task_name="load")
        (True, True)
        >>> result.read("load.json").value
        {'rows': 3}
    """

    def __init__(self, dir: str | os.PathLike[str] | None = None, validate_dir: bool = True,
                 **kwargs: Any) -> None:
        directory = os.fspath(dir) if dir is not None else os.path.join(_home_dir(), "results")
        if validate_dir:
            directory = os.path.abspath(os.path.expanduser(directory))
            os.makedirs(directory, exist_ok=True)
        self.dir = directory
        super().__init__(**kwargs)

    @property
    def default_location(self) -> str:
        """A new file name in ``dir``, made from the time and a random suffix."""
        # The ISO time with every non-alphanumeric run turned into "-" (a few µs, not a regex).
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dt%H-%M-%S-%f-00-00")
        return os.path.join(self.dir, f"caudal-result-{stamp}-{uuid.uuid4().hex[:8]}")

    def read(self, location: str) -> Result:
        """A new LocalResult holding the value in file ``location`` (relative to ``dir``).

        Raises:
            FileNotFoundError: there is no such file.
        """
        path = os.path.join(self.dir, location)
        self.logger.debug("Starting to read result from %s...", path)
        with open(path, "rb") as f:
            data = f.read()
        new = self.copy()
        new.location = location
        new.value = self.serializer.deserialize(data)
        self.logger.debug("Finished reading result from %s.", path)
        return new

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """Write ``value_`` to the location template filled with ``kwargs``.

        The file appears whole or not at all (written aside, then renamed), so a run that
        dies half-way never leaves a truncated file that a target would take for a result.

        Returns:
            A new LocalResult with the value and the file's absolute path as location.
        """
        new = self.format(**kwargs)
        new.value = value_
        assert new.location is not None
        path = os.path.join(self.dir, new.location)
        self.logger.debug("Starting to upload result to %s...", path)
        data = self.serializer.serialize(value_)
        folder = os.path.dirname(path)
        scratch = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:8]}.part")
        try:
            try:
                handle = open(scratch, "xb")  # noqa: SIM115 (closed below)
            except FileNotFoundError:  # a folder of the location that does not exist yet
                os.makedirs(folder, exist_ok=True)
                handle = open(scratch, "xb")  # noqa: SIM115
            with handle:
                handle.write(data)
            os.replace(scratch, path)
        except BaseException:
            if os.path.exists(scratch):
                os.unlink(scratch)
            raise
        new.location = path
        self.logger.debug("Finished uploading result to %s.", path)
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Whether the file ``location`` (a template filled with ``kwargs``) exists in ``dir``."""
        return os.path.exists(os.path.join(self.dir, format_location(location, kwargs)))


def _home_dir() -> str:
    # The run context carries the config (tests and embedding apps may swap it); outside a
    # run it is caudal.configuration.config, read once from CAUDAL_HOME at start-up.
    return str(context.config.home_dir)
