"""`EncryptedText`: a column type that stores text AES-256-GCM encrypted, transparently for the code using it.

The column stays a plain string column (the same DDL as before, so no migration), holding
"ss-enc:v1:<key id>:<base64>". A value without that prefix was written before encryption at rest
existed; it reads as it is and `soapscribe encryption rotate` encrypts it.

The keys are not a global: `make_engine` attaches the process's key ring to the engine's dialect, which
SQLAlchemy hands to every bind and result conversion, so each engine (and each test's) uses its own keys.
An encrypted column cannot be compared in SQL (each encryption differs); nothing filters on these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Dialect, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel.sql.sqltypes import AutoString

from service.store.crypto import EncryptionKeyError, KeyRing

_ATTRIBUTE = "soapscribe_keys"


def attach_keys(engine: Engine, keys: KeyRing) -> None:
    setattr(engine.dialect, _ATTRIBUTE, keys)


def keys_of(dialect: Dialect) -> KeyRing:
    keys = getattr(dialect, _ATTRIBUTE, None)
    if keys is None:
        raise EncryptionKeyError("this database engine has no encryption keys (build it with "
                                 "service.store.db.make_engine)")
    return keys  # type: ignore[no-any-return]


class EncryptedText(TypeDecorator[str]):
    """Text encrypted with the engine's active key on write, decrypted with whichever key on read."""

    impl = AutoString  # what the columns were created as (VARCHAR without a length)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keys_of(dialect).encrypt_text(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keys_of(dialect).decrypt_text(value)
