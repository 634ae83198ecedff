"""States: the hierarchy, the predicates it gives, repr and equality."""

from __future__ import annotations

import datetime

import pytest

from caudal.engine import state as st

PREDICATES = [
    "is_pending",
    "is_scheduled",
    "is_running",
    "is_finished",
    "is_successful",
    "is_failed",
    "is_skipped",
    "is_cached",
    "is_mapped",
    "is_retrying",
    "is_looped",
    "is_meta_state",
    "is_submitted",
    "is_queued",
]

# Which predicates answer True for each state, as in Prefect 0.15.9.
TRUE_PREDICATES = [
    pytest.param(st.Pending, {"is_pending"}, id="Pending"),
    pytest.param(st.Scheduled, {"is_pending", "is_scheduled"}, id="Scheduled"),
    pytest.param(st.Paused, {"is_pending", "is_scheduled"}, id="Paused"),
    pytest.param(st.Resume, {"is_pending", "is_scheduled"}, id="Resume"),
    pytest.param(st.Retrying, {"is_pending", "is_scheduled", "is_retrying"}, id="Retrying"),
    pytest.param(st.Running, {"is_running"}, id="Running"),
    pytest.param(st.Cancelling, {"is_running"}, id="Cancelling"),
    pytest.param(st.Success, {"is_finished", "is_successful"}, id="Success"),
    pytest.param(st.Skipped, {"is_finished", "is_successful", "is_skipped"}, id="Skipped"),
    pytest.param(st.Cached, {"is_finished", "is_successful", "is_cached"}, id="Cached"),
    pytest.param(st.Mapped, {"is_finished", "is_successful", "is_mapped"}, id="Mapped"),
    pytest.param(st.Failed, {"is_finished", "is_failed"}, id="Failed"),
    pytest.param(st.TimedOut, {"is_finished", "is_failed"}, id="TimedOut"),
    pytest.param(st.TriggerFailed, {"is_finished", "is_failed"}, id="TriggerFailed"),
    pytest.param(st.ValidationFailed, {"is_finished", "is_failed"}, id="ValidationFailed"),
    pytest.param(st.Cancelled, {"is_finished"}, id="Cancelled"),
    pytest.param(st.Looped, {"is_finished", "is_looped"}, id="Looped"),
    pytest.param(st.Submitted, {"is_meta_state", "is_submitted"}, id="Submitted"),
    pytest.param(st.ClientFailed, {"is_meta_state"}, id="ClientFailed"),
    pytest.param(
        st.Queued,
        {"is_scheduled", "is_meta_state", "is_queued"},
        id="Queued",
    ),
]


@pytest.mark.parametrize(("cls", "expected"), TRUE_PREDICATES)
def test_predicates_follow_the_hierarchy(cls, expected):
    state = cls()

    assert {name for name in PREDICATES if getattr(state, name)()} == expected


@pytest.mark.parametrize("cls", [st.Skipped, st.Cached, st.Mapped])
def test_skipped_cached_and_mapped_are_successful(cls):
    assert issubclass(cls, st.Success)
    assert cls().is_successful()


@pytest.mark.parametrize("cls", [st.TimedOut, st.TriggerFailed])
def test_timed_out_and_trigger_failed_are_failed(cls):
    assert issubclass(cls, st.Failed)
    assert cls().is_failed()


@pytest.mark.parametrize("cls", [st.Retrying, st.Paused])
def test_retrying_and_paused_are_scheduled_and_pending(cls):
    assert issubclass(cls, st.Scheduled)
    assert cls().is_scheduled() and cls().is_pending()
    assert not cls().is_finished()


def test_repr_with_message_shows_it_in_quotes():
    assert repr(st.Success("msg")) == '<Success: "msg">'
    assert str(st.Failed("x")) == '<Failed: "x">'


def test_repr_without_message_shows_only_the_class():
    assert repr(st.Pending()) == "<Pending>"
    assert repr(st.Success(None)) == "<Success>"


def test_repr_with_empty_message_keeps_the_quotes():
    assert repr(st.Success("")) == '<Success: "">'


def test_states_of_same_type_and_result_are_equal():
    assert st.Success(result=1) == st.Success(result=1)


def test_states_with_different_results_are_not_equal():
    assert st.Success("a", result=1) != st.Success("a", result=2)


def test_states_of_different_types_are_not_equal():
    assert st.Success() != st.Failed()
    assert st.Pending() != st.Scheduled()


def test_states_with_different_messages_are_equal():
    assert st.Success("a", result=1) == st.Success("b", result=1)
    assert st.Failed("a") == st.Failed("b")


def test_scheduled_states_with_different_start_times_are_not_equal():
    first = st.Retrying(start_time=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    second = st.Retrying(start_time=datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC))

    assert first != second


def test_states_hash_by_identity():
    a, b = st.Success(result=1), st.Success(result=1)

    assert len({a, b}) == 2


def test_state_keeps_message_and_result():
    state = st.Success("done", result=3)

    assert (state.message, state.result) == ("done", 3)


def test_retrying_run_count_defaults_to_one():
    assert st.Retrying().run_count == 1
    assert st.Retrying(run_count=3).run_count == 3


def test_scheduled_start_time_defaults_to_now():
    before = datetime.datetime.now(datetime.UTC)

    state = st.Scheduled()

    assert before <= state.start_time <= datetime.datetime.now(datetime.UTC)


def test_mapped_counts_its_children():
    mapped = st.Mapped(map_states=[st.Success(result=1), st.Failed()])

    assert mapped.n_map_states == 2


def test_stored_result_is_the_result_a_state_was_made_with_or_none():
    from caudal.engine.results import PrefectResult

    written = PrefectResult(value=[1], location="[1]")

    assert st.Success(result=written).stored_result is written
    assert st.Success(result=[1]).stored_result is None
    state = st.Success(result=[1])
    state.stored_result = written
    assert state.location == "[1]" and state == st.Success(result=[1])
