"""``AzureResult`` at Prefect 0.15's module path (``prefect.engine.results.azure_result``)."""

from caudal.engine.results.azure import AzureResult

__all__ = ["AzureResult"]
