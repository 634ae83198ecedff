"""Prefect 0.15's path for ``resource_manager``; the real home is ``caudal.tasks.core``."""

from caudal.tasks.core.resource_manager import ResourceManager, resource_manager

__all__ = ["ResourceManager", "resource_manager"]
