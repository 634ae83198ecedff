"""Helpers behind the flow API: context, logging, edges, the task decorator."""
