"""PrefectResult: the JSON text of the value is its location; nothing is written."""

from __future__ import annotations

import datetime

import pytest

from caudal.engine.results import PrefectResult
from caudal.engine.serializers import DateTimeSerializer, PickleSerializer


def test_write_puts_the_json_text_in_the_location():
    written = PrefectResult().write({"rows": [1, 2]})

    assert written.location == '{"rows": [1, 2]}' and written.value == {"rows": [1, 2]}


def test_read_turns_the_location_back_into_the_value():
    assert PrefectResult().read('{"rows": [1, 2]}').value == {"rows": [1, 2]}


def test_exists_says_whether_the_text_is_valid_json():
    assert PrefectResult().exists("[1, 2]") is True
    assert PrefectResult().exists("[1, 2") is False


def test_datetime_serializer_is_accepted():
    when = datetime.datetime(2022, 10, 5, tzinfo=datetime.UTC)

    written = PrefectResult(serializer=DateTimeSerializer()).write(when)

    assert written.location == "2022-10-05T00:00:00+00:00"


def test_a_pickle_serializer_is_refused():
    with pytest.raises(TypeError, match="JSONSerializer or DateTimeSerializer"):
        PrefectResult(serializer=PickleSerializer())
