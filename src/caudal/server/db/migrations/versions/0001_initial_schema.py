"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 14:15:52.977542
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:

    op.create_table('agents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('agent_type', sa.String(length=100), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_heartbeat', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('api_keys',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    op.create_table('projects',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('flow_groups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=True),
    sa.Column('schedule_active', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'name')
    )
    op.create_table('flows',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('flow_group_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('hash', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=500), nullable=True),
    sa.Column('serialized', sa.JSON(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=True),
    sa.Column('storage', sa.JSON(), nullable=True),
    sa.Column('run_config', sa.JSON(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flow_group_id'], ['flow_groups.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('flow_group_id', 'version')
    )
    with op.batch_alter_table('flows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flows_flow_group_id'), ['flow_group_id'], unique=False)

    op.create_table('flow_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('flow_id', sa.String(length=36), nullable=False),
    sa.Column('flow_group_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=50), nullable=False),
    sa.Column('state_message', sa.Text(), nullable=True),
    sa.Column('state_timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('scheduled_start_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agent_id', sa.String(length=36), nullable=True),
    sa.Column('idempotency_key', sa.String(length=500), nullable=True),
    sa.Column('auto_scheduled', sa.Boolean(), nullable=False),
    sa.Column('times_resurrected', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flow_group_id'], ['flow_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['flow_id'], ['flows.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('flow_group_id', 'idempotency_key')
    )
    with op.batch_alter_table('flow_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_runs_flow_id'), ['flow_id'], unique=False)
        batch_op.create_index('ix_flow_runs_group_time', ['flow_group_id', 'scheduled_start_time', 'id'], unique=False)
        batch_op.create_index('ix_flow_runs_state_time', ['state', 'scheduled_start_time'], unique=False)
        batch_op.create_index('ix_flow_runs_time', ['scheduled_start_time', 'id'], unique=False)

    op.create_table('flow_run_states',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('flow_run_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=50), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flow_run_id'], ['flow_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('flow_run_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_run_states_flow_run_id'), ['flow_run_id'], unique=False)

    op.create_table('logs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('flow_run_id', sa.String(length=36), nullable=False),
    sa.Column('task_slug', sa.String(length=500), nullable=True),
    sa.Column('map_index', sa.Integer(), nullable=True),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['flow_run_id'], ['flow_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('logs', schema=None) as batch_op:
        batch_op.create_index('ix_logs_run_id', ['flow_run_id', 'id'], unique=False)

    op.create_table('task_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('flow_run_id', sa.String(length=36), nullable=False),
    sa.Column('task_slug', sa.String(length=500), nullable=False),
    sa.Column('map_index', sa.Integer(), nullable=False),
    sa.Column('task_name', sa.String(length=500), nullable=True),
    sa.Column('state', sa.String(length=50), nullable=False),
    sa.Column('state_message', sa.Text(), nullable=True),
    sa.Column('state_timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result_location', sa.String(length=4000), nullable=True),
    sa.ForeignKeyConstraint(['flow_run_id'], ['flow_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('flow_run_id', 'task_slug', 'map_index')
    )
    op.create_table('task_run_states',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('task_run_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=50), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_run_id'], ['task_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_run_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_run_states_task_run_id'), ['task_run_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('task_run_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_run_states_task_run_id'))

    op.drop_table('task_run_states')
    op.drop_table('task_runs')
    with op.batch_alter_table('logs', schema=None) as batch_op:
        batch_op.drop_index('ix_logs_run_id')

    op.drop_table('logs')
    with op.batch_alter_table('flow_run_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_run_states_flow_run_id'))

    op.drop_table('flow_run_states')
    with op.batch_alter_table('flow_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_flow_runs_time')
        batch_op.drop_index('ix_flow_runs_state_time')
        batch_op.drop_index('ix_flow_runs_group_time')
        batch_op.drop_index(batch_op.f('ix_flow_runs_flow_id'))

    op.drop_table('flow_runs')
    with op.batch_alter_table('flows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flows_flow_group_id'))

    op.drop_table('flows')
    op.drop_table('flow_groups')
    op.drop_table('projects')
    op.drop_table('api_keys')
    op.drop_table('agents')

