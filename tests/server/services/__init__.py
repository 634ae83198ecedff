"""Tests of caudal.server.services."""
