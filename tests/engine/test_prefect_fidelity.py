"""Flows that behave as under Prefect 0.15.9, written from the user's side: each case was
reproduced under both libraries (the matching compat scenarios are compat/scenarios/100-107).

The context's datetimes are pendulum DateTimes; a signal raised in a state handler ends the
task in its state; RETRY reads a naive start time as UTC; a LOOP's iterations each have
their own retries; flatten() of something that is not a sequence of sequences is left as it
is; FlowRunner gives parameters their defaults; states carry their task's tags; runner-level
handlers receive the runner; a finished state runs nothing.
"""

from __future__ import annotations

import datetime
import logging
import subprocess
import sys
from typing import Any

import pytest

import caudal
from caudal import Flow, Parameter, flatten, task, unmapped
from caudal.engine import FlowRunner, signals
from caudal.engine.state import Looped, Paused, Pending, Retrying, Scheduled, Success


def _result(state: Any, task_: Any) -> Any:
    return state.result[task_].result


# --- 1. pendulum datetimes -------------------------------------------------------------------

@task
def dates_seen() -> dict[str, Any]:
    ctx = caudal.context
    return {"date": ctx.date, "scheduled": ctx.scheduled_start_time, "today": ctx.today,
            "yesterday": ctx.yesterday, "tomorrow_nodash": ctx.tomorrow_nodash}


def test_context_datetimes_are_pendulum_and_take_pendulums_methods() -> None:
    import pendulum

    with Flow("report") as flow:
        seen = dates_seen()
    got = _result(flow.run(), seen)

    assert isinstance(got["date"], pendulum.DateTime)
    assert isinstance(got["scheduled"], pendulum.DateTime)
    assert got["scheduled"].in_tz("America/Sao_Paulo").timezone_name == "America/Sao_Paulo"
    assert got["date"].subtract(days=1).to_date_string() == got["yesterday"]


@pytest.mark.parametrize(("given", "date", "today"), [
    ("2021-03-04", "2021-03-04T00:00:00+00:00", "2021-03-04"),
    ("2021-03-04T22:30:00-03:00", "2021-03-04T22:30:00-03:00", "2021-03-04"),
    (datetime.datetime(2021, 3, 4, 10), "2021-03-04T10:00:00+00:00", "2021-03-04"),
])
def test_a_context_date_given_as_text_or_datetime_is_read(given: Any, date: str,
                                                           today: str) -> None:
    import pendulum

    with Flow("backfill") as flow:
        seen = dates_seen()
    got = _result(flow.run(context={"date": given}), seen)

    assert isinstance(got["date"], pendulum.DateTime)
    assert got["date"].isoformat() == date
    assert got["today"] == today
    assert got["yesterday"] == got["date"].subtract(days=1).to_date_string()


def test_an_unreadable_context_date_is_kept_with_a_warning(caplog) -> None:
    with Flow("backfill") as flow:
        seen = dates_seen()
    with caplog.at_level(logging.WARNING):
        got = _result(flow.run(context={"date": "next tuesday"}), seen)

    assert got["date"] == "next tuesday"
    assert got["today"] == datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    assert any("`date` ('next tuesday') is not a date" in r.getMessage() for r in caplog.records)


def test_a_backend_runs_scheduled_start_time_becomes_pendulum() -> None:
    import pendulum

    with Flow("nightly") as flow:
        seen = dates_seen()
    when = datetime.datetime(2021, 3, 1, 9, tzinfo=datetime.UTC)  # as the server sends it
    state = FlowRunner(flow).run(return_tasks=[seen], context={"scheduled_start_time": when})

    scheduled = _result(state, seen)["scheduled"]
    assert isinstance(scheduled, pendulum.DateTime) and scheduled == when


