"""The same schedule definitions give the same events under Prefect 0.15.9 and caudal.

compat_driver.py builds each schedule under both libraries and prints its next events, the
pendulum methods a flow calls on them, and what each filter and adjustment answers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("compat_driver.py")


def run_driver(python: str, lib: str) -> dict:
    done = subprocess.run([python, str(DRIVER), lib], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def canonical(events: list) -> list:
    """Events in time order; at one moment, sorted by content (Prefect's order there depends
    on its heap, see the README)."""
    return sorted(events, key=lambda e: (dt.datetime.fromisoformat(e[0] if isinstance(e, list)
                                                                   else e),
                                         json.dumps(e, sort_keys=True)))


@pytest.fixture(scope="module")
def outputs() -> tuple[dict, dict]:
    prefect_python = os.environ.get("CAUDAL_COMPAT_PYTHON")
    if not prefect_python:
        pytest.skip("CAUDAL_COMPAT_PYTHON is not set (make test sets it)")
    pytest.importorskip("pytz")
    return run_driver(prefect_python, "prefect"), run_driver(sys.executable, "caudal")


@pytest.mark.compat
def test_schedules_fire_at_the_same_times_as_prefect(outputs):
    expected, got = outputs

    assert sorted(got["events"]) == sorted(expected["events"])
    for name in expected["events"]:
        assert canonical(got["events"][name]) == canonical(expected["events"][name]), name
        assert canonical(got["next"][name]) == canonical(expected["next"][name]), name


@pytest.mark.compat
def test_schedule_times_are_pendulum_datetimes_as_in_prefect(outputs):
    expected, got = outputs

    assert got["pendulum"] == expected["pendulum"]


@pytest.mark.compat
def test_filters_and_adjustments_answer_as_in_prefect_by_position_and_keyword(outputs):
    expected, got = outputs

    assert got["filter_calls"] == expected["filter_calls"]
