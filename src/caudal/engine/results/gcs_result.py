"""``GCSResult`` at Prefect 0.15's module path (``prefect.engine.results.gcs_result``)."""

from caudal.engine.results.gcs import GCSResult

__all__ = ["GCSResult"]
