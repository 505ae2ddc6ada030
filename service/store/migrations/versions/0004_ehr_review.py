"""review app: suggestion decisions and EHR encounter links (issue 7)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ehr_suggestion_decision',
    sa.Column('consultation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('suggestion_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('section', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.PrimaryKeyConstraint('consultation_id', 'suggestion_id')
    )
    op.create_table('ehr_encounter_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('fhir_base', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('encounter_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('patient_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('consultation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document_reference', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('composition', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'fhir_base', 'encounter_ref', name='uq_ehr_encounter_link_encounter')
    )
    op.create_index('ix_ehr_encounter_link_consultation_id', 'ehr_encounter_link', ['consultation_id'])
    op.create_index('ix_ehr_encounter_link_tenant_id', 'ehr_encounter_link', ['tenant_id'])
    op.create_table('ehr_launch',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('fhir_base', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('token_endpoint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code_verifier', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('access_token', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('patient_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('encounter_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('context_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('ehr_launch')
    op.drop_index('ix_ehr_encounter_link_tenant_id', table_name='ehr_encounter_link')
    op.drop_index('ix_ehr_encounter_link_consultation_id', table_name='ehr_encounter_link')
    op.drop_table('ehr_encounter_link')
    op.drop_table('ehr_suggestion_decision')
