"""Task: the decorator, subclasses, options, binding in a flow, operators, copies, pickling."""

from __future__ import annotations

import typing
from datetime import timedelta

import cloudpickle
import pytest

from caudal import Flow, Parameter, Task, task, triggers
from caudal.tasks.core import collections, operators
from caudal.tasks.core.function import FunctionTask

# Helper tasks live at module level so that cloudpickle can pickle them by reference.


@task
def inc(x):
    return x + 1


@task
def add(x, y):
    return x + y


@task
def ident(x):
    return x


@task
def show(x=None):
    return x


@task(nout=2)
def pair():
    return 1, 2


@task
def annotated_pair() -> typing.Tuple[int, str]:  # noqa: UP006 - the 0.15-era spelling
    return 3, "three"


@task
def builtin_annotated_pair() -> tuple[int, int]:
    return 4, 5


class Double(Task):
    def run(self, x):
        return 2 * x


class Greeter(Task):
    def __init__(self, greeting: str = "hi", **kwargs: typing.Any) -> None:
        self.greeting = greeting
        super().__init__(**kwargs)

    def run(self, who):
        return f"{self.greeting} {who}"


ORDER: list[str] = []


@task
def step(name, wait=None):
    ORDER.append(name)
    return name


ATTEMPTS = {"unreliable": 0}


@task
def unreliable():
    ATTEMPTS["unreliable"] += 1
    if ATTEMPTS["unreliable"] == 1:
        raise OSError("temporary failure")
    return f"ok after {ATTEMPTS['unreliable']} calls"


def results(state, *tasks):
    return [state.result[t].result for t in tasks]


# ------------------------------------------------------------------ defining tasks


def test_task_decorator_without_arguments_makes_function_task_named_after_function():
    assert isinstance(inc, FunctionTask)
    assert inc.name == "inc"
    assert inc.run(1) == 2


def test_task_decorator_with_arguments_sets_options():
    @task(name="loader", tags=["db"], max_retries=2, retry_delay=timedelta(seconds=1))
    def load(rows):
        return len(rows)

    assert isinstance(load, FunctionTask)
    assert load.name == "loader"
    assert load.tags == {"db"}
    assert load.max_retries == 2
    assert load.retry_delay == timedelta(seconds=1)
    assert load.run([1, 2]) == 2


def test_task_subclass_with_run_runs_in_flow():
    with Flow("double") as flow:
        doubled = Double(name="double")(21)

    state = flow.run()

    assert state.is_successful()
    assert state.result[doubled].result == 42


def test_task_subclass_with_own_init_keeps_attributes_and_task_options():
    greeter = Greeter(greeting="ola", name="greet", max_retries=1, retry_delay=timedelta(0))
    with Flow("greet") as flow:
        greeting = greeter("ana")

    state = flow.run()

    assert state.result[greeting].result == "ola ana"
    assert greeting is not greeter
    assert (greeting.name, greeting.max_retries) == ("greet", 1)


def test_task_subclass_name_defaults_to_class_name():
    assert Double().name == "Double"


def test_every_task_keyword_is_stored():
    def handler(task, old_state, new_state):
        return new_state

    def on_failure(task, state):
        pass

    def validator(*args):
        return True

    result = object()
    t = Task(
        name="load",
        slug="load-x",
        tags=["db"],
        max_retries=2,
        retry_delay=timedelta(seconds=1),
        timeout=1,
        trigger=triggers.all_finished,
        skip_on_upstream_skip=False,
        cache_for=timedelta(hours=1),
        cache_validator=validator,
        cache_key="rows",
        checkpoint=True,
        result=result,
        target="rows.json",
        state_handlers=[handler],
        on_failure=on_failure,
        log_stdout=True,
        nout=2,
        task_run_name="load-{x}",
    )

    assert t.name == "load"
    assert t.slug == "load-x"
    assert t.tags == {"db"}
    assert t.max_retries == 2
    assert t.retry_delay == timedelta(seconds=1)
    assert t.timeout == 1
    assert t.trigger is triggers.all_finished
    assert t.skip_on_upstream_skip is False
    assert t.cache_for == timedelta(hours=1)
    assert t.cache_validator is validator
    assert t.cache_key == "rows"
    assert t.checkpoint is True
    assert t.result is result
    assert t.target == "rows.json"
    assert t.log_stdout is True
    assert t.nout == 2
    assert t.task_run_name == "load-{x}"
    assert t.on_failure is on_failure
    # on_failure becomes one more state handler, after the ones given.
    assert len(t.state_handlers) == 2
    assert t.state_handlers[0] is handler


