"""FSSpecResult: results in any file system fsspec knows (GCS, S3, Azure, memory...).

GCSResult and S3Result are this result with a bucket; use it directly for other stores
(``FSSpecResult("az://container/results")``, ``FSSpecResult("memory://scratch")``). The
file system's package (gcsfs, s3fs, adlfs...) is imported on first use, never at import.
"""

from __future__ import annotations

from typing import Any

from caudal.engine.results.base import Result, format_location

__all__ = ["FSSpecResult"]


class FSSpecResult(Result):
    """A result stored as an object under ``root``, an fsspec URL.

    Locations are relative to ``root``: a result written to ``"etl/load.pkl"`` under
    ``"s3://data/results"`` is the object ``s3://data/results/etl/load.pkl``, and its
    ``location`` stays ``"etl/load.pkl"``, the key to read it back with.

    Args:
        root: where results go, such as ``"gs://bucket/prefix"`` or ``"memory://results"``.
        storage_options: keyword arguments for the file system (credentials, endpoint...),
            as ``fsspec.filesystem(protocol, **storage_options)`` takes them.
        **kwargs: ``value``, ``location`` and ``serializer``, as for ``Result``.

    Raises:
        ImportError: (on first use) the package for ``root``'s protocol is not installed.

    Example:
        >>> result = FSSpecResult("memory://docs", location="{task_name}.pkl")
        >>> result.write([1, 2], task_name="extract").location
        'extract.pkl'
        >>> result.exists("extract.pkl"), result.read("extract.pkl").value
        (True, [1, 2])
    """

    def __init__(self, root: str, storage_options: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        self._root = root.rstrip("/")
        self.storage_options = dict(storage_options or {})
        super().__init__(**kwargs)

    @property
    def root(self) -> str:
        """The fsspec URL that locations are relative to."""
        return self._root

    def filesystem(self) -> Any:
        """The fsspec file system for ``root`` (fsspec reuses one per set of options)."""
        import fsspec

        protocol = self.root.split("://", 1)[0] if "://" in self.root else "file"
        return fsspec.filesystem(protocol, **self.storage_options)

    def path(self, location: str) -> str:
        """The full object path of ``location`` (already formatted) under ``root``."""
        return f"{self.root}/{location.lstrip('/')}"

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """Write ``value_`` to the location template filled with ``kwargs``.

        Returns:
            A new result with the value and the formatted location (relative to ``root``).
        """
        new = self.format(**kwargs)
        new.value = value_
        assert new.location is not None
        path = self.path(new.location)
        self.logger.debug("Starting to upload result to %s...", path)
        self.filesystem().pipe_file(path, new.serializer.serialize(value_))
        self.logger.debug("Finished uploading result to %s.", path)
        return new

    def read(self, location: str) -> Result:
        """A new result holding the value stored at ``location``.

        Raises:
            FileNotFoundError: nothing is stored there.
        """
        path = self.path(location)
        self.logger.debug("Starting to download result from %s...", path)
        data = self.filesystem().cat_file(path)
        new = self.copy()
        new.location = location
        try:
            new.value = new.serializer.deserialize(data)
        except EOFError:  # an empty object: a result written as nothing
            new.value = None
        self.logger.debug("Finished downloading result from %s.", path)
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Whether an object is stored at ``location`` (a template filled with ``kwargs``)."""
        fs = self.filesystem()
        path = self.path(format_location(location, kwargs))
        fs.invalidate_cache(path)  # another run may have written it since we last looked
        return bool(fs.exists(path))
