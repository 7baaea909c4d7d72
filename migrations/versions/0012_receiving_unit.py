"""dossiers.receiving_unit_id (issue #18): the desk that received (or refused) a dossier — its clerks read it
whatever units the steps reach. Dossiers received before: none (their steps and agency decide as before).

Revision ID: 0012_receiving_unit
Revises: 0011_supplement_requests
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '0012_receiving_unit'
down_revision = '0011_supplement_requests'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receiving_unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_dossiers_receiving_unit_id'), ['receiving_unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dossiers_receiving_unit_id_units'), 'units', ['receiving_unit_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossiers_receiving_unit_id_units'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dossiers_receiving_unit_id'))
        batch_op.drop_column('receiving_unit_id')

