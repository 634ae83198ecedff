"""Serialization: a flow as the JSON description registration sends to the server."""

from caudal.serialization.flow import serialize_flow, serialized_hash

__all__ = ["serialize_flow", "serialized_hash"]