def test_import_caudal_and_a_flow_definition_do_not_load_pendulum() -> None:
    code = ("import sys, caudal\nfrom caudal import Flow, task\n"
            "with Flow('f') as f:\n    task(lambda: 1)()\n"
            "assert 'pendulum' not in sys.modules, 'pendulum was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


# --- 3. signals in state handlers --------------------------------------------------------------

def _raises_when(check: Any, error: BaseException) -> Any:
    calls: list[str] = []

    def handler(obj: Any, old: Any, new: Any) -> Any:
        calls.append(f"{type(old).__name__}->{type(new).__name__}")
        if check(new):
            raise error
        return new

    handler.calls = calls  # type: ignore[attr-defined]
    return handler


@pytest.mark.parametrize(("check", "error", "kind", "message", "value"), [
    (lambda s: s.is_successful(), signals.FAIL("row count looked wrong"), "Failed",
     "row count looked wrong", None),
    (lambda s: s.is_running(), signals.SKIP("holiday"), "Skipped", "holiday", None),
    (lambda s: s.is_running(), signals.SUCCESS("loaded already", result=7), "Success",
     "loaded already", 7),
])
def test_a_signal_raised_in_a_task_state_handler_sets_the_tasks_state(
        check: Any, error: BaseException, kind: str, message: str, value: Any) -> None:
    handler = _raises_when(check, error)

    @task(state_handlers=[handler])
    def count_rows() -> int:
        return 10

    with Flow("checks") as flow:
        counted = count_rows()
    state = flow.run()  # does not raise

    final = state.result[counted]
    assert type(final).__name__ == kind and final.message == message
    if value is not None:
        assert final.result == value
    # No handler runs after the one that raised.
    assert handler.calls[-1] in ("Pending->Running", "Running->Success")


def test_a_signal_raised_in_a_flow_state_handler_sets_the_flows_state() -> None:
    # Prefect 0.15.9 crashes here with a TypeError (a plain bug): caudal ends the flow in the
    # signal's state, as it does for a task.
    handler = _raises_when(lambda s: s.is_running(), signals.FAIL("warehouse is locked"))

    @task
    def load() -> int:
        return 1

    with Flow("guarded", state_handlers=[handler]) as flow:
        load()
    state = flow.run()

    assert state.is_failed() and state.message == "warehouse is locked"


# --- 5. RETRY with a naive start time ----------------------------------------------------------

def test_retry_with_a_naive_start_time_is_read_as_utc() -> None:
    attempts: list[int] = []

    @task
    def call_api() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise signals.RETRY("rate limited", start_time=datetime.datetime.utcnow())
        return len(attempts)

    with Flow("api") as flow:
        called = call_api()
    state = flow.run()

    assert state.is_successful() and _result(state, called) == 2
    assert Retrying(start_time=datetime.datetime(2021, 1, 1)).start_time == \
        datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC)


# --- 6. LOOP with retries ----------------------------------------------------------------------

def test_each_loop_iteration_has_its_own_retries() -> None:
    fails = {2: 1, 5: 1}
    seen: list[tuple[int, int, Any]] = []

    @task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
    def page_through() -> int:
        loop = caudal.context.get("task_loop_count", 1)
        seen.append((loop, caudal.context.task_run_count, caudal.context.get("task_loop_result")))
        if fails.get(loop):
            fails[loop] -= 1
            raise ValueError(f"page {loop} timed out")
        if loop < 6:
            raise signals.LOOP(result=loop * 10)
        return loop

    with Flow("pages") as flow:
        pages = page_through()
    state = flow.run()

    assert state.is_successful() and _result(state, pages) == 6
    # The retry goes on from the iteration that failed, with its loop result.
    assert seen == [(1, 1, None), (2, 1, 10), (2, 2, 10), (3, 1, 20), (4, 1, 30),
                    (5, 1, 40), (5, 2, 40), (6, 1, 50)]


# --- 7. flatten ------------------------------------------------------------------------------

def test_flatten_of_a_non_sequence_fails_only_the_mapped_task() -> None:
    @task
    def hundred() -> int:
        return 100

    @task
    def numbers() -> list[int]:
        return [1, 2, 3]

    @task
    def add(x: int, y: int = 0) -> int:
        return x + y

    @task
    def independent() -> str:
        return "still runs"

    with Flow("flatten") as flow:
        bad = add.map(flatten(hundred()))
        good = add.map(numbers(), y=unmapped(flatten(hundred())))
        other = independent()
    state = flow.run()

    assert state.result[bad].is_failed()
    assert state.result[bad].message == "At least one upstream state has an unmappable result."
    assert [s.result for s in state.result[good].map_states] == [101, 102, 103]
    assert _result(state, other) == "still runs"


# --- 11. smaller ones --------------------------------------------------------------------------

def test_flow_runner_gives_parameters_their_defaults() -> None:
    @task
    def params(a: int, b: int) -> dict[str, Any]:
        return dict(caudal.context.parameters)

    with Flow("defaults") as flow:
        got = params(Parameter("a", default=1), Parameter("b", default=2))

    assert _result(FlowRunner(flow).run(parameters={"a": 5}, return_tasks=[got]), got) == \
        {"a": 5, "b": 2}
    assert _result(FlowRunner(flow).run(return_tasks=[got]), got) == {"a": 1, "b": 2}


def test_task_states_carry_the_tasks_tags() -> None:
    @task(tags=["etl", "db"])
    def tagged() -> int:
        return 1

    @task
    def plain() -> int:
        return 1

    @task(tags=["etl", "db"])
    def per_item(x: int) -> int:
        return x

    with Flow("tags") as flow:
        a, b = tagged(), plain()
        c = per_item.map([1, 2])
    state = flow.run()

    assert state.result[a].context["tags"] == ["db", "etl"]
    assert state.result[b].context["tags"] == []
    assert [s.context["tags"] for s in state.result[c].map_states] == [["db", "etl"]] * 2


