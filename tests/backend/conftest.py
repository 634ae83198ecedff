"""Fixtures of the backend view tests: the shared client fixtures."""

from fixtures_client import caudal_home, client, flow_id, project

__all__ = ["caudal_home", "client", "flow_id", "project"]
