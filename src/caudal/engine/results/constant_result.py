"""``ConstantResult`` at Prefect 0.15's module path (``prefect.engine.results.constant_result``)."""

from caudal.engine.results.constant import ConstantResult

__all__ = ["ConstantResult"]