def test_task_defaults_match_prefect():
    t = Task()

    assert t.max_retries == 0
    assert t.retry_delay is None
    assert t.timeout is None
    assert t.trigger is triggers.all_successful
    assert t.skip_on_upstream_skip is True
    assert t.tags == set()
    assert t.nout is None
    assert t.log_stdout is False


def test_timeout_given_as_timedelta_is_stored_as_seconds():
    assert Task(timeout=timedelta(seconds=2)).timeout == 2


def test_max_retries_without_retry_delay_raises_value_error():
    with pytest.raises(ValueError, match="retry_delay"):
        Task(max_retries=1)


def test_retry_delay_without_max_retries_raises_value_error():
    with pytest.raises(ValueError, match="max_retries"):
        Task(retry_delay=timedelta(seconds=1))


def test_tags_given_as_string_raise_type_error():
    with pytest.raises(TypeError, match="Tags should be a set of tags, not a string."):
        Task(tags="nightly")


def test_varargs_in_run_signature_raises_value_error():
    with pytest.raises(ValueError, match=r"\*args"):

        @task
        def gather(*values):
            return values


def uses_upstream_tasks(upstream_tasks):
    return upstream_tasks


def uses_mapped(mapped):
    return mapped


def uses_task_args(task_args):
    return task_args


def uses_flow(flow):
    return flow


@pytest.mark.parametrize(
    ("fn", "reserved"),
    [
        (uses_upstream_tasks, "upstream_tasks"),
        (uses_mapped, "mapped"),
        (uses_task_args, "task_args"),
        (uses_flow, "flow"),
    ],
    ids=["upstream_tasks", "mapped", "task_args", "flow"],
)
def test_reserved_argument_name_in_function_raises_value_error(fn, reserved):
    with pytest.raises(ValueError, match=f"cannot have the following argument names: {reserved}"):
        task(fn)


def test_reserved_argument_names_in_task_subclass_raise_at_class_definition():
    with pytest.raises(ValueError, match="mapped, flow. These are reserved keyword arguments."):

        class Bad(Task):
            def run(self, mapped, flow):
                return 1


def test_calling_function_task_outside_flow_raises_value_error_with_hint():
    with pytest.raises(ValueError) as excinfo:
        inc(1)

    message = str(excinfo.value)
    assert "Could not infer an active Flow context" in message
    assert "call `inc.run(...)`" in message


def test_calling_task_subclass_outside_flow_hints_at_instance_run():
    with pytest.raises(ValueError, match=r"call `Double\(\.\.\.\)\.run\(\.\.\.\)`"):
        Double()(1)


def test_task_repr_names_the_task():
    assert repr(inc) == "<Task: inc>"


# ------------------------------------------------------------------ binding in a flow


def test_calling_task_in_flow_adds_a_copy_and_leaves_the_original_out():
    with Flow("copying") as flow:
        first = inc(1)
        second = inc(2)

    assert first is not inc and second is not inc and first is not second
    assert flow.tasks == {first, second}


def test_constant_arguments_are_stored_in_flow_constants_not_as_tasks():
    with Flow("constants") as flow:
        out = add(1, y=2)

    assert flow.constants[out] == {"x": 1, "y": 2}
    assert flow.tasks == {out}
    assert flow.run().result[out].result == 3


def test_task_argument_becomes_keyed_edge():
    with Flow("edges") as flow:
        first = inc(1)
        second = inc(first)

    (edge,) = flow.edges
    assert (edge.upstream_task, edge.downstream_task, edge.key) == (first, second, "x")
    assert flow.run().result[second].result == 3


def test_list_holding_a_task_becomes_list_task_with_constants_for_plain_items():
    with Flow("list") as flow:
        first = inc(1)
        out = ident([first, 2, 3])

    (edge,) = flow.edges_to(out)
    collector = edge.upstream_task
    assert isinstance(collector, collections.List)
    assert edge.key == "x"
    assert flow.constants[collector] == {"arg_2": 2, "arg_3": 3}
    assert flow.run().result[out].result == [2, 2, 3]


