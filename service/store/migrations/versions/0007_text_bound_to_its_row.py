"""stored text re-encrypted bound to its cell: table, column and row in the AES-GCM associated data (issue 16)

Every "ss-enc:v1:" value is decrypted and encrypted again as "ss-enc:v2:" under the active key, bound to
its table, column and row, one batch of rows at a time. Plaintext (from before encryption at rest) is left
to `soapscribe encryption rotate`, as before. A value that fails its check is left as it is and named in a
warning (it could not be read before either), so one damaged value does not block the upgrade.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from service.store.crypto import TEXT_PREFIX, TEXT_PREFIX_V1, Cell, EncryptionKeyError, IntegrityCheckFailed, KeyRing
from service.store.encrypted_columns import keys_of

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_BATCH = 200
# The encrypted columns as of this revision, and the columns naming each row in a cell (see crypto.Cell).
_TABLES = {
    'consultation': (('id',), ('transcript_json', 'findings_json', 'note_json', 'note_markdown')),
    'note_version': (('consultation_id', 'version'), ('note_json', 'markdown')),
    'ehr_launch': (('id',), ('access_token', 'context_json')),
}
_KEY_COLUMN = {'consultation': 'id', 'note_version': 'id', 'ehr_launch': 'id'}


def upgrade() -> None:
    _convert(TEXT_PREFIX_V1, lambda keys, stored, cell: keys.encrypt_text(keys.decrypt_text_v1(stored), cell))


def downgrade() -> None:
    _convert(TEXT_PREFIX, lambda keys, stored, cell: keys.encrypt_text_v1(keys.decrypt_text(stored, cell)))


def _convert(prefix: str, convert: Callable[[KeyRing, str, Cell], str]) -> None:
    bind = op.get_bind()
    keys: KeyRing | None = None
    for name, (identity, columns) in _TABLES.items():
        key: sa.ColumnClause[Any] = sa.column(_KEY_COLUMN[name])
        table = sa.table(name, key, *(sa.column(c) for c in {*identity, *columns} - {key.name}))
        for column in columns:
            value = table.c[column]
            last = None
            while True:
                query = (sa.select(key, value, *(table.c[c] for c in identity))
                         .where(value.like(f"{prefix}%")).order_by(key).limit(_BATCH))
                if last is not None:
                    query = query.where(key > last)
                rows = bind.execute(query).all()
                if not rows:
                    break
                keys = keys or _keys(bind)
                for row_id, stored, *names in rows:
                    cell = Cell(name, column, tuple(str(n) for n in names))
                    try:
                        converted = convert(keys, stored, cell)
                    except IntegrityCheckFailed:
                        log.warning("%s failed its integrity check; left as it was", cell)
                        continue
                    bind.execute(sa.update(table).where(key == row_id).values({column: converted}))
                last = rows[-1][0]


def _keys(bind: sa.Connection) -> KeyRing:
    try:
        return keys_of(bind.dialect)
    except EncryptionKeyError:
        raise EncryptionKeyError("migration 0007 re-encrypts stored text and needs the encryption keys: run it "
                                 "with `soapscribe db upgrade`") from None
