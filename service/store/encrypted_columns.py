"""`EncryptedText`: a column type that stores text AES-256-GCM encrypted, bound to the cell that holds it.

The column stays a plain string column (the same DDL as before), holding "ss-enc:v2:<key id>:<base64>". A
value without a prefix was written before encryption at rest existed; it reads as it is and `soapscribe
encryption rotate` encrypts it.

Each ciphertext's associated data names its table, column and row (see crypto.Cell), so a value copied into
another row (another patient's consultation, another tenant's) fails to decrypt. A column type sees values,
not rows, so the row comes from the ORM: before an insert or update, each changed encrypted attribute becomes
a `RowText` that carries its cell; after a load, each stored value (a `Sealed`) is opened with the cell of
the instance it was loaded into. A Core UPDATE passes its values through `bound`. A plain string written to
an encrypted column is refused, so nothing can be stored unbound by mistake.

The keys are not a global: `make_engine` attaches the process's key ring to the engine's dialect, which
SQLAlchemy hands to every bind and result conversion, so each engine (and each test's) uses its own keys.
An encrypted column cannot be compared in SQL (each encryption differs); nothing filters on these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Column, Dialect, Engine, Table, event
from sqlalchemy.orm import InstanceState, Mapper, attributes
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from service.store.crypto import TEXT_PREFIX, TEXT_PREFIX_V1, Cell, EncryptionKeyError, KeyRing

_ATTRIBUTE = "soapscribe_keys"
ROW_IDENTITY = "row_identity"  # Table.info key: the columns naming a row, when its primary key is not known
# before the insert (an autoincrement id)


def attach_keys(engine: Engine, keys: KeyRing) -> None:
    setattr(engine.dialect, _ATTRIBUTE, keys)


def keys_of(dialect: Dialect) -> KeyRing:
    keys = getattr(dialect, _ATTRIBUTE, None)
    if keys is None:
        raise EncryptionKeyError("this database engine has no encryption keys (build it with "
                                 "service.store.db.make_engine)")
    return keys  # type: ignore[no-any-return]


class RowText(str):
    """Text on its way into an encrypted column, with the cell it is written to."""

    cell: Cell

    def __new__(cls, text: str, cell: Cell) -> RowText:
        value = super().__new__(cls, text)
        value.cell = cell
        return value


class Sealed:
    """A stored ciphertext read without its row; `open` it with the cell it was read from."""

    __slots__ = ("stored", "keys")

    def __init__(self, stored: str, keys: KeyRing) -> None:
        self.stored = stored
        self.keys = keys

    def open(self, cell: Cell) -> str:
        return self.keys.decrypt_text(self.stored, cell)

    def __repr__(self) -> str:
        return "Sealed(...)"


class UnboundText(TypeError):
    """Code wrote a plain string to an encrypted column, outside the ORM and without `bound`."""


class EncryptedText(TypeDecorator[str]):
    """Text encrypted with the engine's active key on write, bound to its cell; opened after load."""

    impl = AutoString  # what the columns were created as (VARCHAR without a length)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, RowText):
            raise UnboundText("a value for an encrypted column must say which row it is stored in (write it "
                              "through the ORM, or pass a Core statement's values through `bound`)")
        return keys_of(dialect).encrypt_text(str(value), value.cell)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not value.startswith((TEXT_PREFIX, TEXT_PREFIX_V1)):
            return value  # NULL, or legacy plaintext
        return Sealed(value, keys_of(dialect))


@cache
def encrypted_column_names(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.columns if isinstance(column.type, EncryptedText))


def identity_columns(table: Table) -> list[Column[Any]]:
    """The columns whose values name a row in a cell: `row_identity` if the table sets it, else the primary key."""
    names = table.info.get(ROW_IDENTITY)
    return [table.c[name] for name in names] if names else list(table.primary_key.columns)


def cell(table: Table, column: str, identity: Sequence[object]) -> Cell:
    return Cell(table.name, column, tuple(str(value) for value in identity))


def bound(table: Table, identity: Sequence[object], values: Mapping[str, Any]) -> dict[str, Any]:
    """A Core statement's `values` for the row `identity` names, with each encrypted text bound to its cell."""
    encrypted = encrypted_column_names(table)
    return {name: RowText(value, cell(table, name, identity)) if name in encrypted and isinstance(value, str)
            else value for name, value in values.items()}


def _table(mapper: Mapper[Any]) -> Table:
    return mapper.local_table  # type: ignore[return-value]


def _instance_cell(state: InstanceState[Any], table: Table, column: str) -> Cell:
    return cell(table, column, [state.dict[c.key] if c.key in state.dict else getattr(state.obj(), c.key)
                                for c in identity_columns(table)])


@event.listens_for(SQLModel, "before_insert", propagate=True)
@event.listens_for(SQLModel, "before_update", propagate=True)
def _bind_before_write(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    table = _table(mapper)
    state = attributes.instance_state(target)
    for name in encrypted_column_names(table):
        value = state.dict.get(name)
        if isinstance(value, str) and not isinstance(value, RowText):
            setattr(target, name, RowText(value, _instance_cell(state, table, name)))


@event.listens_for(SQLModel, "load", propagate=True)
def _open_after_load(target: Any, _context: Any) -> None:
    _open_sealed(attributes.instance_state(target))


@event.listens_for(SQLModel, "refresh", propagate=True)
def _open_after_refresh(target: Any, _context: Any, _attrs: Any) -> None:
    _open_sealed(attributes.instance_state(target))


def _open_sealed(state: InstanceState[Any]) -> None:
    table = _table(state.mapper)
    for name in encrypted_column_names(table):
        value = state.dict.get(name)
        if isinstance(value, Sealed):
            attributes.set_committed_value(state.obj(), name, value.open(_instance_cell(state, table, name)))
