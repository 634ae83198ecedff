"""Tests of caudal.server.db."""
