"""ThreadPool: the threads of ``LocalDaskExecutor("threads")``, which a Ctrl-C need not wait for.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, so
an interrupted flow run would wait for every running task to end. These threads are daemons:
``interrupt`` cancels the work not started, raises KeyboardInterrupt in the threads running
tasks (at their next Python instruction, as Prefect 0.15's executor did) and returns at
once; a process that then exits does not wait for them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

__all__ = ["ThreadPool"]

_Work = tuple[Future, Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class ThreadPool:
    """Up to ``max_workers`` daemon threads, started as work arrives.

    Example:
        >>> pool = ThreadPool(2)
        >>> pool.submit(sum, [1, 2]).result()
        3
        >>> pool.shutdown()
    """

    def __init__(self, max_workers: int, name_prefix: str = "caudal-task") -> None:
        if max_workers < 1:
            raise ValueError(f"ThreadPool needs max_workers >= 1, not {max_workers}.")
        self.max_workers = max_workers
        self.name_prefix = name_prefix
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._busy: set[int] = set()
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` on a thread of the pool; returns its future."""
        if self._closed:
            raise RuntimeError("ThreadPool.submit called after shutdown or interrupt.")
        future: Future = Future()
        self._queue.put((future, fn, args, kwargs))
        # An idle thread takes it; else a new thread, while there is room for one.
        if not self._idle.acquire(blocking=False) and len(self._threads) < self.max_workers:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name=f"{self.name_prefix}_{len(self._threads)}")
            self._threads.append(thread)
            thread.start()
        return future

    def _work(self) -> None:
        me = threading.get_ident()
        try:
            while True:
                work = self._queue.get()
                if work is None:
                    return
                future, fn, args, kwargs = work
                del work
                if future.set_running_or_notify_cancel():
                    with self._lock:
                        self._busy.add(me)
                    try:
                        result = fn(*args, **kwargs)
                    except BaseException as exc:
                        future.set_exception(exc)
                    else:
                        future.set_result(result)
                    finally:
                        with self._lock:
                            self._busy.discard(me)
                del future, fn, args, kwargs
                self._idle.release()
        except BaseException:
            return  # an interrupt that landed between two tasks: the pool is closing

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Let the threads end once the queued work (none, with ``cancel_futures``) is done."""
        self._closed = True
        if cancel_futures:
            self._cancel_queued()
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    def interrupt(self) -> int:
        """Cancel the queued work, raise KeyboardInterrupt in the threads running tasks, and
        return at once; returns how many tasks were running."""
        self.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            busy = list(self._busy)
        for ident in busy:
            _raise_in_thread(ident, KeyboardInterrupt)
        return len(busy)

    def _cancel_queued(self) -> None:
        while True:
            try:
                work = self._queue.get_nowait()
            except queue.Empty:
                return
            if work is not None:
                work[0].cancel()


def _raise_in_thread(ident: int, exc_type: type[BaseException]) -> None:
    """Raise ``exc_type`` in another thread, at its next Python instruction (a blocking call
    finishes first)."""
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc_type))
