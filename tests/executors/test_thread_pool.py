"""ThreadPool: runs work on up to N threads, and an interrupt stops it without waiting."""

from __future__ import annotations

import threading
import time

import pytest

from caudal.executors.thread_pool import ThreadPool


def test_work_runs_on_at_most_max_workers_threads():
    pool = ThreadPool(3)
    names: set[str] = set()
    lock = threading.Lock()

    def work(i: int) -> int:
        with lock:
            names.add(threading.current_thread().name)
        time.sleep(0.01)
        return i * 2

    futures = [pool.submit(work, i) for i in range(30)]
    results = [f.result(timeout=10) for f in futures]
    pool.shutdown()

    assert results == [i * 2 for i in range(30)]
    assert 1 <= len(names) <= 3
    assert all(name.startswith("caudal-task_") for name in names)


def test_an_error_is_set_on_the_future():
    pool = ThreadPool(1)

    future = pool.submit(int, "not a number")

    with pytest.raises(ValueError, match="invalid literal"):
        future.result(timeout=10)
    pool.shutdown()


def test_interrupt_raises_keyboard_interrupt_in_running_work_and_cancels_the_rest():
    pool = ThreadPool(2)
    started = threading.Barrier(3, timeout=10)

    def busy() -> str:
        started.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # Python code: the interrupt lands at once
            time.sleep(0.01)
        return "finished"

    running = [pool.submit(busy), pool.submit(busy)]
    queued = pool.submit(busy)
    started.wait()

    before = time.monotonic()
    assert pool.interrupt() == 2
    assert time.monotonic() - before < 1  # it did not wait for the work

    for future in running:
        with pytest.raises(KeyboardInterrupt):
            future.result(timeout=10)
    assert queued.cancelled()


def test_threads_are_daemons():
    pool = ThreadPool(1)
    thread_is_daemon = pool.submit(lambda: threading.current_thread().daemon).result(timeout=10)
    pool.shutdown()

    assert thread_is_daemon is True


def test_submit_after_shutdown_is_refused():
    pool = ThreadPool(1)
    pool.shutdown()

    with pytest.raises(RuntimeError, match="after shutdown or interrupt"):
        pool.submit(print)
