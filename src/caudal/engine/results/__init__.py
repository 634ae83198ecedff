"""Results (Prefect 0.15 paths); persisting them arrives with the executors and results issue."""

from caudal.utilities.placeholders import unavailable

Result = unavailable("Result", "the executors and results issue", __name__)
LocalResult = unavailable("LocalResult", "the executors and results issue", __name__)
GCSResult = unavailable("GCSResult", "the executors and results issue", __name__)
S3Result = unavailable("S3Result", "the executors and results issue", __name__)
PrefectResult = unavailable("PrefectResult", "the executors and results issue", __name__)
ConstantResult = unavailable("ConstantResult", "the executors and results issue", __name__)

__all__ = ["ConstantResult", "GCSResult", "LocalResult", "PrefectResult", "Result", "S3Result"]
