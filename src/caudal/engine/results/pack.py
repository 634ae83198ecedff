"""LocalPackResult: a backend run's checkpoints, appended to one file per process.

A backend run checkpoints every task's value. Written as one file each, a map of 10,000
children makes 10,000 files (and as many renames): on a busy disk that costs more than the
tasks themselves, and leaves the results folder with more entries than anyone can list.
``LocalPackResult`` is the ``LocalResult`` a backend run uses when neither the flow nor its
storage names a result: a value with no location of its own is appended to this process's
pack file in ``dir``, and its location says where it lies in it
(``<dir>/caudal-pack-<time>-<pid>-<random>.pack@<offset>+<length>``). A template location (a
task's ``target``, a ``location=`` given) still writes a file of its own, as ``LocalResult``
does, and ``read`` takes both kinds of location.

A value is in the pack (the page cache) before ``write`` returns, so a run killed the next
moment has it, as it would have a file.
"""

from __future__ import annotations

import datetime
import os
import re
import threading
import uuid
from typing import Any

from caudal.engine.results.base import Result
from caudal.engine.results.local import LocalResult

__all__ = ["LocalPackResult"]

_LOCATION = re.compile(r"^(?P<path>.+\.pack)@(?P<offset>\d+)\+(?P<length>\d+)$")


class _Pack:
    """One process's open pack file in one folder."""

    def __init__(self, folder: str) -> None:
        os.makedirs(folder, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
        self.path = os.path.join(
            folder, f"caudal-pack-{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}.pack")
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._size = 0
        self._lock = threading.Lock()

    def append(self, data: bytes) -> str:
        """Append ``data``; return its location."""
        with self._lock:
            offset = self._size
            view = memoryview(data)
            while view:  # a regular file takes it whole, short of a full disk
                view = view[os.write(self._fd, view):]
            self._size += len(data)
        return f"{self.path}@{offset}+{len(data)}"


_packs: dict[str, _Pack] = {}
"""This process's open packs, by folder."""
_packs_lock = threading.Lock()


def _forget_packs() -> None:  # a forked process writes packs of its own
    global _packs_lock
    for pack in _packs.values():
        os.close(pack._fd)
    _packs.clear()
    _packs_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_packs)


def _pack(folder: str) -> _Pack:
    pack = _packs.get(folder)
    if pack is None:
        with _packs_lock:
            pack = _packs.get(folder)
            if pack is None:
                pack = _packs[folder] = _Pack(folder)
    return pack


class LocalPackResult(LocalResult):
    """A ``LocalResult`` whose values without a location template are appended to one pack
    file per process in ``dir`` (see the module's description).

    Args:
        dir, validate_dir, **kwargs: as for ``LocalResult``.

    Example:
        >>> import tempfile
        >>> result = LocalPackResult(dir=tempfile.mkdtemp())
        >>> first, second = result.write({"rows": 3}), result.write([1, 2])
        >>> first.location.split("@")[0] == second.location.split("@")[0]
        True
        >>> result.read(second.location).value
        [1, 2]
    """

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """Append ``value_`` to this process's pack, or, for a result with a location
        template, write it to the file the template names (as ``LocalResult``)."""
        if self.templated:
            return super().write(value_, **kwargs)
        new = self.copy()
        new.value = value_
        new.location = _pack(self.dir).append(self.serializer.serialize(value_))
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Whether ``location`` (a place in a pack, or a file template filled with
        ``kwargs``) holds a value."""
        found = _LOCATION.match(location)
        if found is None:
            return super().exists(location, **kwargs)
        try:
            size = os.path.getsize(os.path.join(self.dir, found["path"]))
        except OSError:
            return False
        return size >= int(found["offset"]) + int(found["length"])

    def read(self, location: str) -> Result:
        """A new result holding the value at ``location``: a place in a pack, or a file
        (relative to ``dir``).

        Raises:
            FileNotFoundError: there is no such pack or file.
            ValueError: the pack is shorter than the location says (cut).
        """
        found = _LOCATION.match(location)
        if found is None:
            return super().read(location)
        path = os.path.join(self.dir, found["path"])
        offset, length = int(found["offset"]), int(found["length"])
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
        if len(data) != length:
            raise ValueError(f"The result at {location} is cut: its pack holds {len(data)} of "
                             f"its {length} bytes.")
        new = self.copy()
        new.location = location
        new.value = self.serializer.deserialize(data)
        return new
