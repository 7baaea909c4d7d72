"""documents (issue #17): components per version, stored files, document versions, trust anchors

- ``definition_versions.components``: the dossier's components (thành phần hồ sơ) a version declares (JSON list;
  existing versions: none).
- ``stored_files``: one row per distinct file (sha-256), the bytes in the configured store.
- ``documents``: each upload (or reuse) is one version of one component of a dossier; soft delete.
- ``trust_anchors``: the CA certificates an agency trusts for digital signatures.

Revision ID: 0010_documents
Revises: 0009_token_families
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '0010_documents'
down_revision = '0009_token_families'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_files'))
    )
    op.create_table('trust_anchors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('fingerprint_sha256', sa.String(length=64), nullable=False),
    sa.Column('not_before', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_after', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pem', sa.Text(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['officers.id'], name=op.f('fk_trust_anchors_added_by_id_officers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_trust_anchors_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust_anchors')),
    sa.UniqueConstraint('agency_id', 'fingerprint_sha256', name=op.f('uq_trust_anchors_agency_id_fingerprint_sha256'))
    )
    with op.batch_alter_table('trust_anchors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trust_anchors_agency_id'), ['agency_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('component', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('applicant_id_number', sa.String(length=12), nullable=True),
    sa.Column('origin_id', sa.Integer(), nullable=True),
    sa.Column('signatures', sa.JSON(), nullable=True),
    sa.Column('signature_status', sa.String(length=16), nullable=True),
    sa.Column('deleted_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.Column('delete_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['officers.id'], name=op.f('fk_documents_deleted_by_id_officers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_documents_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origin_id'], ['documents.id'], name=op.f('fk_documents_origin_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sha256'], ['stored_files.sha256'], name=op.f('fk_documents_sha256_stored_files'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['step_id'], ['steps.id'], name=op.f('fk_documents_step_id_steps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['officers.id'], name=op.f('fk_documents_uploaded_by_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('dossier_id', 'component', 'version', name=op.f('uq_documents_dossier_id_component_version'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_applicant', ['applicant_id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)

    with op.batch_alter_table('definition_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('components', sa.JSON(), server_default='[]', nullable=False))



def downgrade():
    with op.batch_alter_table('definition_versions', schema=None) as batch_op:
        batch_op.drop_column('components')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_dossier_id'))
        batch_op.drop_index('ix_documents_applicant')

    op.drop_table('documents')
    with op.batch_alter_table('trust_anchors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trust_anchors_agency_id'))

    op.drop_table('trust_anchors')
    op.drop_table('stored_files')
