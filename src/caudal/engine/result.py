"""Prefect 0.15's older path for results; the real home is ``caudal.engine.results``."""

from caudal.engine.results import Result

__all__ = ["Result"]
