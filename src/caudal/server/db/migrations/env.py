"""Alembic's entry point: runs migrations on the connection of the caller's ``Database``."""

from __future__ import annotations

from alembic import context

from caudal.server.db import models

database = context.config.attributes["database"]

with database.write() as connection:
    context.configure(connection=connection, target_metadata=models.metadata,
                      render_as_batch=database.is_sqlite)
    context.run_migrations()
