"""per-tenant webhook secrets (issue 16)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenant') as batch:
        batch.add_column(sa.Column('webhook_secret', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    # Not a batch: on SQLite that copies the table, which the other tables' foreign keys to it refuse.
    op.drop_column('tenant', 'webhook_secret')
