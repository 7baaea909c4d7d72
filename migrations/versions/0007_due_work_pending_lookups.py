"""due work: partial indexes for cancelling a step's or a dossier's pending work

Every step completion cancels the step's pending work (``status = 'pending' AND step_id = ?``) and every
finished dossier its own. With only the pending-by-``due_at`` partial index, PostgreSQL ANDed it with the
``step_id`` index and walked all of its entries, dead ones included, until a vacuum: the cancel grew with the
history. These partial indexes answer the lookup from the few pending entries of that step or dossier.

Revision ID: 0007_due_work_pending_lookups
Revises: 0006_step_report_rollup
"""
from alembic import op
import sqlalchemy as sa

revision = '0007_due_work_pending_lookups'
down_revision = '0006_step_report_rollup'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('due_work', schema=None) as batch_op:
        batch_op.create_index('ix_due_work_pending_step_id', ['step_id'], unique=False,
                              postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index('ix_due_work_pending_dossier_id', ['dossier_id'], unique=False,
                              postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))


def downgrade():
    with op.batch_alter_table('due_work', schema=None) as batch_op:
        batch_op.drop_index('ix_due_work_pending_dossier_id')
        batch_op.drop_index('ix_due_work_pending_step_id')
