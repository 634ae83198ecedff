"""The API client (Prefect 0.15's ``prefect.client``): ``Client`` talks to a caudal server.

Importing ``caudal`` does not load this package (nor httpx); ``caudal.Client`` loads it on
first use.
"""

from caudal.client.client import Client
from caudal.client.info import FlowRunInfoResult, TaskRunInfoResult
from caudal.client.secrets import Secret

__all__ = ["Client", "FlowRunInfoResult", "TaskRunInfoResult", "Secret"]
