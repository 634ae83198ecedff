"""DotDict and the nested-dict helpers, as Prefect 0.15's ``prefect.utilities.collections``."""

from __future__ import annotations

import pickle

import pytest

from caudal.utilities.collections import (
    CompoundKey,
    DotDict,
    as_nested_dict,
    dict_to_flatdict,
    flatdict_to_dict,
    flatten_seq,
    merge_dicts,
)


def test_dotdict_keys_are_items_and_attributes():
    settings = DotDict({"db": "warehouse"}, retries=3)
    settings.schema = "raw"
    settings["timeout"] = 30

    assert (settings.db, settings["retries"], settings["schema"], settings.timeout) == (
        "warehouse", 3, "raw", 30)
    assert settings == {"db": "warehouse", "retries": 3, "schema": "raw", "timeout": 30}
    assert repr(settings) == "<DotDict: 'db', 'retries', 'schema', 'timeout'>"
    assert repr(DotDict()) == "<DotDict>"


def test_dotdict_missing_attribute_raises_attribute_error_and_get_gives_default():
    settings = DotDict(a=1)

    with pytest.raises(AttributeError, match="no attribute 'b'"):
        _ = settings.b
    assert settings.get("b", 2) == 2


def test_dotdict_keyword_items_win_and_method_names_can_be_keys():
    settings = DotDict({"a": 1, "update": "daily"}, a=2)

    assert (settings.a, settings["update"], settings.update) == (2, "daily", "daily")


def test_dotdict_deletes_copies_and_pickles():
    settings = DotDict(a=[1], b=2)
    copied = settings.copy()
    del copied.b
    copied.a.append(2)

    assert type(copied) is DotDict and list(copied) == ["a"]
    assert settings == {"a": [1, 2], "b": 2}  # a shallow copy
    assert pickle.loads(pickle.dumps(settings)) == settings


def test_dotdict_to_dict_turns_nested_dotdicts_into_dicts():
    nested = DotDict(a=DotDict(b=DotDict(c=1)), d=[DotDict(e=2)])

    plain = nested.to_dict()

    assert plain == {"a": {"b": {"c": 1}}, "d": [{"e": 2}]}
    assert type(plain["a"]["b"]) is dict and type(plain["d"][0]) is dict


def test_as_nested_dict_converts_dicts_inside_lists_and_tuples():
    converted = as_nested_dict({"db": {"host": "x"}, "replicas": [{"host": "y"}],
                                "pair": ({"a": 1},), "name": "etl"})

    assert converted.db.host == "x"
    assert converted.replicas[0].host == "y"
    assert type(converted.pair) is tuple and converted.pair[0].a == 1
    assert converted.name == "etl"
    assert as_nested_dict("text") == "text"


def test_as_nested_dict_reads_caudal_config_as_a_dict():
    import caudal

    assert as_nested_dict(caudal.config, dict)["flows"] == {"checkpointing": False}


def test_merge_dicts_merges_nested_dicts_and_changes_neither_argument():
    base = {"db": {"host": "x", "port": 1}, "debug": False}
    override = {"db": {"port": 2}, "debug": True}

    merged = merge_dicts(base, override)

    assert merged == {"db": {"host": "x", "port": 2}, "debug": True}
    assert base == {"db": {"host": "x", "port": 1}, "debug": False}
    assert merge_dicts({"a": {"b": 1}}, {"a": 5}) == {"a": 5}


def test_merge_dicts_keeps_the_class_of_the_first():
    merged = merge_dicts(DotDict(db=DotDict(host="x")), {"db": {"port": 2}})

    assert type(merged) is DotDict and type(merged.db) is DotDict
    assert merged.db == {"host": "x", "port": 2}


def test_dict_to_flatdict_and_back():
    nested = {"db": {"host": "x", "pool": {"size": 5}}, "debug": True, "empty": {}}

    flat = dict_to_flatdict(nested)

    assert flat == {("db", "host"): "x", ("db", "pool", "size"): 5, ("debug",): True}
    assert all(isinstance(key, CompoundKey) for key in flat)
    assert flatdict_to_dict(flat) == {"db": {"host": "x", "pool": {"size": 5}}, "debug": True}
    rebuilt = flatdict_to_dict(flat, DotDict)
    assert rebuilt.db.pool.size == 5


def test_flatten_seq_flattens_every_iterable_but_strings():
    assert list(flatten_seq([1, [2, (3, [4])], "ab", b"cd", {5}, range(6, 8)])) == [
        1, 2, 3, 4, "ab", b"cd", 5, 6, 7]
