"""batch keys: log and task-state batches are written once however often they are sent

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "batch_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("written", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_batch_keys_created", "batch_keys", ["created"])


def downgrade() -> None:
    op.drop_index("ix_batch_keys_created", table_name="batch_keys")
    op.drop_table("batch_keys")
