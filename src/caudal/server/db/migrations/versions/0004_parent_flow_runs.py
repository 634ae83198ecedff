"""parent flow runs: a flow run started from another flow run (flows of flows) records it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # In a batch: SQLite adds a column with a foreign key only by copying the table.
    with op.batch_alter_table("flow_runs") as batch:
        batch.add_column(sa.Column("parent_flow_run_id", sa.String(36), nullable=True))
        batch.create_foreign_key("fk_flow_runs_parent_flow_run_id", "flow_runs",
                                 ["parent_flow_run_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_flow_runs_parent_flow_run_id", ["parent_flow_run_id"])


def downgrade() -> None:
    with op.batch_alter_table("flow_runs") as batch:
        batch.drop_index("ix_flow_runs_parent_flow_run_id")
        batch.drop_constraint("fk_flow_runs_parent_flow_run_id", type_="foreignkey")
        batch.drop_column("parent_flow_run_id")
