"""AzureResult: Prefect 0.15's name for results in Azure Blob Storage (not in caudal yet).

Until it comes, ``FSSpecResult("az://<container>/<prefix>")`` with the adlfs package stores
results in Azure Blob Storage.
"""

from __future__ import annotations

from caudal.utilities.placeholders import unavailable

__all__ = ["AzureResult"]

AzureResult = unavailable(
    "AzureResult",
    "a later release; until then, FSSpecResult('az://<container>/<prefix>') with the adlfs "
    "package stores results in Azure Blob Storage",
    __name__,
)
