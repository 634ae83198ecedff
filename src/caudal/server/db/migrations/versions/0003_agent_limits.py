"""agent limits: agents report how many runs they are running, their limit of runs, and
whether they are shutting down

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 07:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # In batches, because SQLite cannot drop a column in place before 3.35: Alembic copies
    # the table there, and on PostgreSQL the batch is plain ALTER TABLE statements.
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("running", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("run_limit", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("stopping", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("stopping")
        batch.drop_column("run_limit")
        batch.drop_column("running")
