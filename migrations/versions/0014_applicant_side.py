"""Issue #22: the applicant's side — consent to notices (``notice_consents``), the notices sent and their
delivery (``applicant_notices``), administrators' wording (``notice_templates``) and the applicants' one
rating per dossier (``satisfaction_ratings``).

Revision ID: 0014_applicant_side
Revises: 0013_papers_transfers
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '0014_applicant_side'
down_revision = '0013_papers_transfers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope_key', sa.String(length=300), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('procedure_key', sa.String(length=128), nullable=True),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('subject', sa.String(length=500), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('updated_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notice_templates_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['officers.id'], name=op.f('fk_notice_templates_updated_by_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_templates')),
    sa.UniqueConstraint('scope_key', name=op.f('uq_notice_templates_scope_key'))
    )
    with op.batch_alter_table('notice_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_templates_agency_id'), ['agency_id'], unique=False)

    op.create_table('applicant_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('provider_ref', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_applicant_notices_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['notice_templates.id'], name=op.f('fk_applicant_notices_template_id_notice_templates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicant_notices')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_applicant_notices_dedupe_key'))
    )
    with op.batch_alter_table('applicant_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicant_notices_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applicant_notices_status'), ['status'], unique=False)

    op.create_table('notice_consents',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('consented_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opted_out_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_notice_consents_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_notice_consents'))
    )
    op.create_table('satisfaction_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('procedure_key', sa.String(length=128), nullable=False),
    sa.Column('score_access', sa.Integer(), nullable=False),
    sa.Column('score_papers', sa.Integer(), nullable=False),
    sa.Column('score_officers', sa.Integer(), nullable=False),
    sa.Column('score_timeliness', sa.Integer(), nullable=False),
    sa.Column('score_result', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('low', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('rated_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score_access BETWEEN 1 AND 5', name=op.f('ck_satisfaction_ratings_score_access_range')),
    sa.CheckConstraint('score_officers BETWEEN 1 AND 5', name=op.f('ck_satisfaction_ratings_score_officers_range')),
    sa.CheckConstraint('score_papers BETWEEN 1 AND 5', name=op.f('ck_satisfaction_ratings_score_papers_range')),
    sa.CheckConstraint('score_result BETWEEN 1 AND 5', name=op.f('ck_satisfaction_ratings_score_result_range')),
    sa.CheckConstraint('score_timeliness BETWEEN 1 AND 5', name=op.f('ck_satisfaction_ratings_score_timeliness_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_satisfaction_ratings_agency_id_agencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_satisfaction_ratings_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_ratings')),
    sa.UniqueConstraint('dossier_id', name=op.f('uq_satisfaction_ratings_dossier_id'))
    )
    with op.batch_alter_table('satisfaction_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_satisfaction_agency_rated', ['agency_id', 'rated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_ratings_procedure_key'), ['procedure_key'], unique=False)



def downgrade():
    with op.batch_alter_table('satisfaction_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_ratings_procedure_key'))
        batch_op.drop_index('ix_satisfaction_agency_rated')

    op.drop_table('satisfaction_ratings')
    op.drop_table('notice_consents')
    with op.batch_alter_table('applicant_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicant_notices_status'))
        batch_op.drop_index(batch_op.f('ix_applicant_notices_dossier_id'))

    op.drop_table('applicant_notices')
    with op.batch_alter_table('notice_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_templates_agency_id'))

    op.drop_table('notice_templates')
