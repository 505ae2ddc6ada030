"""note versions, signing, audit log, idempotency keys (issue 6)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    note_version = op.create_table('note_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('edited_as', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note_json', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('markdown', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('signed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'version', name='uq_note_version_consultation_version')
    )
    with op.batch_alter_table('note_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_version_consultation_id'), ['consultation_id'], unique=False)
    _backfill_drafts(note_version)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('api_key_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('consultation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_tenant_id'), ['tenant_id'], unique=False)
    _make_append_only('audit_event')

    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('request_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('consultation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'key', name='uq_idempotency_key_tenant_key')
    )


def downgrade() -> None:
    op.drop_table('idempotency_key')
    _drop_append_only('audit_event')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))
    op.drop_table('audit_event')
    with op.batch_alter_table('note_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_version_consultation_id'))
    op.drop_table('note_version')


def _backfill_drafts(note_version: sa.Table) -> None:
    """Notes drafted before note versions existed become version 1 (the ETag rule of service/store/notes.py)."""
    consultation = sa.table('consultation', sa.column('id', sa.String), sa.column('note_json', sa.String),
                            sa.column('note_markdown', sa.String))
    rows = op.get_bind().execute(sa.select(consultation.c.id, consultation.c.note_json, consultation.c.note_markdown)
                                 .where(consultation.c.note_json.is_not(None))).all()
    now = datetime.now(UTC)
    op.bulk_insert(note_version, [
        {'consultation_id': row.id, 'version': 1, 'status': 'draft', 'edited_as': 'draft', 'note_json': row.note_json,
         'markdown': row.note_markdown or '', 'author': 'soapscribe', 'created_at': now,
         'etag': '"' + hashlib.sha256(f"{row.id}-v1-draft".encode()).hexdigest()[:32] + '"'}
        for row in rows])


def _make_append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on `table` in the database itself, not only by convention."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
        return
    for event in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        return
    for event in ('update', 'delete'):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
