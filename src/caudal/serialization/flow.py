"""A flow's description for the server: its graph, parameters, schedule, storage, run config.

``serialize_flow`` gives JSON-safe data (what the server stores and the UI draws);
``serialized_hash`` is a digest of it plus the code of every task, the same in every process
and on every machine for the same code, so registration can skip an unchanged flow and
version a changed one. Absolute file paths are described but never hashed.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caudal.core.flow import Flow
    from caudal.core.task import Task

__all__ = ["serialize_flow", "serialized_hash"]

FORMAT_VERSION = 1
"""Bumped when the description's shape changes, so old registrations hash differently."""


def _qualname(obj: Any) -> str | None:
    if obj is None:
        return None
    module = getattr(obj, "__module__", None) or type(obj).__module__
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}.{name}"


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _json_safe(value: Any) -> Any:
    """Round-trip through JSON; values JSON cannot hold are described by their repr."""
    return json.loads(json.dumps(value, default=repr, sort_keys=True))


def _code_of(task: Task) -> tuple[str, dict[str, Any]]:
    """The task's code (source text when available) and where it lives."""
    fn = getattr(task, "__wrapped__", None) or type(task).run
    target = fn if getattr(task, "__wrapped__", None) is not None else type(task)
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        code = getattr(getattr(fn, "__code__", None), "co_code", b"")
        source = code.hex() if code else repr(target)
    try:
        path = inspect.getsourcefile(target)
        _, line = inspect.getsourcelines(target)
    except (OSError, TypeError):
        path, line = None, None
    return source, {"file": path, "line": line}


def _describe_serializable(obj: Any) -> Any:
    if obj is None:
        return None
    serialize = getattr(obj, "serialize", None)
    if callable(serialize):
        return _json_safe(serialize())
    return {"type": _qualname(type(obj)), "repr": repr(obj)}


def serialize_flow(flow: Flow) -> dict[str, Any]:
    """The JSON-safe description of ``flow``.

    Example:
        >>> from caudal import Flow, Parameter, task
        >>> @task
        ... def double(x):
        ...     return 2 * x
        >>> with Flow("double") as flow:
        ...     double(Parameter("x", default=2))
        <Task: double>
        >>> data = serialize_flow(flow)
        >>> [t["slug"] for t in data["tasks"]], data["parameters"]
        (['x', 'double-1'], [{'name': 'x', 'default': 2, 'required': False}])
    """
    from caudal.core.parameter import Parameter  # the description reads core objects

    tasks = flow.sorted_tasks()
    mapped_tasks = {e.downstream_task for e in flow.edges if e.mapped}
    described = []
    for task in tasks:
        _, where = _code_of(task)
        described.append({
            "name": task.name,
            "slug": flow.slugs[task],
            "type": _qualname(type(task)),
            "tags": sorted(task.tags),
            "max_retries": task.max_retries,
            "retry_delay_s": _seconds(task.retry_delay),
            "timeout_s": _seconds(task.timeout),
            "trigger": _qualname(task.trigger),
            "skip_on_upstream_skip": task.skip_on_upstream_skip,
            "mapped": task in mapped_tasks,
            "checkpoint": task.checkpoint,
            "cache_for_s": _seconds(task.cache_for),
            "cache_key": task.cache_key,
            "source": where,
        })
    edges = sorted(
        ({"upstream": flow.slugs[e.upstream_task], "downstream": flow.slugs[e.downstream_task],
          "key": e.key, "mapped": e.mapped, "flattened": e.flattened} for e in flow.edges),
        key=lambda e: (e["upstream"], e["downstream"], e["key"] or ""),
    )
    parameters = sorted(
        ({"name": p.name, "default": _json_safe(p.default), "required": p.required}
         for p in flow.tasks if isinstance(p, Parameter)),
        key=lambda p: p["name"],
    )
    return {
        "format_version": FORMAT_VERSION,
        "name": flow.name,
        "type": _qualname(type(flow)),
        "tasks": described,
        "edges": edges,
        "constants": {flow.slugs[t]: _json_safe(c) for t, c in flow.constants.items()
                      if c and t in flow.slugs},
        "parameters": parameters,
        "reference_tasks": sorted(flow.slugs[t] for t in flow.reference_tasks()),
        "schedule": _describe_serializable(flow.schedule),
        "storage": _describe_serializable(flow.storage),
        "run_config": _describe_serializable(flow.run_config),
        "executor": _qualname(type(flow.executor)) if flow.executor is not None else None,
    }


HASHED_STORAGE_KEYS = frozenset({
    "type", "bucket", "container", "blob_name", "module", "repo", "repo_host", "workspace",
    "project", "host", "base_url", "ref", "branch_name", "tag", "commit", "flow_path",
    "flow_name", "git_clone_url_secret_name", "build_request_kwargs",
    "build_request_http_method", "get_flow_request_kwargs", "get_flow_request_http_method"})
"""The storage settings that say where a run gets the flow's code: changing one (a Git branch,
a Webhook URL) with the same code makes a new version."""


def serialized_hash(flow: Flow) -> str:
    """A digest of the flow's description and task code, stable across processes and machines.

    It changes when the graph, a parameter, the schedule, the run config or the code of any
    task changes; it does not depend on where the files are.
    """
    data = serialize_flow(flow)
    for task in data["tasks"]:
        task.pop("source", None)  # paths differ between machines; the code itself is hashed
    storage = data.get("storage")
    if isinstance(storage, dict):
        # Where the code comes from is part of what was registered (the kind of storage, its
        # bucket, repository, branch, URL...); where a build put the flow, local folders and
        # the source text (hashed per task above) are not.
        keys = HASHED_STORAGE_KEYS if storage.get("type") == "Local" \
            else HASHED_STORAGE_KEYS | {"path"}
        data["storage"] = {k: v for k, v in storage.items() if k in keys}
    codes = sorted(_code_of(t)[0] for t in flow.tasks)
    digest = hashlib.sha256()
    digest.update(json.dumps(data, sort_keys=True, default=repr).encode())
    for code in codes:
        digest.update(b"\0" + code.encode())
    return digest.hexdigest()
