"""Tests of caudal.server.api."""
