"""Serializers: how a Result turns a task's value into bytes and back (Prefect 0.15 path).

A ``Result`` decides where bytes go; its serializer decides what the bytes are. Pickle (with
cloudpickle, so lambdas and local classes survive) is the default; JSON suits values a person
or another tool will read; ``PandasSerializer`` writes DataFrames as CSV, Parquet and the other
formats pandas can write.
"""

from __future__ import annotations

import datetime
import importlib
import io
import json
import pickle
from collections.abc import Callable
from typing import Any

__all__ = [
    "CompressedSerializer",
    "DateTimeSerializer",
    "JSONSerializer",
    "PandasSerializer",
    "PickleSerializer",
    "Serializer",
]

_SCALARS = frozenset({int, float, str, bytes, bool, type(None)})
"""Types pickled alike by pickle and cloudpickle (protocol 5)."""


class Serializer:
    """Turns Python values into bytes and back; subclasses write both directions.

    Two serializers are equal when they are of the same type (and, for configurable ones,
    have the same configuration).
    """

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def serialize(self, value: Any) -> bytes:
        """The bytes that stand for ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement serialize().")

    def deserialize(self, value: bytes) -> Any:
        """The value that ``value`` (bytes written by ``serialize``) stands for."""
        raise NotImplementedError(f"{type(self).__name__} does not implement deserialize().")


class PickleSerializer(Serializer):
    """Serializes any picklable value with cloudpickle (functions and lambdas included).

    Example:
        >>> s = PickleSerializer()
        >>> s.deserialize(s.serialize({"rows": [1, 2]}))
        {'rows': [1, 2]}
    """

    def serialize(self, value: Any) -> bytes:
        if type(value) in _SCALARS:
            # The same bytes cloudpickle writes for these, without its pickler's set-up (a
            # backend run checkpoints every task, and many return a number or a path).
            return pickle.dumps(value, protocol=5)
        import cloudpickle  # loaded on first use: building a flow should not pay for it

        return cloudpickle.dumps(value)

    def deserialize(self, value: bytes) -> Any:
        """Unpickle ``value``; base64-encoded pickles (written by old Prefect versions) work too.

        Raises:
            pickle.UnpicklingError (or what unpickling raised): the bytes are not a pickle.
        """
        import base64

        import cloudpickle

        try:
            return cloudpickle.loads(value)
        except Exception as exc:
            try:
                return cloudpickle.loads(base64.b64decode(value))
            except Exception:
                raise exc from None


class JSONSerializer(Serializer):
    """Serializes JSON-compatible values (dicts, lists, strings, numbers, booleans, None).

    Example:
        >>> JSONSerializer().serialize({"n": 1})
        b'{"n": 1}'
        >>> JSONSerializer().deserialize(b'[1, "a"]')
        [1, 'a']
    """

    def serialize(self, value: Any) -> bytes:
        """JSON bytes for ``value``.

        Raises:
            TypeError: ``value`` (or something inside it) is not JSON serializable.
        """
        return json.dumps(value).encode()

    def deserialize(self, value: bytes) -> Any:
        return json.loads(value)


class DateTimeSerializer(Serializer):
    """Serializes datetimes as ISO 8601 text, readable by people and other tools.

    Example:
        >>> import datetime
        >>> s = DateTimeSerializer()
        >>> s.serialize(datetime.datetime(2022, 10, 5, 14, 40, tzinfo=datetime.UTC))
        b'2022-10-05T14:40:00+00:00'
        >>> s.deserialize(b"2022-10-05T14:40:00Z")
        datetime.datetime(2022, 10, 5, 14, 40, tzinfo=datetime.timezone.utc)
    """

    def serialize(self, value: Any) -> bytes:
        """ISO 8601 bytes for a datetime; a naive datetime is taken as UTC, as Prefect did.

        Raises:
            TypeError: ``value`` is not a datetime.
        """
        if not isinstance(value, datetime.datetime):
            raise TypeError(
                f"DateTimeSerializer serializes datetimes, not {type(value).__name__} "
                f"{value!r}; use JSONSerializer or PickleSerializer for other values."
            )
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.isoformat().encode()

    def deserialize(self, value: bytes) -> Any:
        return datetime.datetime.fromisoformat(value.decode())


class PandasSerializer(Serializer):
    """Serializes pandas DataFrames with the pandas writer and reader for ``file_type``.

    Args:
        file_type: any format with both ``DataFrame.to_<file_type>`` and
            ``pandas.read_<file_type>``: "csv", "parquet", "json", "feather", "pickle"...
        deserialize_kwargs: keyword arguments for ``pandas.read_<file_type>``.
        serialize_kwargs: keyword arguments for ``DataFrame.to_<file_type>``.

    Raises:
        ValueError: pandas has no writer or reader for ``file_type``.
        ImportError: pandas is not installed (``pip install caudal[pandas]``).

    Example:
        >>> import pandas as pd
        >>> s = PandasSerializer("csv", serialize_kwargs={"index": False})
        >>> s.serialize(pd.DataFrame({"id": [1, 2]}))
        b'id\\n1\\n2\\n'
        >>> s.deserialize(b"id\\n1\\n2\\n")["id"].tolist()
        [1, 2]
    """

    def __init__(
        self,
        file_type: str,
        deserialize_kwargs: dict[str, Any] | None = None,
        serialize_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.file_type = file_type
        # Check now, where the task is defined, rather than when the first result is written.
        self._reader()
        self._writer()
        self.deserialize_kwargs = dict(deserialize_kwargs or {})
        self.serialize_kwargs = dict(serialize_kwargs or {})

    def __eq__(self, other: object) -> bool:
        return (
            type(self) is type(other)
            and isinstance(other, PandasSerializer)
            and self.file_type == other.file_type
            and self.serialize_kwargs == other.serialize_kwargs
            and self.deserialize_kwargs == other.deserialize_kwargs
        )

    def __hash__(self) -> int:
        return hash((type(self), self.file_type))

    def __repr__(self) -> str:
        return f"PandasSerializer(file_type={self.file_type!r})"

    def serialize(self, value: Any) -> bytes:
        """The DataFrame written in ``file_type``.

        Raises:
            TypeError: ``value`` is not a DataFrame.
        """
        if not hasattr(value, f"to_{self.file_type}"):
            raise TypeError(
                f"PandasSerializer({self.file_type!r}) serializes pandas DataFrames, not "
                f"{type(value).__name__}; return a DataFrame from the task or pick another "
                "serializer for its result."
            )
        write = self._writer(value)
        buffer = io.BytesIO()
        try:
            write(buffer, **self.serialize_kwargs)
        except TypeError:
            # Text formats (json, html...) refuse a bytes buffer in some pandas versions.
            text = io.StringIO()
            write(text, **self.serialize_kwargs)
            return text.getvalue().encode()
        return buffer.getvalue()

    def deserialize(self, value: bytes) -> Any:
        return self._reader()(io.BytesIO(value), **self.deserialize_kwargs)

    def _reader(self) -> Callable[..., Any]:
        import pandas as pd

        reader = getattr(pd, f"read_{self.file_type}", None)
        if reader is None:
            raise ValueError(
                f"PandasSerializer: pandas has no read_{self.file_type}(), so file_type "
                f"{self.file_type!r} cannot be read back; use 'csv', 'parquet', 'json', ..."
            )
        return reader

    def _writer(self, frame: Any = None) -> Callable[..., Any]:
        import pandas as pd

        frame = pd.DataFrame() if frame is None else frame
        writer = getattr(frame, f"to_{self.file_type}", None)
        if writer is None:
            raise ValueError(
                f"PandasSerializer: DataFrame has no to_{self.file_type}(), so file_type "
                f"{self.file_type!r} cannot be written; use 'csv', 'parquet', 'json', ..."
            )
        return writer


class CompressedSerializer(Serializer):
    """Wraps another serializer and compresses its bytes.

    Args:
        serializer: the serializer whose output is compressed.
        format: a standard compression module name: "gzip", "bz2", "lzma" or "zlib".
        compress, decompress: your own functions, instead of ``format``.
        compress_kwargs, decompress_kwargs: keyword arguments for those functions.

    Raises:
        ValueError: neither or both of ``format`` and ``compress``/``decompress`` were given.
        ImportError: ``format`` names a module that cannot be imported.

    Example:
        >>> s = CompressedSerializer(JSONSerializer(), format="gzip")
        >>> s.deserialize(s.serialize([1, 2, 3]))
        [1, 2, 3]
    """

    def __init__(
        self,
        serializer: Serializer,
        format: str | None = None,
        compress: Callable[..., bytes] | None = None,
        decompress: Callable[..., bytes] | None = None,
        compress_kwargs: dict[str, Any] | None = None,
        decompress_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if format and (compress or decompress):
            raise ValueError(
                "CompressedSerializer takes either format= or compress=/decompress=, not both."
            )
        if format:
            try:
                module = importlib.import_module(format)
            except ImportError as exc:
                raise ImportError(
                    f"CompressedSerializer: no compression module {format!r}; use one of "
                    "'gzip', 'bz2', 'lzma', 'zlib', or pass compress=/decompress=."
                ) from exc
            compress, decompress = module.compress, module.decompress
        if compress is None or decompress is None:
            raise ValueError(
                "CompressedSerializer needs format= (such as 'gzip') or both compress= and "
                "decompress=."
            )
        self.serializer = serializer
        self.compress = compress
        self.decompress = decompress
        self.compress_kwargs = dict(compress_kwargs or {})
        self.decompress_kwargs = dict(decompress_kwargs or {})

    def __eq__(self, other: object) -> bool:
        return (
            type(self) is type(other)
            and isinstance(other, CompressedSerializer)
            and self.serializer == other.serializer
            and self.compress == other.compress
            and self.decompress == other.decompress
            and self.compress_kwargs == other.compress_kwargs
            and self.decompress_kwargs == other.decompress_kwargs
        )

    def __hash__(self) -> int:
        return hash((type(self), self.serializer))

    def serialize(self, value: Any) -> bytes:
        return self.compress(self.serializer.serialize(value), **self.compress_kwargs)

    def deserialize(self, value: bytes) -> Any:
        return self.serializer.deserialize(self.decompress(value, **self.decompress_kwargs))
