"""TaskRunner with results: checkpointing, targets, caching, and restarting from stored values."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cloudpickle

import caudal
from caudal import Flow, Parameter, task
from caudal.engine import signals
from caudal.engine.cache_validators import all_inputs, all_parameters, partial_inputs_only
from caudal.engine.results import LocalResult, PrefectResult
from caudal.engine.serializers import JSONSerializer
from caudal.engine.state import (
    Cached,
    Failed,
    Mapped,
    Pending,
    Retrying,
    State,
    Success,
    TriggerFailed,
)
from caudal.engine.task_runner import TaskRunner

CHECKPOINTING = {"checkpointing": True}
MINUTE = datetime.timedelta(minutes=1)


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def recorder(seen: list[tuple[str, str]]):
    def handler(task, old: State, new: State) -> State:
        seen.append((type(old).__name__, type(new).__name__))
        return new

    return handler


# ------------------------------------------------------------------ checkpointing


def test_local_run_does_not_checkpoint_by_default(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="{task_name}.pkl"))
    def extract():
        return [1, 2]

    with Flow("etl") as flow:
        out = extract()
    state = flow.run().result[out]

    assert files(tmp_path) == []
    assert state.result == [1, 2] and state.location is None
    assert isinstance(state._result, LocalResult)


def test_checkpointing_writes_result_at_templated_location(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="{flow_name}/{task_name}/{map_index}.pkl"))
    def double(x):
        return 2 * x

    with Flow("etl") as flow:
        out = double.map([1, 2])
    state = flow.run(context=CHECKPOINTING).result[out]

    assert files(tmp_path) == ["etl/double/0.pkl", "etl/double/1.pkl"]
    assert [c.location for c in state.map_states] == [
        str(tmp_path / "etl" / "double" / "0.pkl"), str(tmp_path / "etl" / "double" / "1.pkl")]
    assert LocalResult(dir=tmp_path).read("etl/double/1.pkl").value == 4


def test_location_template_sees_parameters_inputs_and_context(tmp_path):
    @task(result=LocalResult(dir=tmp_path,
                             location="{region}/{table}-{today}-{parameters[limit]}.json",
                             serializer=JSONSerializer()))
    def load(table):
        return {"table": table}

    with Flow("etl") as flow:
        flow.add_task(Parameter("region", default="rmr"))
        flow.add_task(Parameter("limit", default=5))
        load("iptu")
    flow.run(context=CHECKPOINTING)

    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    assert files(tmp_path) == [f"rmr/iptu-{today}-5.json"]


def test_checkpointing_from_caudal_config_in_a_fresh_process(tmp_path):
    script = textwrap.dedent(f"""
        from caudal import Flow, task
        from caudal.engine.results import LocalResult

        @task
        def extract():
            return 1

        with Flow("env", result=LocalResult(dir={str(tmp_path)!r}, location="out.pkl")) as f:
            extract()
        f.run()
    """)
    env = {**os.environ, "CAUDAL__FLOWS__CHECKPOINTING": "true"}

    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60,
                   capture_output=True)

    assert files(tmp_path) == ["out.pkl"]


def test_checkpoint_false_task_never_writes_its_result(tmp_path):
    @task(checkpoint=False)
    def credentials():
        return {"password": "s3cret"}

    @task
    def connect(creds):
        return "connected"

    with Flow("secrets", result=LocalResult(dir=tmp_path, location="{task_name}.pkl")) as flow:
        creds = credentials()
        out = connect(creds)
    state = flow.run(context=CHECKPOINTING)

    assert files(tmp_path) == ["connect.pkl"]
    assert state.result[creds].location is None and state.result[out].result == "connected"


def test_flow_result_is_the_default_and_a_task_result_overrides_it(tmp_path):
    @task
    def plain():
        return 1

    @task(result=LocalResult(dir=tmp_path / "own", location="{task_name}.pkl"))
    def own():
        return 2

    with Flow("defaults", result=LocalResult(dir=tmp_path / "flow",
                                             location="{task_name}.pkl")) as flow:
        plain()
        own()
    flow.run(context=CHECKPOINTING)

    assert files(tmp_path) == ["flow/plain.pkl", "own/own.pkl"]


def test_a_none_value_is_not_written(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="x.pkl"))
    def nothing():
        return None

    with Flow("none") as flow:
        nothing()
    flow.run(context=CHECKPOINTING)

    assert files(tmp_path) == []


def test_a_success_signal_result_is_written(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="x.pkl"))
    def signalled():
        raise signals.SUCCESS("done early", result=41)

    with Flow("signal") as flow:
        out = signalled()
    state = flow.run(context=CHECKPOINTING).result[out]

    assert state.message == "done early" and state.location == str(tmp_path / "x.pkl")


def test_parameters_are_checkpointed_in_their_location_text_not_in_files(tmp_path):
    with Flow("params", result=LocalResult(dir=tmp_path)) as flow:
        p = flow.add_task(Parameter("p", default={"day": "2022-10-05"}))
    state = flow.run(context=CHECKPOINTING).result[p]

    assert isinstance(state._result, PrefectResult)
    assert state.location == '{"day": "2022-10-05"}' and files(tmp_path) == []


def test_a_failed_write_fails_the_task_and_is_retried(tmp_path):
    calls = []

    @task(result=LocalResult(dir=tmp_path, serializer=JSONSerializer(), location="x.json"),
          max_retries=1, retry_delay=datetime.timedelta(0))
    def not_json():
        calls.append(1)
        return {1, 2}

    with Flow("bad write") as flow:
        out = not_json()
    state = flow.run(context=CHECKPOINTING).result[out]

    assert isinstance(state, Failed)
    assert state.message == ("Unexpected error: TypeError('Object of type set is not JSON "
                             "serializable')")
    assert calls == [1, 1] and files(tmp_path) == []


def test_state_handlers_see_the_success_with_its_location(tmp_path):
    locations = []

    def handler(task, old, new):
        if new.is_successful():
            locations.append(new.location)
        return new

    @task(result=LocalResult(dir=tmp_path, location="x.pkl"), state_handlers=[handler])
    def extract():
        return 1

    with Flow("handlers") as flow:
        extract()
    flow.run(context=CHECKPOINTING)

    assert locations == [str(tmp_path / "x.pkl")]


def test_flow_result_travels_with_a_runner_made_in_the_flow_context(tmp_path):
    @task
    def extract():
        return 5

    flow = Flow("remote", result=LocalResult(dir=tmp_path, location="{task_name}.pkl"))
    with caudal.context(flow=flow):
        runner = TaskRunner(extract)
    # As on a cluster worker: a copy of the runner, and a context without the flow.
    copied = cloudpickle.loads(cloudpickle.dumps(runner))
    state = copied.run(context={"checkpointing": True})

    assert state.location == str(tmp_path / "extract.pkl")


def test_task_runner_alone_checkpoints_when_context_says_so(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="{task_name}.pkl"))
    def alone():
        return 3

    with caudal.context(checkpointing=True):
        state = TaskRunner(alone).run()

    assert state.location == str(tmp_path / "alone.pkl")


# ------------------------------------------------------------------ targets


def test_existing_target_skips_the_run_and_ends_cached_with_the_stored_value(tmp_path):
    calls = []

    @task(target="{task_name}.json",
          result=LocalResult(dir=tmp_path, serializer=JSONSerializer()))
    def extract():
        calls.append(1)
        return {"rows": 3}

    with Flow("targets") as flow:
        out = extract()
    first = flow.run(context=CHECKPOINTING).result[out]
    second = flow.run().result[out]

    assert isinstance(first, Success) and not isinstance(first, Cached)
    assert isinstance(second, Cached) and second.result == {"rows": 3}
    assert second.message == "Result found at task target extract.json"
    assert second.location == "extract.json" and second.cached_result_expiration is None
    assert calls == [1]


def test_target_is_read_with_the_result_serializer(tmp_path):
    (tmp_path / "given.json").write_text('{"from": "outside"}')

    @task(target="given.json", result=LocalResult(dir=tmp_path, serializer=JSONSerializer()))
    def never_runs():
        raise AssertionError("the target exists")

    with Flow("outside") as flow:
        out = never_runs()

    assert flow.run().result[out].result == {"from": "outside"}


def test_target_is_not_written_when_checkpointing_is_off(tmp_path):
    calls = []

    @task(target="t.pkl", result=LocalResult(dir=tmp_path))
    def extract():
        calls.append(1)
        return 1

    with Flow("off") as flow:
        extract()
    flow.run()
    flow.run()

    assert files(tmp_path) == [] and calls == [1, 1]


def test_target_of_a_checkpoint_false_task_is_never_written(tmp_path):
    @task(target="t.pkl", result=LocalResult(dir=tmp_path), checkpoint=False)
    def extract():
        return 1

    with Flow("no checkpoint") as flow:
        extract()
    flow.run(context=CHECKPOINTING)

    assert files(tmp_path) == []


def test_target_template_uses_map_index_and_inputs_per_child(tmp_path):
    calls = []

    @task(target="{task_name}/{map_index}-{x}.pkl", result=LocalResult(dir=tmp_path))
    def per_item(x):
        calls.append(x)
        return x * 10

    with Flow("mapped targets") as flow:
        out = per_item.map([1, 2])
    flow.run(context=CHECKPOINTING)
    second = flow.run().result[out]

    assert files(tmp_path) == ["per_item/0-1.pkl", "per_item/1-2.pkl"]
    assert [type(c).__name__ for c in second.map_states] == ["Cached", "Cached"]
    assert second.result == [10, 20] and calls == [1, 2]


def test_target_may_be_a_callable_of_the_context_and_inputs(tmp_path):
    def where(**kwargs):
        return f"{kwargs['flow_name']}-{kwargs['x']}.pkl"

    @task(target=where, result=LocalResult(dir=tmp_path))
    def extract(x):
        return x

    with Flow("callable") as flow:
        extract(7)
    flow.run(context=CHECKPOINTING)

    assert files(tmp_path) == ["callable-7.pkl"]


def test_target_without_any_result_fails_saying_which_result_to_use():
    @task(target="t.pkl")
    def extract():
        return 1

    with Flow("no result") as flow:
        out = extract()
    state = flow.run().result[out]

    assert isinstance(state, Failed)
    assert state.message.startswith("Unexpected error: ResultNotImplementedError(")
    assert "LocalResult" in state.message


def test_existing_target_still_obeys_the_trigger(tmp_path):
    (tmp_path / "t.pkl").write_bytes(LocalResult(dir=tmp_path).serializer.serialize(1))

    @task
    def broken():
        raise ValueError("upstream failed")

    @task(target="t.pkl", result=LocalResult(dir=tmp_path))
    def downstream(x):
        return x

    with Flow("trigger") as flow:
        out = downstream(broken())

    assert isinstance(flow.run().result[out], TriggerFailed)


# ------------------------------------------------------------------ caching


def test_cached_task_ends_cached_with_the_run_message_and_handlers_see_it():
    seen: list[tuple[str, str]] = []

    @task(cache_for=MINUTE, state_handlers=[recorder(seen)])
    def square(x):
        return x * x

    with Flow("cache") as flow:
        out = square(3)
    state = flow.run().result[out]

    assert isinstance(state, Cached) and state.message == "Task run succeeded."
    assert state.cached_parameters == {} and state.cached_result_expiration is not None
    assert seen == [("Pending", "Running"), ("Running", "Success"), ("Success", "Cached")]


def test_first_cached_run_warns_that_no_cache_can_be_used(caplog):
    @task(cache_for=MINUTE)
    def square(x):
        return x * x

    with Flow("cache") as flow:
        square(3)
    flow.run()

    assert "Task 'square': Can't use cache because it is now invalid" in caplog.text


def test_expired_cache_runs_the_task_again():
    calls = []

    @task(cache_for=datetime.timedelta(0))
    def square(x):
        calls.append(x)
        return x * x

    with Flow("expired") as flow:
        out = square(3)
    flow.run()
    second = flow.run().result[out]

    assert calls == [3, 3] and isinstance(second, Cached)


def test_cache_key_is_shared_between_flows():
    calls = []

    @task(cache_for=MINUTE, cache_key="city-list")
    def cities():
        calls.append(1)
        return ["rio", "niteroi"]

    with Flow("first") as first:
        cities()
    with Flow("second") as second:
        out = cities()
    first.run()
    state = second.run().result[out]

    assert calls == [1] and state.result == ["rio", "niteroi"]


def test_tasks_sharing_a_cache_key_in_one_run_both_run():
    calls = []

    @task(cache_for=MINUTE, cache_key="shared")
    def fetch(tag):
        calls.append(tag)
        return 1

    with Flow("one run") as flow:
        fetch("a")
        fetch("b")
    flow.run()

    assert sorted(calls) == ["a", "b"]


def test_all_inputs_validator_runs_again_for_new_inputs():
    calls = []

    @task(cache_for=MINUTE, cache_validator=all_inputs)
    def square(x):
        calls.append(x)
        return x * x

    with Flow("inputs") as flow:
        out = square(Parameter("x"))
    flow.run(x=2)
    again = flow.run(x=2).result[out]
    other = flow.run(x=3).result[out]

    assert calls == [2, 3] and (again.result, other.result) == (4, 9)


def test_default_validator_ignores_inputs_until_expiration():
    calls = []

    @task(cache_for=MINUTE)
    def square(x):
        calls.append(x)
        return x * x

    with Flow("duration") as flow:
        out = square(Parameter("x"))
    flow.run(x=2)

    assert flow.run(x=3).result[out].result == 4 and calls == [2]


def test_all_parameters_validator_compares_the_flow_parameters():
    calls = []

    @task(cache_for=MINUTE, cache_validator=all_parameters)
    def report():
        calls.append(1)
        return "report"

    with Flow("params") as flow:
        flow.add_task(Parameter("day", default="2022-10-05"))
        report()
    flow.run()
    flow.run()
    flow.run(day="2022-10-06")

    assert calls == [1, 1]


def test_partial_inputs_only_validator_ignores_other_inputs():
    calls = []

    @task(cache_for=MINUTE, cache_validator=partial_inputs_only(validate_on=["x"]))
    def add(x, verbose):
        calls.append((x, verbose))
        return x

    with Flow("partial") as flow:
        add(Parameter("x"), Parameter("verbose"))
    flow.run(x=1, verbose=True)
    flow.run(x=1, verbose=False)
    flow.run(x=2, verbose=False)

    assert calls == [(1, True), (2, False)]


def test_mapped_children_are_cached_each():
    calls = []

    @task(cache_for=MINUTE, cache_validator=all_inputs)
    def square(x):
        calls.append(x)
        return x * x

    with Flow("mapped cache") as flow:
        out = square.map([1, 2])
    flow.run()
    state = flow.run().result[out]

    assert calls == [1, 2] and state.result == [1, 4]
    assert all(isinstance(c, Cached) for c in state.map_states)


def test_a_valid_cached_state_given_to_the_runner_is_reused_without_running():
    calls = []

    @task(cache_for=MINUTE)
    def square(x):
        calls.append(x)
        return x * x

    later = datetime.datetime.now(datetime.UTC) + MINUTE
    state = TaskRunner(square, constants={"x": 3}).run(
        state=Cached(result=9, cached_result_expiration=later))

    assert isinstance(state, Cached) and state.result == 9 and calls == []


def test_an_expired_cached_state_given_to_the_runner_runs_again():
    calls = []

    @task(cache_for=MINUTE)
    def square(x):
        calls.append(x)
        return x * x

    earlier = datetime.datetime.now(datetime.UTC) - MINUTE
    state = TaskRunner(square, constants={"x": 3}).run(
        state=Cached(result=0, cached_result_expiration=earlier))

    assert state.result == 9 and calls == [3]


def test_cached_result_keeps_its_checkpoint_location(tmp_path):
    @task(cache_for=MINUTE, result=LocalResult(dir=tmp_path, location="sq.pkl"))
    def square(x):
        return x * x

    with Flow("cache and checkpoint") as flow:
        out = square(3)
    state = flow.run(context=CHECKPOINTING).result[out]

    assert isinstance(state, Cached) and state.location == str(tmp_path / "sq.pkl")


# ------------------------------------------------------------------ restarting


STEPS: list[str] = []


@task
def step_extract():
    STEPS.append("extract")
    return [1, 2, 3]


@task
def step_transform(rows):
    STEPS.append("transform")
    return [r * 10 for r in rows]


@task
def step_load(rows, fail):
    STEPS.append("load")
    if fail:
        raise ValueError("database is down")
    return sum(rows)


@task
def step_report(total):
    STEPS.append("report")
    return f"loaded {total}"


def three_step_flow(tmp_path: Path) -> tuple[Flow, dict[str, caudal.Task]]:
    with Flow("restart", result=LocalResult(dir=tmp_path,
                                            location="{task_name}.pkl")) as flow:
        rows = step_extract()
        wide = step_transform(rows)
        total = step_load(wide, Parameter("fail", default=False))
        report = step_report(total)
    return flow, {"extract": rows, "transform": wide, "load": total, "report": report}


def test_restart_reruns_only_the_failed_task_and_downstream_with_the_first_run_states(tmp_path):
    STEPS.clear()
    flow, t = three_step_flow(tmp_path)
    first = flow.run(fail=True, context=CHECKPOINTING)
    assert isinstance(first.result[t["load"]], Failed)

    done = {task: st for task, st in first.result.items() if st.is_successful()
            and task is not flow.get_tasks(name="fail")[0]}
    second = flow.run(fail=False, task_states=done, context=CHECKPOINTING)

    assert second.result[t["report"]].result == "loaded 60"
    assert STEPS == ["extract", "transform", "load", "load", "report"]


def test_restart_from_locations_reads_values_back_without_calling_upstream_tasks(tmp_path):
    STEPS.clear()
    flow, t = three_step_flow(tmp_path)
    first = flow.run(fail=True, context=CHECKPOINTING)
    transform_location = first.result[t["transform"]].location
    extract_location = first.result[t["extract"]].location
    STEPS.clear()

    # As a backend rebuilds states: one from a Result with a location, one from the location
    # alone (read with the task's result type, here the flow's LocalResult).
    bare = Success()
    bare.location = extract_location
    rebuilt = {
        t["extract"]: bare,
        t["transform"]: Success(result=LocalResult(dir=tmp_path, location=transform_location)),
    }
    second = flow.run(fail=False, task_states=rebuilt)

    assert second.result[t["load"]].result == 60
    assert second.result[t["report"]].result == "loaded 60"
    assert rebuilt[t["transform"]].result == [10, 20, 30]
    assert bare.result is None  # never needed: transform did not run again
    assert STEPS == ["load", "report"]


def test_restart_reads_mapped_children_back_for_a_reduce_and_a_map(tmp_path):
    result = LocalResult(dir=tmp_path, location="{task_name}-{map_index}.pkl")
    calls = []

    @task(result=result)
    def double(x):
        calls.append(x)
        return 2 * x

    @task
    def total(values):
        return sum(values)

    @task
    def plus_one(v):
        return v + 1

    with Flow("mapped restart") as flow:
        doubled = double.map([1, 2, 3])
        summed = total(doubled)
        each = plus_one.map(doubled)
    first = flow.run(context=CHECKPOINTING).result[doubled]
    children = [Success(result=LocalResult(dir=tmp_path, location=c.location))
                for c in first.map_states]

    second = flow.run(task_states={doubled: Mapped(map_states=children)})

    assert second.result[summed].result == 12
    assert second.result[each].result == [3, 5, 7]
    assert calls == [1, 2, 3]


def test_restart_maps_over_a_list_read_back_from_its_location(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="rows.pkl"))
    def rows():
        raise AssertionError("read back, not run")

    @task
    def inc(x):
        return x + 1

    LocalResult(dir=tmp_path, location="rows.pkl").write([1, 2])
    with Flow("map restart") as flow:
        r = rows()
        out = inc.map(r)
    stored = Success()
    stored.location = "rows.pkl"

    assert flow.run(task_states={r: stored}).result[out].result == [2, 3]


def test_restart_with_a_location_and_no_result_to_read_it_fails_saying_so():
    @task
    def extract():
        return 1

    @task
    def use(x):
        return x

    with Flow("no reader") as flow:
        e = extract()
        out = use(e)
    stored = Success()
    stored.location = "/nowhere/extract.pkl"
    state = flow.run(task_states={e: stored}).result[out]

    assert isinstance(state, Failed) and "no Result to read it with" in state.message


def test_load_result_reads_a_location_with_the_given_result(tmp_path):
    LocalResult(dir=tmp_path, location="v.pkl").write("value")
    state = Success()
    state.location = "v.pkl"

    assert state.load_result(LocalResult(dir=tmp_path)).result == "value"
    assert isinstance(state._result, LocalResult)


def test_retrying_state_is_not_confused_with_a_stored_value(tmp_path):
    assert Retrying().location is None and Pending().location is None
    assert json.loads(PrefectResult().write([1]).location) == [1]


@task
def nested_batches():
    STEPS.append("batches")
    return [[1, 2], [3]]


@task
def double(x):
    return 2 * x


def test_restart_flattens_a_stored_upstream_value_it_reads_back(tmp_path):
    from caudal import flatten

    STEPS.clear()
    with Flow("restart-flatten", result=LocalResult(dir=tmp_path,
                                                    location="{task_name}.pkl")) as flow:
        batches = nested_batches()
        doubled = double.map(flatten(batches))
    first = flow.run(context=CHECKPOINTING)
    location = first.result[batches].location
    assert location is not None

    # Only the location survives, as when states are rebuilt from what the server recorded.
    stored = Success()
    stored.location = location
    second = flow.run(task_states={batches: stored}, context=CHECKPOINTING)

    assert second.result[doubled].result == [2, 4, 6]
    assert STEPS == ["batches"]  # the upstream task ran in the first run only
