"""Issue #18: printed forms stored as documents (``documents.form_ref``), the place of a paper's date line
(``agencies.place``), desks that receive for the whole province (``units.reception_scope``) and transfers to
the competent agency (``dossier_transfers``).

Revision ID: 0013_papers_transfers
Revises: 0012_receiving_unit
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '0013_papers_transfers'
down_revision = '0012_receiving_unit'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place', sa.String(length=128), nullable=True))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reception_scope', sa.String(length=16), server_default='agency', nullable=False))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_ref', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_documents_dossier_id_form_ref'), ['dossier_id', 'form_ref'])
    op.create_table(
        'dossier_transfers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('from_agency_id', sa.Integer(), nullable=False),
        sa.Column('to_agency_id', sa.Integer(), nullable=False),
        sa.Column('from_version_id', sa.Integer(), nullable=False),
        sa.Column('to_version_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('clock', sa.String(length=16), nullable=False),
        sa.Column('due_before', app.db_types.UTCDateTime(), nullable=True),
        sa.Column('transferred_at', app.db_types.UTCDateTime(), nullable=False),
        sa.Column('transferred_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_transfers_dossier_id_dossiers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_agency_id'], ['agencies.id'], name=op.f('fk_dossier_transfers_from_agency_id_agencies'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['to_agency_id'], ['agencies.id'], name=op.f('fk_dossier_transfers_to_agency_id_agencies'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['from_version_id'], ['definition_versions.id'], name=op.f('fk_dossier_transfers_from_version_id_definition_versions'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['to_version_id'], ['definition_versions.id'], name=op.f('fk_dossier_transfers_to_version_id_definition_versions'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['transferred_by_id'], ['officers.id'], name=op.f('fk_dossier_transfers_transferred_by_id_officers'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_transfers')),
    )
    with op.batch_alter_table('dossier_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_transfers_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_transfers_from_agency_id'), ['from_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_transfers_to_agency_id'), ['to_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_transfers_transferred_at'), ['transferred_at'], unique=False)


def downgrade():
    op.drop_table('dossier_transfers')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_documents_dossier_id_form_ref'), type_='unique')
        batch_op.drop_column('form_ref')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('reception_scope')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('place')
