"""the note lives only in its versions: consultation.note_json / note_markdown dropped (issue 16)

They duplicated the drafted note, which is version 1 in `note_version` (and, after a re-draft, its latest
version by soapscribe); nothing read them. A consultation whose note is not in `note_version` yet gets it as
version 1 first (re-encrypted for its new cell), so no note is lost. A value that fails its integrity check
could not be read before either: it is named in a warning and not moved.

The downgrade brings the columns back filled as the earlier version wrote them: the latest version drafted
by soapscribe.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from service.store.crypto import Cell, EncryptionKeyError, IntegrityCheckFailed, KeyRing
from service.store.encrypted_columns import keys_of

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_BATCH = 200
_DRAFTER = 'soapscribe'
_consultation = sa.table('consultation', sa.column('id', sa.String), sa.column('note_json', sa.String),
                         sa.column('note_markdown', sa.String))
_note_version = sa.table('note_version', sa.column('id', sa.Integer), sa.column('consultation_id', sa.String),
                         sa.column('version', sa.Integer), sa.column('status', sa.String),
                         sa.column('edited_as', sa.String), sa.column('note_json', sa.String),
                         sa.column('markdown', sa.String), sa.column('author', sa.String),
                         sa.column('etag', sa.String), sa.column('created_at', sa.DateTime))


def upgrade() -> None:
    _move_unversioned_notes()
    # Not a batch: on SQLite that copies the table, which the other tables' foreign keys to it refuse.
    op.drop_column('consultation', 'note_markdown')
    op.drop_column('consultation', 'note_json')


def downgrade() -> None:
    op.add_column('consultation', sa.Column('note_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('consultation', sa.Column('note_markdown', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    _copy_drafts_back()


def _move_unversioned_notes() -> None:
    """Each consultation's note that has no version yet becomes its version 1 (as notes.save_draft writes it)."""
    bind = op.get_bind()
    c = _consultation.c
    versioned = sa.select(_note_version.c.id).where(_note_version.c.consultation_id == c.id).exists()
    rows = bind.execute(sa.select(c.id, c.note_json, c.note_markdown)
                        .where(c.note_json.is_not(None), ~versioned).order_by(c.id)).all()
    if not rows:
        return
    keys = _keys(bind)
    now = datetime.now(UTC)
    for start in range(0, len(rows), _BATCH):
        versions = []
        for consultation_id, note_json, markdown in rows[start:start + _BATCH]:
            try:
                versions.append({
                    'consultation_id': consultation_id, 'version': 1, 'status': 'draft', 'edited_as': 'draft',
                    'note_json': _moved(keys, note_json, ('consultation', 'note_json', (consultation_id,)),
                                        ('note_version', 'note_json', (consultation_id, '1'))),
                    'markdown': _moved(keys, markdown or '', ('consultation', 'note_markdown', (consultation_id,)),
                                       ('note_version', 'markdown', (consultation_id, '1'))),
                    'author': _DRAFTER, 'created_at': now,
                    'etag': '"' + hashlib.sha256(f"{consultation_id}-v1-draft".encode()).hexdigest()[:32] + '"'})
            except IntegrityCheckFailed as exc:
                log.warning("the note of consultation %s is not moved to note_version: %s", consultation_id, exc)
        if versions:
            op.bulk_insert(_note_version, versions)


def _copy_drafts_back() -> None:
    bind = op.get_bind()
    v = _note_version.c
    latest = (sa.select(v.consultation_id, sa.func.max(v.version).label('version'))
              .where(v.author == _DRAFTER).group_by(v.consultation_id).subquery())
    rows = bind.execute(sa.select(v.consultation_id, v.version, v.note_json, v.markdown)
                        .join(latest, (latest.c.consultation_id == v.consultation_id)
                              & (latest.c.version == v.version)).order_by(v.consultation_id)).all()
    if not rows:
        return
    keys = _keys(bind)
    for consultation_id, version, note_json, markdown in rows:
        row = (consultation_id, str(version))
        try:
            values = {'note_json': _moved(keys, note_json, ('note_version', 'note_json', row),
                                          ('consultation', 'note_json', (consultation_id,))),
                      'note_markdown': _moved(keys, markdown, ('note_version', 'markdown', row),
                                              ('consultation', 'note_markdown', (consultation_id,)))}
        except IntegrityCheckFailed as exc:
            log.warning("the note of consultation %s is not copied back: %s", consultation_id, exc)
            continue
        bind.execute(sa.update(_consultation).where(_consultation.c.id == consultation_id).values(values))


def _moved(keys: KeyRing, stored: str, source: tuple[str, str, tuple[str, ...]],
           target: tuple[str, str, tuple[str, ...]]) -> str:
    """A stored text value read from its `source` cell, encrypted for its `target` cell (legacy plaintext too)."""
    return keys.encrypt_text(keys.decrypt_text(stored, Cell(*source)), Cell(*target))


def _keys(bind: sa.Connection) -> KeyRing:
    try:
        return keys_of(bind.dialect)
    except EncryptionKeyError:
        raise EncryptionKeyError("migration 0011 moves stored notes and needs the encryption keys: run it with "
                                 "`soapscribe db upgrade`") from None
