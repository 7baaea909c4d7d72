"""Issue #19: external tasks — a step a worker does (``steps.kind = 'external'``) by its topic, with its lease
(``worker_id``, ``lock_expires_at``), its retries and last error, and its priority; the fetch's partial index; the
topics an API key may serve (``api_keys.topics``).

Revision ID: 0015_external_tasks
Revises: 0014_applicant_side
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '0015_external_tasks'
down_revision = '0014_applicant_side'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topics', sa.Text(), nullable=True))
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='user', nullable=False))
        batch_op.add_column(sa.Column('topic', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('worker_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('lock_expires_at', app.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retries', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('error_message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('error_details', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_steps_external_open', ['topic', 'lock_expires_at'], unique=False, postgresql_where=sa.text("kind = 'external' AND status = 'ready'"), sqlite_where=sa.text("kind = 'external' AND status = 'ready'"))



def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('topics')
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.drop_index('ix_steps_external_open', postgresql_where=sa.text("kind = 'external' AND status = 'ready'"), sqlite_where=sa.text("kind = 'external' AND status = 'ready'"))
        batch_op.drop_column('priority')
        batch_op.drop_column('error_details')
        batch_op.drop_column('error_message')
        batch_op.drop_column('retries')
        batch_op.drop_column('lock_expires_at')
        batch_op.drop_column('worker_id')
        batch_op.drop_column('topic')
        batch_op.drop_column('kind')