def test_tuple_holding_a_task_becomes_tuple_task():
    with Flow("tuple") as flow:
        first = inc(1)
        out = ident((first, 4))

    (edge,) = flow.edges_to(out)
    assert isinstance(edge.upstream_task, collections.Tuple)
    assert flow.run().result[out].result == (2, 4)


def test_dict_holding_a_task_becomes_dict_task():
    with Flow("dict") as flow:
        first = inc(1)
        out = ident({"k": first, "z": 1})

    (edge,) = flow.edges_to(out)
    assert isinstance(edge.upstream_task, collections.Dict)
    assert flow.constants[edge.upstream_task] == {"keys": ["k", "z"]}
    assert flow.run().result[out].result == {"k": 2, "z": 1}


def test_list_without_tasks_stays_a_constant():
    with Flow("plain list") as flow:
        out = ident([1, 2])

    assert flow.tasks == {out}
    assert flow.constants[out] == {"x": [1, 2]}


def test_upstream_tasks_add_ordering_edges_without_keys():
    with Flow("upstream") as flow:
        first = step("first")
        second = step("second", upstream_tasks=[first])

    (edge,) = flow.edges_to(second)
    assert (edge.upstream_task, edge.key) == (first, None)


def test_wait_argument_used_only_for_ordering_runs_tasks_in_order():
    ORDER.clear()
    with Flow("wait") as flow:
        third = step("third")
        first = step("first")
        second = step("second", wait=first)
        third.set_upstream(second)

    state = flow.run()

    assert state.is_successful()
    assert ORDER == ["first", "second", "third"]
    assert {(e.upstream_task, e.key) for e in flow.edges_to(second)} == {(first, "wait")}


def test_set_upstream_without_key_adds_ordering_edge():
    with Flow("set upstream") as flow:
        first = inc(1)
        second = show()
        second.set_upstream(first)

    (edge,) = flow.edges_to(second)
    assert (edge.upstream_task, edge.key) == (first, None)
    assert flow.run().result[second].result is None


def test_set_upstream_with_key_passes_the_result():
    with Flow("set upstream key") as flow:
        first = inc(1)
        second = show()
        second.set_upstream(first, key="x")

    assert flow.run().result[second].result == 2


def test_set_downstream_with_and_without_key():
    with Flow("set downstream") as flow:
        first = inc(1)
        keyed = show()
        unkeyed = show()
        first.set_downstream(keyed, key="x")
        first.set_downstream(unkeyed)

    assert {(e.downstream_task, e.key) for e in flow.edges_from(first)} == {
        (keyed, "x"),
        (unkeyed, None),
    }
    assert results(flow.run(), keyed, unkeyed) == [2, None]


def test_inline_lambda_task_with_name_runs():
    with Flow("inline") as flow:
        x = Parameter("x", default=1)
        out = task(lambda x: x + 1, name="inc")(x)

    assert out.name == "inc"
    assert flow.run().result[out].result == 2


# ------------------------------------------------------------------ multiple outputs


def test_nout_allows_unpacking_into_getitem_tasks():
    with Flow("unpack") as flow:
        first, second = pair()
        total = add(first, second)

    assert (first.name, second.name) == ("pair[0]", "pair[1]")
    assert isinstance(first, operators.GetItem)
    assert results(flow.run(), first, second, total) == [1, 2, 3]


def test_tuple_return_annotation_sets_nout():
    assert annotated_pair.nout == 2
    assert builtin_annotated_pair.nout == 2

    with Flow("annotated") as flow:
        number, word = annotated_pair()

    assert results(flow.run(), number, word) == [3, "three"]


def test_iterating_task_without_nout_raises_type_error():
    with pytest.raises(TypeError, match="not iterable"):
        iter(inc)


# ------------------------------------------------------------------ operators


