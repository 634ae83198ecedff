"""ServiceLoop: a pass that fails is recorded for /health and never stops the loop."""

from __future__ import annotations

import datetime as dt

from caudal.server.loops import ServiceLoop

NOW = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)


def test_pass_runs_job_with_given_time_and_records_success() -> None:
    seen: list[dt.datetime] = []
    loop = ServiceLoop("Job", lambda now: seen.append(now) or 3, interval_s=1)

    assert loop.run_pass(NOW) == 3
    assert seen == [NOW]
    assert (loop.passes, loop.last_error) == (1, None)
    assert loop.last_success is not None


def test_failing_pass_is_recorded_and_not_raised() -> None:
    def job(now: dt.datetime) -> None:
        raise RuntimeError("database went away")

    loop = ServiceLoop("Job", job, interval_s=1)

    assert loop.run_pass(NOW) is None
    assert loop.passes == 0
    assert loop.last_error == "RuntimeError: database went away"


def test_loop_never_started_counts_as_alive() -> None:
    loop = ServiceLoop("Job", lambda now: None, interval_s=7)

    assert loop.health() == {"alive": True, "running": False, "interval_s": 7}
