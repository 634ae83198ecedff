"""DotDict and the nested-dict helpers flows import from Prefect 0.15's
``prefect.utilities.collections``: ``as_nested_dict``, ``merge_dicts``, ``dict_to_flatdict``,
``flatdict_to_dict`` and ``flatten_seq``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

__all__ = ["CompoundKey", "DotDict", "as_nested_dict", "dict_to_flatdict", "flatdict_to_dict",
           "flatten_seq", "merge_dicts"]


class DotDict(MutableMapping[Any, Any]):
    """A dict whose keys are attributes too: ``d.key`` is ``d["key"]``.

    Args:
        init_dict: the first items.
        **kwargs: more items; they win over ``init_dict``'s.

    Example:
        >>> d = DotDict({"db": "warehouse"}, retries=3)
        >>> d.db, d["retries"]
        ('warehouse', 3)
        >>> d.schema = "raw"
        >>> d
        <DotDict: 'db', 'retries', 'schema'>
        >>> d.to_dict()
        {'db': 'warehouse', 'retries': 3, 'schema': 'raw'}
    """

    # The items are the instance's attributes, so a key named like a method ("update",
    # "items") hides that method on the instance, as in Prefect.

    def __init__(self, init_dict: Mapping[Any, Any] | None = None, **kwargs: Any) -> None:
        # MutableMapping.update, not self.update: a key named "update" would hide it.
        if init_dict:
            MutableMapping.update(self, init_dict)
        MutableMapping.update(self, kwargs)

    def get(self, key: Any, default: Any = None) -> Any:
        return self.__dict__.get(key, default)

    def __getitem__(self, key: Any) -> Any:
        return self.__dict__[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.__dict__[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.__dict__[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.__dict__.keys())

    def __len__(self) -> int:
        return len(self.__dict__)

    def __repr__(self) -> str:
        if not self.__dict__:
            return f"<{type(self).__name__}>"
        keys = ", ".join(sorted(repr(key) for key in self.__dict__))
        return f"<{type(self).__name__}: {keys}>"

    def copy(self) -> DotDict:
        """A shallow copy, of the same class."""
        return type(self)(self.__dict__.copy())

    def to_dict(self) -> dict[Any, Any]:
        """Plain dicts all the way down (nested DotDicts too)."""
        return as_nested_dict(self, dct_class=dict)


class CompoundKey(tuple):  # type: ignore[type-arg]
    """The path of a value in a nested dict, as a key of the flat dict (``("a", "b")``)."""


def _is_nested_dict(obj: Any) -> bool:
    """Whether ``as_nested_dict`` converts ``obj``: a dict, a DotDict or caudal's config."""
    from caudal.configuration import Config  # a leaf; loaded long before this is called

    return isinstance(obj, dict | DotDict | Config)


def as_nested_dict(obj: Any, dct_class: type = DotDict) -> Any:
    """``obj`` with every dict in it (inside lists, tuples and sets too) made a ``dct_class``.

    Args:
        obj: a dict, or a list, tuple or set of them; anything else comes back as it is.
        dct_class: the class each dict becomes (``dict`` to turn DotDicts into plain dicts).

    Example:
        >>> as_nested_dict({"db": {"host": "x"}}).db.host
        'x'
        >>> as_nested_dict(DotDict(db=DotDict(host="x")), dict)
        {'db': {'host': 'x'}}
    """
    if isinstance(obj, list | tuple | set):
        return type(obj)(as_nested_dict(item, dct_class) for item in obj)
    if _is_nested_dict(obj):
        return dct_class({key: as_nested_dict(value, dct_class) for key, value in obj.items()})
    return obj


def merge_dicts(d1: MutableMapping[Any, Any], d2: Mapping[Any, Any]) -> Any:
    """A copy of ``d1`` (of its class) updated with ``d2``, nested dicts merged key by key.

    Neither argument changes. Where both hold a dict under a key, the two are merged; otherwise
    ``d2``'s value wins.

    Example:
        >>> merge_dicts({"db": {"host": "x", "port": 1}}, {"db": {"port": 2}, "debug": True})
        {'db': {'host': 'x', 'port': 2}, 'debug': True}
    """
    merged = d1.copy()  # type: ignore[attr-defined]
    for key, value in d2.items():
        if isinstance(merged.get(key), MutableMapping) and isinstance(value, Mapping):
            merged[key] = merge_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged


def dict_to_flatdict(dct: Mapping[Any, Any], parent: CompoundKey | None = None
                     ) -> dict[CompoundKey, Any]:
    """A nested dict as one level, keyed by each value's path (a ``CompoundKey``).

    Only plain dicts are opened; an empty one leaves no key.

    Example:
        >>> dict_to_flatdict({"db": {"host": "x"}, "debug": True})
        {('db', 'host'): 'x', ('debug',): True}
    """
    parent = parent if parent is not None else CompoundKey()
    flat: dict[CompoundKey, Any] = {}
    for key, value in dct.items():
        path = CompoundKey((*parent, key))
        if isinstance(value, dict):
            flat.update(dict_to_flatdict(value, parent=path))
        else:
            flat[path] = value
    return flat


def flatdict_to_dict(dct: Mapping[Any, Any], dct_class: type | None = None) -> Any:
    """The nested dict that ``dict_to_flatdict`` flattened, as ``dct_class`` (``dict``).

    Keys that are not ``CompoundKey`` stay top-level keys as they are.

    Example:
        >>> flatdict_to_dict(dict_to_flatdict({"db": {"host": "x"}, "debug": True}))
        {'db': {'host': 'x'}, 'debug': True}
    """
    make = dct_class or dict
    nested = make()
    for key, value in dct.items():
        if isinstance(key, CompoundKey):
            node = nested
            for part in key[:-1]:
                node = node.setdefault(part, make())
            node[key[-1]] = value
        else:
            nested[key] = value
    return nested


def flatten_seq(seq: Iterable[Any]) -> Generator[Any, None, None]:
    """Every item of ``seq`` and of the iterables in it, depth first; strings and bytes are
    items, not sequences.

    Example:
        >>> list(flatten_seq([1, [2, (3, [4])], "ab"]))
        [1, 2, 3, 4, 'ab']
    """
    for item in seq:
        if isinstance(item, Iterable) and not isinstance(item, str | bytes):
            yield from flatten_seq(item)
        else:
            yield item
