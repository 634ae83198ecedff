"""What routes share: the database of the app, and the role dependencies."""

from __future__ import annotations

from fastapi import Depends, Request

from caudal.server.auth import require
from caudal.server.db.engine import Database
from caudal.wire.auth import Role

__all__ = ["ADMIN", "RUNNER", "VIEWER", "database"]


def database(request: Request) -> Database:
    return request.app.state.db


VIEWER = Depends(require(Role.VIEWER))
RUNNER = Depends(require(Role.RUNNER))
ADMIN = Depends(require(Role.ADMIN))