def test_operators_build_operator_tasks_with_right_results():
    with Flow("operators") as flow:
        five = ident(5)
        seven = ident(7)
        pair_list = ident([10, 20])
        built = {
            "getitem": pair_list[0],
            "add": five + 1,
            "radd": 1 + five,
            "sub": five - 1,
            "rsub": 10 - five,
            "mul": five * 2,
            "div": five / 2,
            "floordiv": five // 2,
            "mod": five % 2,
            "pow": five**2,
            "gt": five > 3,
            "ge": five >= seven,
            "lt": five < 3,
            "le": five <= 5,
            "is_equal": five.is_equal(5),
            "is_not_equal": five.is_not_equal(5),
            "not_": five.not_(),
            "and": five & seven,
            "or_": five.or_(0),
        }

    state = flow.run()

    assert {k: state.result[t].result for k, t in built.items()} == {
        "getitem": 10,
        "add": 6,
        "radd": 6,
        "sub": 4,
        "rsub": 5,
        "mul": 10,
        "div": 2.5,
        "floordiv": 2,
        "mod": 1,
        "pow": 25,
        "gt": True,
        "ge": False,
        "lt": False,
        "le": True,
        "is_equal": True,
        "is_not_equal": False,
        "not_": False,
        "and": 7,
        "or_": 5,
    }
    kinds = {k: type(t).__name__ for k, t in built.items()}
    assert kinds["getitem"] == "GetItem"
    assert kinds["radd"] == "Add"
    assert kinds["ge"] == "GreaterThanOrEqual"
    assert kinds["is_not_equal"] == "NotEqual"
    assert kinds["not_"] == "Not"
    assert kinds["and"] == "And"
    assert built["getitem"].name == "ident[0]"


def test_double_equals_compares_tasks_by_identity_and_adds_no_task():
    with Flow("identity") as flow:
        a = ident(1)
        b = ident(1)
        before = len(flow.tasks)

        assert (a == b) is False
        assert (a == a) is True
        assert len(flow.tasks) == before


# ------------------------------------------------------------------ copies and late changes


def test_copy_with_overrides_is_independent_of_the_original():
    original = task(name="fetch", tags=["db"])(lambda: 1)

    copied = original.copy(name="fetch_again", max_retries=1, retry_delay=timedelta(0))
    copied.tags.add("extra")

    assert copied is not original
    assert (copied.name, copied.tags, copied.max_retries) == ("fetch_again", {"db", "extra"}, 1)
    assert (original.name, original.tags, original.max_retries) == ("fetch", {"db"}, 0)
    assert original.retry_delay is None


def test_copy_with_tags_adds_them_to_the_original_tags():
    original = task(name="fetch", tags=["db"])(lambda: 1)

    assert original.copy(tags=["api"]).tags == {"db", "api"}


def test_copy_without_overrides_has_own_tags():
    copied = inc.copy()
    copied.tags.add("x")

    assert inc.tags == set()
    assert copied.name == "inc"


def test_max_retries_changed_after_call_in_flow_takes_effect_at_run_time():
    ATTEMPTS["unreliable"] = 0
    with Flow("late retries") as flow:
        result = unreliable()
        result.max_retries = 2
        result.retry_delay = timedelta(seconds=0.1)

    state = flow.run()

    assert state.is_successful()
    assert state.result[result].result == "ok after 2 calls"


# ------------------------------------------------------------------ pickling


def test_task_survives_cloudpickle_round_trip():
    restored = cloudpickle.loads(cloudpickle.dumps(inc))

    assert restored.name == "inc"
    assert restored.run(4) == 5


def test_task_subclass_survives_cloudpickle_round_trip():
    restored = cloudpickle.loads(cloudpickle.dumps(Greeter(greeting="ola", name="g")))

    assert (restored.name, restored.run("ana")) == ("g", "ola ana")


def test_unpickled_flow_runs_with_same_results():
    with Flow("pickled") as flow:
        x = Parameter("x", default=1)
        first = inc(x)
        second = add(first, y=10)
        task(lambda v: v * 2, name="double")(second)

    restored = cloudpickle.loads(cloudpickle.dumps(flow))
    state = restored.run(x=2)

    assert restored.name == "pickled"
    by_name = {t.name: state.result[t].result for t in restored.tasks}
    assert by_name == {"x": 2, "inc": 3, "add": 13, "double": 26}


# ------------------------------------------------------------------ copies of tasks with slugs


