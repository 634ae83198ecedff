"""DaskExecutor: task runs on a dask.distributed cluster (the ``caudal[dask]`` extra).

Tasks of one flow run scale out across machines this way: an existing scheduler by
``address``, or a cluster the executor creates for the run from ``cluster_class``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from caudal.executors.base import Executor
from caudal.executors.local_dask import LocalDaskExecutor
from caudal.executors.pickling import dumps_by_value, dumps_states, loads

__all__ = ["DaskExecutor", "LocalDaskExecutor"]


class DaskExecutor(Executor):
    """Runs task runs on a dask.distributed cluster.

    Args:
        address: the scheduler of a running cluster (``"tcp://10.0.0.5:8786"``). When given,
            the cluster arguments must be left out.
        cluster_class: the cluster to create for the run when there is no ``address``: a class
            or its import path (default ``distributed.LocalCluster``).
        cluster_kwargs: keyword arguments for ``cluster_class``.
        adapt_kwargs: when given, ``cluster.adapt(**adapt_kwargs)`` (e.g. minimum, maximum).
        client_kwargs: keyword arguments for ``distributed.Client``.
        debug: keep dask's own logs at their normal level (they are quieted otherwise).

    Raises:
        ValueError: ``address`` given together with cluster arguments.
        ImportError: dask.distributed is not installed (``pip install 'caudal[dask]'``).

    Example:
        >>> DaskExecutor(address="tcp://127.0.0.1:8786")
        <Executor: DaskExecutor (tcp://127.0.0.1:8786)>
    """

    shares_memory = False

    def __init__(
        self,
        address: str | None = None,
        cluster_class: str | Callable[..., Any] | None = None,
        cluster_kwargs: dict[str, Any] | None = None,
        adapt_kwargs: dict[str, Any] | None = None,
        client_kwargs: dict[str, Any] | None = None,
        debug: bool = False,
        **kwargs: Any,
    ) -> None:
        if address is not None and (cluster_class is not None or cluster_kwargs or adapt_kwargs):
            raise ValueError(
                "DaskExecutor takes either an address (a running cluster) or cluster_class / "
                "cluster_kwargs / adapt_kwargs (a cluster to create), not both."
            )
        self.address = address
        self.cluster_class = cluster_class
        self.cluster_kwargs = dict(cluster_kwargs or {})
        self.adapt_kwargs = dict(adapt_kwargs or {})
        self.client_kwargs = dict(client_kwargs or {})
        self.debug = debug
        self.kwargs = kwargs
        self.client: Any = None
        self._in_process = False  # the cluster's workers are threads of this process

    def __repr__(self) -> str:
        where = self.address or _class_name(self.cluster_class) or "LocalCluster"
        return f"<Executor: DaskExecutor ({where})>"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["client"] = None  # a connection belongs to one flow run, never to a copy
        state["_in_process"] = False
        return state

    @contextmanager
    def start(self) -> Iterator[None]:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ImportError(
                "DaskExecutor needs dask.distributed; install it with "
                "`pip install 'caudal[dask]'`."
            ) from exc
        client_kwargs = {"set_as_default": False, **self.client_kwargs}
        if self.address is not None:
            with Client(self.address, **client_kwargs) as client:
                self.client = client
                try:
                    yield
                finally:
                    self.client = None
            return
        cluster_cls = _load_class(self.cluster_class)
        cluster_kwargs = dict(self.cluster_kwargs)
        if cluster_cls.__name__ == "LocalCluster" and not self.debug:
            cluster_kwargs.setdefault("silence_logs", 40)
        with cluster_cls(**cluster_kwargs) as cluster:
            if self.adapt_kwargs:
                cluster.adapt(**self.adapt_kwargs)
            with Client(cluster, **client_kwargs) as client:
                self.client = client
                self._in_process = getattr(cluster, "processes", True) is False
                try:
                    yield
                finally:
                    self.client = None
                    self._in_process = False

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.client is None:
            raise RuntimeError("DaskExecutor.submit called outside of executor.start().")
        # The work goes pickled by caudal (dask pickles what it submits, even to workers in
        # this process), so that an error in an upstream state keeps its type and message;
        # the state comes back so too from a worker in another process (dumps_states: a
        # value that does not pickle fails its task alone). pure=False: two runs of the same
        # task with the same inputs are two different runs.
        remote = self.client.submit(_call_portable, dumps_by_value((fn, args, kwargs)),
                                    not self._in_process, pure=False)
        outcome: Future[Any] = Future()

        def unpack(done: Any) -> None:
            try:
                value = done.result()
                outcome.set_result(loads(value) if isinstance(value, bytes) else value)
            except BaseException as exc:  # the worker died, or the state did not unpickle
                outcome.set_exception(exc)

        remote.add_done_callback(unpack)
        return outcome


def _call_portable(payload: bytes, pickled: bool) -> Any:
    """Runs on a dask worker: the task run's state (or a batch's), pickled to travel back
    from another process (``pickled``), as it is to this one."""
    fn, args, kwargs = loads(payload)
    outcome = fn(*args, **kwargs)
    return dumps_states(outcome) if pickled else outcome


def _class_name(cls: str | Callable[..., Any] | None) -> str | None:
    if cls is None or isinstance(cls, str):
        return cls
    return getattr(cls, "__name__", repr(cls))


def _load_class(cls: str | Callable[..., Any] | None) -> Callable[..., Any]:
    if cls is None:
        from distributed import LocalCluster

        return LocalCluster
    if isinstance(cls, str):
        module, _, name = cls.rpartition(".")
        if not module:
            raise ValueError(f"cluster_class '{cls}' must be an import path like 'pkg.Class'.")
        return getattr(importlib.import_module(module), name)
    return cls
