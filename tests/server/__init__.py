"""Tests of caudal.server, on SQLite and PostgreSQL (a package: its module names repeat
others in tests/, such as test_schedules.py)."""