def test_copy_of_task_with_slug_gets_the_slug_with_copy_suffix():
    original = Task(name="load", slug="load-users")

    assert original.copy().slug == "load-users-copy"
    assert original.copy(name="load_again").slug == "load-users-copy"
    assert original.copy().copy().slug == "load-users-copy-copy"
    assert original.copy(slug="load-orders").slug == "load-orders"
    assert Task(name="no slug").copy().slug is None


def test_task_with_slug_and_its_copy_run_in_one_flow():
    first = FunctionTask(lambda: "users", name="extract", slug="extract")
    second = first.copy()
    flow = Flow("two extracts", tasks=[first, second])

    state = flow.run()

    assert sorted(flow.slugs.values()) == ["extract", "extract-copy"]
    assert [state.result[t].result for t in (first, second)] == ["users", "users"]


def test_calling_task_with_slug_twice_in_one_flow_raises_as_in_prefect():
    # Each call copies the task, and both copies get the slug "<slug>-copy".
    fixed = FunctionTask(lambda: 1, name="fixed", slug="fixed")

    with pytest.raises(ValueError, match='slug "fixed-copy" already exists'):
        with Flow("twice"):
            fixed()
            fixed()


# ------------------------------------------------------------------ outputs from annotations


@task
def nothing() -> typing.Tuple[()]:  # noqa: UP006  Prefect-era spelling
    return ()


@task
def builtin_nothing() -> tuple[()]:
    return ()


@task
def any_tuple() -> tuple:
    return (1,)


@task
def bare_tuple() -> typing.Tuple:  # noqa: UP006
    return (1,)


@task
def variadic_tuple() -> tuple[int, ...]:
    return (1, 2)


def test_empty_tuple_annotation_sets_nout_to_zero():
    with Flow("nothing") as flow:
        outputs = list(nothing())

    assert (nothing.nout, builtin_nothing.nout) == (0, 0)
    assert outputs == []
    assert flow.run().is_successful()


def test_tuple_annotation_without_item_types_leaves_nout_unset():
    assert [t.nout for t in (any_tuple, bare_tuple, variadic_tuple)] == [None, None, None]
    with pytest.raises(TypeError, match="not iterable"):
        iter(any_tuple)


# ------------------------------------------------------------------ signatures


class Resize(Task):
    def __init__(self, factor=2, **kwargs):
        self.factor = factor
        super().__init__(**kwargs)

    def run(self, image, width: int = 100, **options) -> str:
        return f"{image} at {width * self.factor}"


CALL_KEYWORDS = ("mapped: bool = False, task_args: dict = None, "
                 "upstream_tasks: Iterable[Any] = None, flow: 'Flow' = None")


def test_signature_of_task_shows_run_parameters_then_call_keywords():
    import inspect

    # This module's annotations are strings (``from __future__ import annotations``).
    assert str(inspect.signature(Resize())) == (
        f"(image, width: 'int' = 100, *, {CALL_KEYWORDS}, **options) -> 'Task'")
    assert str(inspect.signature(Task())) == f"(*, {CALL_KEYWORDS}) -> 'Task'"


def test_signature_of_task_binds_the_way_calling_it_does():
    import inspect

    bound = inspect.signature(Resize()).bind("cat.png", width=20, mapped=True, quality=9)

    assert bound.arguments == {"image": "cat.png", "width": 20, "mapped": True,
                               "options": {"quality": 9}}


def test_signature_of_task_follows_run_set_on_the_instance():
    import inspect

    resize = Resize()
    resize.run = lambda path, scale=1: path

    assert str(inspect.signature(resize)) == f"(path, scale=1, *, {CALL_KEYWORDS}) -> 'Task'"


def test_signature_of_task_class_is_its_init():
    import inspect

    class Plain(Task):
        def run(self, x):
            return x

    assert str(inspect.signature(Resize)) == "(factor=2, **kwargs)"
    assert list(inspect.signature(Plain).parameters)[:3] == ["name", "slug", "tags"]


def test_signature_of_decorated_function_task_shows_call_keywords():
    import inspect

    assert str(inspect.signature(add)) == f"(x, y, *, {CALL_KEYWORDS}) -> 'Task'"
