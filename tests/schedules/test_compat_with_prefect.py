"""The same schedule definitions give the same events under Prefect 0.15.9 and caudal."""

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
    return sorted(events, key=lambda e: (dt.datetime.fromisoformat(e[0]),
                                         json.dumps(e, sort_keys=True)))


@pytest.mark.compat
def test_schedules_fire_at_the_same_times_as_prefect():
    prefect_python = os.environ.get("CAUDAL_COMPAT_PYTHON")
    if not prefect_python:
        pytest.skip("CAUDAL_COMPAT_PYTHON is not set (make test sets it)")
    pytest.importorskip("pytz")

    expected = run_driver(prefect_python, "prefect")
    got = run_driver(sys.executable, "caudal")

    assert sorted(got) == sorted(expected)
    for name in expected:
        assert canonical(got[name]) == canonical(expected[name]), name
