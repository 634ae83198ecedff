"""Serializers: each turns values into bytes and back, and refuses what it cannot handle."""

from __future__ import annotations

import base64
import datetime
import gzip

import cloudpickle
import pandas as pd
import pytest

from caudal.engine.serializers import (
    CompressedSerializer,
    DateTimeSerializer,
    JSONSerializer,
    PandasSerializer,
    PickleSerializer,
    Serializer,
)


def test_pickle_serializer_round_trips_a_lambda():
    s = PickleSerializer()

    assert s.deserialize(s.serialize(lambda x: x + 1))(1) == 2


@pytest.mark.parametrize("value", [0, -7, 2**80, 1.5, float("inf"), "", "caf\u00e9" * 999,
                                   b"\x00raw", True, None])
def test_pickle_serializer_writes_plain_values_as_cloudpickle_does(value):
    # Results written before (and by Prefect) are read back the same way.
    assert PickleSerializer().serialize(value) == cloudpickle.dumps(value)
    assert PickleSerializer().deserialize(cloudpickle.dumps(value)) == value


def test_pickle_serializer_reads_base64_pickles_of_old_prefect_versions():
    old = base64.b64encode(cloudpickle.dumps({"a": 1}))

    assert PickleSerializer().deserialize(old) == {"a": 1}


def test_pickle_serializer_raises_the_unpickling_error_for_garbage():
    with pytest.raises(Exception, match="pickle|load"):
        PickleSerializer().deserialize(b"not a pickle at all")


def test_json_serializer_writes_readable_json():
    s = JSONSerializer()

    assert s.serialize({"rows": [1, 2]}) == b'{"rows": [1, 2]}'
    assert s.deserialize(b'{"rows": [1, 2]}') == {"rows": [1, 2]}


def test_json_serializer_refuses_a_set():
    with pytest.raises(TypeError, match="set"):
        JSONSerializer().serialize({1, 2})


def test_datetime_serializer_round_trips_an_aware_datetime():
    s = DateTimeSerializer()
    when = datetime.datetime(2022, 10, 5, 14, 40, tzinfo=datetime.timezone(datetime.timedelta(hours=-3)))

    assert s.deserialize(s.serialize(when)) == when


def test_datetime_serializer_takes_a_naive_datetime_as_utc():
    data = DateTimeSerializer().serialize(datetime.datetime(2022, 10, 5))

    assert data == b"2022-10-05T00:00:00+00:00"


def test_datetime_serializer_refuses_a_string_and_names_alternatives():
    with pytest.raises(TypeError, match="JSONSerializer"):
        DateTimeSerializer().serialize("2022-10-05")


@pytest.mark.parametrize("file_type", ["csv", "parquet", "json", "feather"])
def test_pandas_serializer_round_trips_a_dataframe(file_type):
    frame = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    kwargs = {"index": False} if file_type in ("csv", "parquet") else {}
    s = PandasSerializer(file_type, serialize_kwargs=kwargs)

    back = s.deserialize(s.serialize(frame))

    assert back.to_dict(orient="records") == frame.to_dict(orient="records")


def test_pandas_serializer_passes_serialize_and_deserialize_kwargs():
    s = PandasSerializer("csv", serialize_kwargs={"index": False, "sep": ";"},
                         deserialize_kwargs={"sep": ";"})

    data = s.serialize(pd.DataFrame({"a": [1], "b": [2]}))

    assert data == b"a;b\n1;2\n"
    assert s.deserialize(data).columns.tolist() == ["a", "b"]


def test_pandas_serializer_refuses_an_unknown_file_type_at_construction():
    with pytest.raises(ValueError, match="read_nonsense"):
        PandasSerializer("nonsense")


def test_pandas_serializer_refuses_a_value_that_is_not_a_dataframe():
    with pytest.raises(TypeError, match="DataFrame"):
        PandasSerializer("csv").serialize([1, 2])


def test_serializers_compare_equal_by_type_and_configuration():
    assert PickleSerializer() == PickleSerializer()
    assert PickleSerializer() != JSONSerializer()
    assert PandasSerializer("csv") == PandasSerializer("csv")
    assert PandasSerializer("csv") != PandasSerializer("csv", serialize_kwargs={"index": False})


def test_compressed_serializer_compresses_the_wrapped_bytes():
    s = CompressedSerializer(JSONSerializer(), format="gzip")

    data = s.serialize(list(range(100)))

    assert gzip.decompress(data) == JSONSerializer().serialize(list(range(100)))
    assert s.deserialize(data) == list(range(100))


def test_compressed_serializer_takes_format_or_functions_not_both():
    with pytest.raises(ValueError, match="not both"):
        CompressedSerializer(JSONSerializer(), format="gzip", compress=gzip.compress,
                             decompress=gzip.decompress)
    with pytest.raises(ImportError, match="gzip"):
        CompressedSerializer(JSONSerializer(), format="no_such_codec")


def test_base_serializer_says_what_is_missing():
    with pytest.raises(NotImplementedError, match="serialize"):
        Serializer().serialize(1)
