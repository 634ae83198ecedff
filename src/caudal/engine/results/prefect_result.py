"""``PrefectResult`` at Prefect 0.15's module path (``prefect.engine.results.prefect_result``)."""

from caudal.engine.results.prefect import PrefectResult

__all__ = ["PrefectResult"]
