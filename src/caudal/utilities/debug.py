"""Debugging helpers of Prefect 0.15's ``prefect.utilities.debug``: ``raise_on_exception``
(let task errors propagate out of ``flow.run()``) and ``is_serializable``."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from caudal.utilities.context import context

__all__ = ["is_serializable", "raise_on_exception"]

# Loads the pickle named by argv[1] in a fresh interpreter; a failure exits non-zero with
# the traceback on its output.
_LOAD_IN_FRESH_PROCESS = "import sys, cloudpickle\ncloudpickle.loads(open(sys.argv[1], 'rb').read())\n"


@contextmanager
def raise_on_exception() -> Iterator[None]:
    """In the block, an error raised in a task (or a state handler) propagates out of
    ``flow.run()`` instead of becoming a ``Failed`` state, so that a debugger or a test sees
    it where it happened. Signals (``FAIL``, ``SKIP``...) still set states.

    It sets ``raise_on_exception`` in ``caudal.context``, which the runners read::

        from caudal import Flow, task
        from caudal.utilities.debug import raise_on_exception

        @task
        def divide():
            return 1 / 0

        with Flow("debug") as flow:
            divide()

        with raise_on_exception():
            flow.run()  # ZeroDivisionError: division by zero, from inside divide()
    """
    with context(raise_on_exception=True):
        yield


def is_serializable(obj: Any, raise_on_error: bool = False) -> bool:
    """Whether ``obj`` (a flow, a task) survives cloudpickle into a fresh Python process, as
    it must to be stored and run by an agent.

    Args:
        obj: what to check.
        raise_on_error: raise what went wrong instead of returning False.

    Returns:
        True when ``obj`` pickles here and unpickles in a new interpreter.

    Raises:
        subprocess.CalledProcessError: (with ``raise_on_error``) the new interpreter could
            not load it; ``output`` holds its traceback (a module missing there, usually).
        Exception: (with ``raise_on_error``) ``obj`` cannot be pickled here at all.

    Example:
        >>> import threading
        >>> is_serializable({"rows": [1, 2]}), is_serializable(threading.Lock())
        (True, False)
    """
    import cloudpickle

    try:
        data = cloudpickle.dumps(obj)
    except Exception:
        if raise_on_error:
            raise
        return False
    fd, path = tempfile.mkstemp(suffix=".pkl")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        subprocess.check_output([sys.executable, "-c", _LOAD_IN_FRESH_PROCESS, path],
                                stderr=subprocess.STDOUT)
    except subprocess.CalledProcessError:
        if raise_on_error:
            raise
        return False
    finally:
        os.unlink(path)
    return True
