"""recording consent and audio retention (issue 11)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_COLUMNS = ('consent_method', 'consent_confirmed_by', 'consent_at', 'audio_purged_at')


def upgrade() -> None:
    # Batch mode: SQLite cannot drop columns in place (downgrade); for adding them it still uses ALTER TABLE.
    with op.batch_alter_table('consultation') as batch:
        batch.add_column(sa.Column('consent_method', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column('consent_confirmed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column('consent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('audio_purged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consultation') as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
