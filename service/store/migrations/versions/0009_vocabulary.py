"""the clinic's vocabulary and a consultation's (issue 17)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenant') as batch:
        batch.add_column(sa.Column('vocabulary_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('consultation') as batch:
        batch.add_column(sa.Column('vocabulary_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    # Not a batch: on SQLite that copies the table, which the other tables' foreign keys to it refuse.
    op.drop_column('consultation', 'vocabulary_json')
    op.drop_column('tenant', 'vocabulary_json')
