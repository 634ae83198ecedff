"""``S3Result`` at Prefect 0.15's module path (``prefect.engine.results.s3_result``)."""

from caudal.engine.results.s3 import S3Result

__all__ = ["S3Result"]
