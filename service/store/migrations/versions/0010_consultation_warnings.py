"""a consultation's warnings: what its job worked around, such as a chart that could not be read (issue 17)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consultation') as batch:
        batch.add_column(sa.Column('warnings_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    # Not a batch: on SQLite that copies the table, which the other tables' foreign keys to it refuse.
    op.drop_column('consultation', 'warnings_json')
