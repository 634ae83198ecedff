"""Run one compat scenario and print its outcome as one JSON document.

Executed by `compat/run.py` under both the reference Prefect 0.15.9 interpreter (Python 3.9)
and caudal's (Python 3.11), so it must stay stdlib-only and valid Python 3.9. Annotations are
strings here (`from __future__ import annotations`), so `X | None` may appear in them but
never in code that runs.

Usage: python driver.py SCENARIO_FILE MARKER
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
import traceback
from typing import Any

MAX_DEPTH = 20


def normalize(value: Any, depth: int = 0) -> Any:
    """Turn a task result into plain JSON data that both libraries can be compared on."""
    if depth > MAX_DEPTH:
        return repr(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, BaseException):
        return {"exception": type(value).__name__, "str": str(value)}
    if isinstance(value, dict):
        return {_normalize_key(k): normalize(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(item, depth + 1) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [normalize(item, depth + 1) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if _is_dataframe(value):
        return {"dataframe": normalize(value.to_dict(orient="records"), depth + 1)}
    if _is_numpy_scalar(value):
        return normalize(value.item(), depth + 1)
    return repr(value)


def _normalize_key(key: Any) -> str:
    return key if isinstance(key, str) else repr(key)


def _is_dataframe(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_dict")


def _is_numpy_scalar(value: Any) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "item")


def describe_state(state: Any) -> dict[str, Any]:
    """Class name, message and normalized result of one state (and its mapped children)."""
    info: dict[str, Any] = {
        "state": type(state).__name__,
        "message": normalize(getattr(state, "message", None)),
        "result": normalize(_safe_result(state)),
    }
    children = getattr(state, "map_states", None)
    if type(state).__name__ == "Mapped" and children is not None:
        info["children"] = [describe_state(child) for child in children]
    return info


def _safe_result(state: Any) -> Any:
    try:
        return state.result
    except Exception as exc:  # a result that cannot be read is itself an outcome
        return {"unreadable_result": type(exc).__name__, "str": str(exc)}


def describe_run(flow: Any, state: Any) -> dict[str, Any]:
    """The flow's final state plus every task's final state, keyed by task slug."""
    task_states = getattr(state, "result", None)
    if not isinstance(task_states, dict):
        task_states = {}
    tasks: dict[str, Any] = {}
    for task in flow.tasks:
        task_state = task_states.get(task)
        key = _unique_key(task_slug(flow, task), tasks)
        tasks[key] = describe_state(task_state) if task_state is not None else {"state": None}
    return {
        "flow": {"state": type(state).__name__, "message": normalize(state.message)},
        "tasks": tasks,
    }


def task_slug(flow: Any, task: Any) -> str:
    """The slug the flow gave the task ("name-1", "name-2", ...), else the task's own slug.

    Prefect 0.15 keeps generated slugs in `flow.slugs` and leaves `task.slug` as None unless
    the user set one, so the flow's mapping is the one to read.
    """
    slugs = getattr(flow, "slugs", None)
    slug = slugs.get(task) if isinstance(slugs, dict) else None
    return str(slug or getattr(task, "slug", None) or getattr(task, "name", "?"))


def _unique_key(key: str, taken: dict[str, Any]) -> str:
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key}#{n}", n + 1
    return candidate


def load_scenario(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("compat_scenario", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load scenario file {path!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat_scenario"] = module
    spec.loader.exec_module(module)
    return module


def run_scenario(path: str) -> dict[str, Any]:
    module = load_scenario(path)
    flow = module.flow
    kwargs = getattr(module, "RUN_KWARGS", {})
    try:
        state = flow.run(**kwargs)
    except Exception as exc:
        return {"raised": type(exc).__name__, "message": str(exc)}
    document = describe_run(flow, state)
    # Places where caudal differs from Prefect on purpose, each with its reason (see README).
    differs = getattr(module, "CAUDAL_DIFFERS", None)
    if differs:
        document["caudal_differs"] = dict(differs)
    return document


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: driver.py SCENARIO_FILE MARKER\n")
        return 2
    path, marker = args
    try:
        document = run_scenario(path)
    except BaseException:
        traceback.print_exc()
        return 3
    sys.stdout.flush()
    sys.stdout.write(f"\n{marker}\n{json.dumps(document, sort_keys=True)}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
