"""ConstantResult: reading gives the constant back; writing is refused."""

from __future__ import annotations

import pytest

from caudal.engine.results import ConstantResult
from caudal.engine.serializers import JSONSerializer


def test_read_returns_the_constant_whatever_the_location():
    assert ConstantResult(value=[1, 2]).read("ignored").value == [1, 2]


def test_exists_is_always_true():
    assert ConstantResult(value=1).exists("anything") is True


def test_write_is_refused():
    with pytest.raises(ValueError, match="cannot be written"):
        ConstantResult(value=1).write(2)


def test_a_serializer_is_refused():
    with pytest.raises(ValueError, match="no serializer"):
        ConstantResult(serializer=JSONSerializer())
