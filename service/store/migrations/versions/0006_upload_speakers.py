"""the uploader's speaker roles, applied when the recording is diarized (issue 8)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consultation') as batch:
        batch.add_column(sa.Column('speakers_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consultation') as batch:
        batch.drop_column('speakers_json')
