"""cache versions: one table of tokens for every process cache of reference data

``calendar_version`` (one row) becomes ``cache_versions`` with a row per kind of cached data: 1, the working
calendars (its token is carried over) and 2, the organisation tree (agencies and units, new), so a request
checks both caches with one small read (``app.cache_versions``).

Revision ID: 0008_cache_versions
Revises: 0007_due_work_pending_lookups
"""
import uuid

from alembic import op
import sqlalchemy as sa

revision = '0008_cache_versions'
down_revision = '0007_due_work_pending_lookups'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_versions'))
    )
    op.execute("INSERT INTO cache_versions (id, version, token) SELECT 1, version, token FROM calendar_version")
    # the organisation as it stands: a fresh token, so processes start caching it at once
    op.execute(sa.text("INSERT INTO cache_versions (id, version, token) VALUES (2, 1, :token)")
               .bindparams(token=uuid.uuid4().hex))
    op.drop_table('calendar_version')


def downgrade():
    op.create_table('calendar_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_version'))
    )
    op.execute("INSERT INTO calendar_version (id, version, token) SELECT id, version, token FROM cache_versions "
               "WHERE id = 1")
    op.drop_table('cache_versions')
