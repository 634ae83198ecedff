"""LocalDaskExecutor: parallel task runs on this machine, in a pool of threads or processes.

Prefect 0.15's LocalDaskExecutor ran dask's local schedulers. caudal keeps the name and the
arguments and runs the same work on a bounded pool (``ThreadPool``, or ``concurrent.futures``'
process pool): no dask needed, one thread or process per worker, and no extra scheduling
layer on the task's path. A run interrupted by Ctrl-C stops at once: the tasks running in
threads are interrupted, not waited for, and ``flow.run()`` raises KeyboardInterrupt.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor as _PoolExecutor
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from caudal.executors.base import Executor
from caudal.executors.pickling import dumps_by_value, dumps_states, loads
from caudal.executors.thread_pool import ThreadPool
from caudal.utilities.logging import get_logger

__all__ = ["LocalDaskExecutor"]

SCHEDULERS = ("threads", "processes", "synchronous")
BATCHES_PER_WORKER = 4
"""Mapped children are handed to the pool in about this many batches per worker."""
_ALIASES = {"threading": "threads", "multiprocessing": "processes", "sync": "synchronous",
            "single-threaded": "synchronous"}

_logger = get_logger("LocalDaskExecutor")


class LocalDaskExecutor(Executor):
    """Runs independent tasks and mapped children in parallel on this machine.

    Args:
        scheduler: ``"threads"`` (the default; good for I/O: APIs, databases, files),
            ``"processes"`` (CPU-bound Python; tasks and their inputs must pickle with
            cloudpickle) or ``"synchronous"`` (one at a time, for debugging).
        num_workers: how many tasks run at once (default: the number of CPUs).
        **kwargs: accepted for compatibility with Prefect's dask-based version, and ignored.

    Raises:
        ValueError: an unknown scheduler, or a ``num_workers`` below 1.

    Example:
        >>> import time
        >>> from caudal import Flow, task
        >>> @task
        ... def nap(x):
        ...     time.sleep(0.2)
        ...     return x
        >>> with Flow("naps", executor=LocalDaskExecutor(num_workers=4)) as flow:
        ...     out = nap.map([1, 2, 3, 4])
        >>> start = time.monotonic()
        >>> flow.run().result[out].result, time.monotonic() - start < 0.6
        ([1, 2, 3, 4], True)
    """

    def __init__(self, scheduler: str = "threads", num_workers: int | None = None,
                 **kwargs: Any) -> None:
        scheduler = _ALIASES.get(scheduler, scheduler)
        if scheduler not in SCHEDULERS:
            raise ValueError(
                f"LocalDaskExecutor got scheduler={scheduler!r}; choose one of "
                + ", ".join(f"'{s}'" for s in SCHEDULERS) + "."
            )
        if num_workers is not None and num_workers < 1:
            raise ValueError(f"LocalDaskExecutor needs num_workers >= 1, not {num_workers}.")
        self.scheduler = scheduler
        self.num_workers = num_workers
        self.kwargs = kwargs
        self._pool: ThreadPool | _PoolExecutor | None = None

    @property
    def inline(self) -> bool:  # type: ignore[override]
        return self.scheduler == "synchronous"

    @property
    def shares_memory(self) -> bool:  # type: ignore[override]
        return self.scheduler != "processes"

    def __repr__(self) -> str:
        return f"<Executor: LocalDaskExecutor ({self.scheduler}, {self.num_workers or 'auto'})>"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_pool"] = None  # a running pool belongs to one flow run, never to a copy
        return state

    @contextmanager
    def start(self) -> Iterator[None]:
        workers = self._workers()
        if self.scheduler == "threads":
            self._pool = ThreadPool(workers, name_prefix="caudal-task")
        elif self.scheduler == "processes":
            # fork keeps the flow script from being re-imported in each worker (spawn would
            # run an unguarded `flow.run()` at the top of a script again).
            method = "fork" if sys.platform != "win32" else "spawn"
            self._pool = ProcessPoolExecutor(max_workers=workers,
                                             mp_context=multiprocessing.get_context(method))
        try:
            yield
        except BaseException as exc:
            if isinstance(self._pool, ThreadPool) and not isinstance(exc, Exception):
                # Ctrl-C (or an exit): the running tasks are interrupted, as Prefect's are,
                # and not waited for; flow.run() raises at once.
                pool, self._pool = self._pool, None
                running = pool.interrupt()
                _logger.info("Interrupted: %d running task(s) stopped, the others cancelled.",
                             running)
            self._close()
            raise
        self._close()

    def _close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def children_per_submit(self, n_children: int) -> int:
        # About four batches per worker: hand-offs drop by the batch size, while a slow child
        # holds back at most its own batch.
        return max(1, n_children // (self._workers() * BATCHES_PER_WORKER))

    def _workers(self) -> int:
        return self.num_workers or os.cpu_count() or 1

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.scheduler == "synchronous":
            return fn(*args, **kwargs)
        if self._pool is None:
            raise RuntimeError("LocalDaskExecutor.submit called outside of executor.start().")
        if self.scheduler == "processes":
            return _submit_pickled(self._pool, fn, args, kwargs)
        return self._pool.submit(fn, *args, **kwargs)


def _submit_pickled(pool: _PoolExecutor, fn: Callable[..., Any], args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Future[Any]:
    """Submit to a process pool with cloudpickle (lambdas, __main__ code, closures); the
    state comes back as ``dumps_states`` sends it."""
    outcome: Future[Any] = Future()

    def unpack(done: Future[bytes]) -> None:
        try:
            outcome.set_result(loads(done.result()))
        except BaseException as exc:  # the worker died, or the result did not unpickle
            outcome.set_exception(exc)

    pool.submit(_call_pickled, dumps_by_value((fn, args, kwargs))).add_done_callback(unpack)
    return outcome


def _call_pickled(payload: bytes) -> bytes:
    """Runs in a worker process: the task run's state (or a batch's), made to travel back."""
    fn, args, kwargs = loads(payload)
    return dumps_states(fn(*args, **kwargs))
