"""The orchestration server: HTTP API, database, scheduler and reaper in one process.

Imports nothing of caudal but ``caudal.wire`` and ``caudal.schedules``; it never unpickles or
runs a flow. ``create_app(settings)`` (``caudal.server.app``) builds it.
"""
