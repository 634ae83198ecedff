"""``LocalResult`` at Prefect 0.15's module path (``prefect.engine.results.local_result``)."""

from caudal.engine.results.local import LocalResult

__all__ = ["LocalResult"]
