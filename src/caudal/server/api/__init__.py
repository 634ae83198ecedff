"""The REST API: one router per resource. Routes parse, check the role, call one service."""
