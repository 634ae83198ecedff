"""flow.run() on a flow with a schedule waits for each scheduled time and runs then."""

from __future__ import annotations

import datetime
import time

import pytest

import caudal
from caudal import Flow, Parameter, task
from caudal.schedules import Schedule
from caudal.schedules.clocks import DatesClock


@task
def stamp(table):
    return (table, caudal.context.scheduled_start_time)


def _soon(seconds: float) -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=seconds)


def test_flow_with_a_schedule_runs_at_each_time_with_its_clock_parameters(capsys):
    first, second = _soon(0.5), _soon(1.2)
    schedule = Schedule(clocks=[
        DatesClock(dates=[first], parameter_defaults={"table": "iptu"}),
        DatesClock(dates=[second], parameter_defaults={"table": "itbi"}),
    ])
    with Flow("scheduled", schedule=schedule) as flow:
        out = stamp(Parameter("table", default="none"))

    started = time.monotonic()
    state = flow.run()

    assert time.monotonic() - started >= 1.0  # it waited for the second time
    assert state.result[out].result == ("itbi", second)
    logged = capsys.readouterr().out
    assert logged.count("Waiting for next scheduled run at") == 2
    assert "Beginning Flow run for 'scheduled'" in logged


def test_run_on_schedule_false_runs_once_now():
    schedule = Schedule(clocks=[DatesClock(dates=[_soon(3600)])])
    with Flow("not-now", schedule=schedule) as flow:
        out = stamp("x")

    started = time.monotonic()
    state = flow.run(run_on_schedule=False)

    assert state.result[out].result[0] == "x"
    assert time.monotonic() - started < 5


def test_schedule_with_no_times_left_is_refused():
    schedule = Schedule(clocks=[DatesClock(dates=[_soon(-3600)])])
    with Flow("past", schedule=schedule) as flow:
        stamp("x")

    with pytest.raises(ValueError, match="no more scheduled runs"):
        flow.run()
