"""Engine states to and from the wire: every state name the server knows round-trips."""

from __future__ import annotations

import datetime

import pytest

from caudal.engine import state as states
from caudal.serialization.states import state_from_wire, state_to_wire
from caudal.wire.states import STATE_KINDS


@pytest.mark.parametrize("name", sorted(STATE_KINDS))
def test_every_server_state_name_becomes_the_engine_class_of_that_name(name):
    built = state_from_wire(name, "why")

    assert type(built).__name__ == name
    assert built.message == "why"
    assert state_to_wire(built)["state"] == name


def test_failed_kinds_are_failed_and_success_kinds_are_successful():
    assert state_from_wire("TriggerFailed").is_failed()
    assert state_from_wire("Skipped").is_successful()
    assert state_from_wire("Scheduled").is_scheduled()


def test_unknown_name_gives_a_plain_state_with_the_message():
    built = state_from_wire("Exploded", "a newer server")

    assert type(built) is states.State and built.message == "a newer server"


def test_scheduled_keeps_its_start_time_both_ways():
    due = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)

    assert state_from_wire("Scheduled", start_time=due).start_time == due
    assert state_to_wire(states.Scheduled("later", start_time=due)) == {
        "state": "Scheduled", "message": "later", "start_time": due}


def test_timestamp_is_the_servers():
    when = datetime.datetime(2024, 1, 31, 12, tzinfo=datetime.UTC)

    assert state_from_wire("Running", timestamp=when).timestamp == when


def test_a_name_is_accepted_in_place_of_a_state():
    assert state_to_wire("Failed", "boom") == {"state": "Failed", "message": "boom"}


def test_a_name_the_server_does_not_know_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="'Done' is not a state the caudal server knows; use "
                                         "one of Cached, Cancelled"):
        state_to_wire("Done")
