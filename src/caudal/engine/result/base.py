"""Prefect 0.15's ``prefect.engine.result.base`` path, for custom Result subclasses."""

from caudal.engine.results.base import NoResult, NoResultType, Result, ResultNotImplementedError

__all__ = ["NoResult", "NoResultType", "Result", "ResultNotImplementedError"]
