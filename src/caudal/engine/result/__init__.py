"""Prefect 0.15's older path for the Result base class; the Result types live in
``caudal.engine.results``."""

from caudal.engine.results.base import NoResult, NoResultType, Result

__all__ = ["NoResult", "NoResultType", "Result"]
