"""token families and bounded API keys (issue #25)

- ``auth_sessions.token_version``: the account's token version when the login was opened. A refresh of a
  session whose account has since changed its password, been reset or disabled is refused, so every token of
  the account ends, refresh tokens included. Existing logins keep working (backfilled with today's version).
- ``retired_refresh_tokens``: the digests of refresh tokens already rotated. Presenting one again means a copy
  was stolen (or replayed): the whole login ends (token-family revocation).
- ``api_keys.roles`` (NULL: every role of its officer) and ``api_keys.expires_at`` (NULL: no expiry).

Revision ID: 0009_token_families
Revises: 0008_cache_versions
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '0009_token_families'
down_revision = '0008_cache_versions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('auth_sessions') as batch:
        batch.add_column(sa.Column('token_version', sa.Integer(), nullable=True))
    op.execute("UPDATE auth_sessions SET token_version = "
               "(SELECT officers.token_version FROM officers WHERE officers.id = auth_sessions.officer_id)")
    with op.batch_alter_table('auth_sessions') as batch:
        batch.alter_column('token_version', existing_type=sa.Integer(), nullable=False)
    op.create_table('retired_refresh_tokens',
    sa.Column('refresh_hash', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('retired_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['auth_sessions.id'],
                            name=op.f('fk_retired_refresh_tokens_session_id_auth_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('refresh_hash', name=op.f('pk_retired_refresh_tokens'))
    )
    op.create_index(op.f('ix_retired_refresh_tokens_session_id'), 'retired_refresh_tokens', ['session_id'])
    with op.batch_alter_table('api_keys') as batch:
        batch.add_column(sa.Column('roles', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('expires_at', app.db_types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('api_keys') as batch:
        batch.drop_column('expires_at')
        batch.drop_column('roles')
    op.drop_index(op.f('ix_retired_refresh_tokens_session_id'), table_name='retired_refresh_tokens')
    op.drop_table('retired_refresh_tokens')
    with op.batch_alter_table('auth_sessions') as batch:
        batch.drop_column('token_version')
