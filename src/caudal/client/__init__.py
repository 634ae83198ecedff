"""The API client (Prefect 0.15 path); arrives with the orchestration server issue."""

from caudal.utilities.placeholders import unavailable

Client = unavailable("Client", "the orchestration server issue", __name__)

__all__ = ["Client"]
