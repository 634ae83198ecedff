"""DotDict and the nested-dict helpers of prefect.utilities.collections."""
from prefect import Flow, task
from prefect.utilities.collections import (
    DotDict,
    as_nested_dict,
    dict_to_flatdict,
    flatdict_to_dict,
    flatten_seq,
    merge_dicts,
)


@task
def dotdict():
    d = DotDict({"db": "warehouse", "update": "daily"}, retries=3)
    d.schema = "raw"
    d["timeout"] = 30
    del d.timeout
    try:
        d.missing
        missing = None
    except AttributeError as exc:
        missing = str(exc)
    nested = as_nested_dict({"a": {"b": 1}, "c": [{"d": 2}], "e": ({"f": 3},)})
    return {
        "repr": repr(d),
        "empty_repr": repr(DotDict()),
        "values": [d.db, d["retries"], d.schema, d.update, d.get("nope", "default")],
        "to_dict": d.to_dict(),
        "copy_type": type(d.copy()).__name__,
        "missing": missing,
        "nested": [type(nested).__name__, type(nested.a).__name__, type(nested.c[0]).__name__,
                   type(nested.e).__name__, nested.a.b],
        "equal": DotDict(a=1) == {"a": 1},
    }


@task
def helpers():
    flat = dict_to_flatdict({"db": {"host": "x", "pool": {"size": 5}}, "debug": True, "e": {}})
    merged = merge_dicts(DotDict(db=DotDict(host="x")), {"db": {"port": 2}, "debug": True})
    return {
        "flat": sorted([list(k), v] for k, v in flat.items()),
        "back": flatdict_to_dict(flat),
        "back_dotdict": repr(flatdict_to_dict(flat, DotDict).db),
        "merged": merged.to_dict(),
        "merged_type": [type(merged).__name__, type(merged.db).__name__],
        "merge_plain": merge_dicts({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}, "d": 4}),
        "flatten": list(flatten_seq([1, [2, (3, [4])], "ab", {5}, range(6, 8)])),
    }


with Flow("collections") as flow:
    dotdict()
    helpers()
