"""supplement requests (issue #18, form 02): what is missing, numbered per agency and year, and its answer

Revision ID: 0011_supplement_requests
Revises: 0010_documents
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '0011_supplement_requests'
down_revision = '0010_documents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supplement_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('pause_id', sa.Integer(), nullable=True),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_supplement_requests_agency_id_agencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['officers.id'], name=op.f('fk_supplement_requests_answered_by_id_officers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_supplement_requests_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pause_id'], ['dossier_pauses.id'], name=op.f('fk_supplement_requests_pause_id_dossier_pauses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['officers.id'], name=op.f('fk_supplement_requests_requested_by_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplement_requests')),
    sa.UniqueConstraint('agency_id', 'year', 'number', name=op.f('uq_supplement_requests_agency_id_year_number'))
    )
    with op.batch_alter_table('supplement_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplement_requests_dossier_id'), ['dossier_id'], unique=False)



def downgrade():
    with op.batch_alter_table('supplement_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplement_requests_dossier_id'))

    op.drop_table('supplement_requests')
