"""``resource_manager``: set up a resource for a block of tasks and always clean it up.

The import path exists so that flows load; the behaviour arrives with the executors issue.
"""

from __future__ import annotations

from typing import Any

from caudal.exceptions import NotAvailableError

__all__ = ["resource_manager"]


def resource_manager(resource_class: Any = None, **kwargs: Any) -> Any:
    raise NotAvailableError("resource_manager", "the executors and results issue")
