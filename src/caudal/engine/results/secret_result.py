"""``SecretResult`` at Prefect 0.15's module path (``prefect.engine.results.secret_result``)."""

from caudal.engine.results.secret import SecretResult

__all__ = ["SecretResult"]
