"""normalize_name and the name types built on it, without a server."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from caudal.wire import _base
from caudal.wire._base import normalize_name
from caudal.wire.flows import FlowRegistration
from caudal.wire.projects import ProjectCreate
from caudal.wire.runs import FlowRunCreate


@pytest.mark.parametrize(("value", "expected"), [
    ("etl", "etl"),
    (" etl ", "etl"),
    ("\tetl\n", "etl"),
    ("\u00a0etl\u3000", "etl"),
    ("cafe\u0301", "caf\u00e9"),
    ("caf\u00e9", "caf\u00e9"),
    ("daily etl", "daily etl"),
    ("\u0915\u093c", "\u0915\u093c"),  # NFC keeps some decomposed pairs: still one name
    ("\u0958", "\u0915\u093c"),
])
def test_normalize_name_gives_one_spelling(value: str, expected: str) -> None:
    assert normalize_name(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("", "must not be empty or only whitespace"),
    (" \t\n", "must not be empty or only whitespace"),
    ("e\u200btl", "must not contain the format character U+200B (ZERO WIDTH SPACE)"),
    ("e\u200dtl", "must not contain the format character U+200D (ZERO WIDTH JOINER)"),
    ("\ufeffetl", "must not contain the format character U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
    ("etl\u202e", "must not contain the format character U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("e\u00adtl", "must not contain the format character U+00AD (SOFT HYPHEN)"),
    ("e\x07tl", "must not contain the control character U+0007 (BELL)"),
    ("e\ntl", "must not contain the control character U+000A (LINE FEED)"),
    ("e\x00tl", "must not contain the control character U+0000 (NUL)"),
    ("e\x85tl", "must not contain the control character U+0085"),
    ("e\ud800tl", "must be valid Unicode text, not a lone surrogate (U+D800)"),
])
def test_normalize_name_refuses_naming_the_character(value: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        normalize_name(value)
    assert str(raised.value) == message


def test_normalize_name_is_exported() -> None:
    assert "normalize_name" in _base.__all__
    assert {"Name", "LongName", "Label"} <= set(_base.__all__)


def test_models_normalise_their_names() -> None:
    registration = FlowRegistration(project="cafe\u0301 ", name=" etl", hash="h",
                                    serialized={}, labels=[" prod "])
    run = FlowRunCreate(flow_name="etl\n", project=" p", run_name=" r ")

    assert (registration.project, registration.name) == ("caf\u00e9", "etl")
    assert registration.labels == ["prod"]
    assert (run.flow_name, run.project, run.run_name) == ("etl", "p", "r")
    assert FlowRunCreate().run_name is None


def test_length_limit_applies_to_the_normalised_name() -> None:
    # U+0958 is excluded from composition: NFC spells it with two characters.
    with pytest.raises(ValidationError, match="at most 200 characters"):
        ProjectCreate(name="\u0958" * 101)
    assert ProjectCreate(name=" " * 50 + "p" * 200).name == "p" * 200


def test_a_name_that_is_not_text_is_refused_by_type() -> None:
    with pytest.raises(ValidationError, match="valid string"):
        ProjectCreate.model_validate({"name": 5})