def test_runner_state_handlers_receive_the_runner() -> None:
    seen: list[str] = []

    def handler(runner: Any, old: Any, new: Any) -> Any:
        seen.append(type(runner).__name__)
        return new

    @task
    def work() -> int:
        return 1

    with Flow("runners") as flow:
        work()
    FlowRunner(flow, state_handlers=[handler]).run(task_runner_state_handlers=[handler])

    assert set(seen) == {"FlowRunner", "TaskRunner"}


def test_state_defaults_as_in_prefect() -> None:
    assert Looped().loop_count == 1
    assert Paused().start_time is None
    assert Scheduled(start_time=datetime.datetime(2021, 1, 1)).start_time.tzinfo is not None


def test_a_paused_task_waits_until_resumed() -> None:
    @task
    def approve() -> None:
        raise signals.PAUSE("waiting for approval")

    with Flow("approval") as flow:
        approved = approve()
    state = FlowRunner(flow).run(return_tasks=[approved])

    assert isinstance(state.result[approved], Paused)
    assert state.result[approved].start_time is None
    again = FlowRunner(flow).run(return_tasks=[approved],
                                 task_states={approved: state.result[approved]})
    assert isinstance(again.result[approved], Paused)  # still waiting: nobody resumed it


def test_running_a_finished_flow_state_runs_nothing() -> None:
    ran: list[int] = []

    @task
    def extract() -> int:
        ran.append(1)
        return 1

    with Flow("done") as flow:
        extracted = extract()
    state = flow.run(state=Success(message="done elsewhere"))

    assert ran == []
    assert state.is_successful() and state.message == "done elsewhere"
    assert isinstance(state.result[extracted], Pending)
    assert state.result[extracted].message == "Task not run."


def test_flow_handlers_see_no_running_to_running_on_retry_rounds() -> None:
    calls: list[str] = []
    attempts: list[int] = []

    def record(flow: Any, old: Any, new: Any) -> Any:
        calls.append(f"{type(old).__name__}->{type(new).__name__}")
        return new

    @task(max_retries=2, retry_delay=datetime.timedelta(seconds=0))
    def flaky() -> int:
        attempts.append(1)
        if len(attempts) < 3:
            raise ValueError("not yet")
        return 3

    with Flow("retries", state_handlers=[record]) as flow:
        flaky()
    assert flow.run().is_successful()
    assert calls == ["Scheduled->Running", "Running->Success"]


# --- log_stdout tasks side by side -------------------------------------------------------------

def test_log_stdout_tasks_running_at_once_on_threads_each_log_their_prints(caplog) -> None:
    import time

    from caudal.executors import LocalDaskExecutor

    @task(log_stdout=True)
    def report(i: int) -> int:
        for line in range(3):
            print(f"task {i} line {line}")
            time.sleep(0.01)
        return i

    with Flow("prints", executor=LocalDaskExecutor("threads", num_workers=4)) as flow:
        reported = report.map(list(range(8)))
    with caplog.at_level(logging.INFO):
        state = flow.run()

    assert state.is_successful(), state.result[reported]
    printed = {r.getMessage() for r in caplog.records if r.getMessage().startswith("task ")}
    assert printed == {f"task {i} line {n}" for i in range(8) for n in range(3)}
    print("after the run")  # stdout works again outside tasks


# --- flatten over mapped children that are not done --------------------------------------------

@pytest.mark.parametrize("mode", ["retry", "skip"])
def test_flatten_waits_for_mapped_children_and_carries_their_skip(mode: str) -> None:
    # Prefect 0.15.9 crashes the flow run here (a TypeError on None); caudal flattens the
    # children's results once they are all done, as flatten's documentation says.
    hits: dict[int, int] = {}

    @task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
    def fetch(x: int) -> list[int]:
        hits[x] = hits.get(x, 0) + 1
        if mode == "retry" and hits[x] == 1:
            raise ValueError("first try fails")
        if mode == "skip":
            raise signals.SKIP("nothing today")
        return [x, x * 10]

    @task
    def keep(v: Any) -> Any:
        return v

    @task
    def inc(v: int) -> int:
        return v + 1

    with Flow("flattened") as flow:
        kept = keep.map(fetch.map([1, 2]))
        added = inc.map(flatten(kept))
    state = flow.run()

    assert state.is_successful()
    if mode == "retry":
        assert [s.result for s in state.result[added].map_states] == [2, 11, 3, 21]
    else:
        assert state.result[added].is_skipped()
