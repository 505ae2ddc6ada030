"""Encryption keys and AES-256-GCM for what soapscribe keeps at rest (recordings, transcripts, notes).

A key ring holds one or more 256-bit keys; the first is the *active* key (everything new is encrypted
with it), every key can decrypt. A key's id is a fingerprint of the key itself (HMAC-SHA256 of a fixed
label, 8 bytes hex), so a wrong key can never pass for the right one: data under a key that is not in
the ring names that id, and a key file whose id does not match its key is refused when it is loaded.

Keys come from `SOAPSCRIBE_ENCRYPTION_KEY` (one base64 key, active) and/or the key file
(`SOAPSCRIBE_ENCRYPTION_KEY_FILE`, default `<data dir>/encryption.keys`): one `<id> <base64 key>` line a
key, first line active. With neither configured nor present, a key file is generated (mode 0600) so a
first run needs no set-up; a WARNING says that the key belongs on another volume than the data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.errors import ScribeError, ServerMisconfigured
from service.settings import Settings

log = logging.getLogger(__name__)

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_CHARS = 16
_KEY_ID_LABEL = b"soapscribe key id v1"
# Stored text values look like "ss-enc:v2:<key id>:<base64(nonce | ciphertext | tag)>"; anything else is a
# value written before encryption at rest existed (read as it is, re-encrypted by `encryption rotate`).
# v2 binds the ciphertext to its cell (table, column, row) through the associated data, so a value copied to
# another row, column or tenant fails its integrity check; v1 values (bound to nothing) are re-encrypted by
# migration 0007 and not read otherwise.
TEXT_PREFIX = "ss-enc:v2:"
TEXT_PREFIX_V1 = "ss-enc:v1:"
_TEXT_AAD = b"soapscribe text v2:"
_TEXT_AAD_V1 = b"soapscribe text v1:"
KEY_FILE_HEADER = ("# soapscribe encryption keys: one '<id> <base64 key>' a line. The FIRST key is the active\n"
                   "# key (encrypts everything new); every key listed decrypts. Keep this file on another\n"
                   "# volume than the data directory, mode 0600, and in your secrets backup.\n")


class EncryptionKeyError(ServerMisconfigured):
    """The keys are missing, unreadable or malformed, or data is under a key the ring does not hold."""

    title = "Encryption key problem"


class IntegrityCheckFailed(ScribeError):
    """Stored ciphertext failed authentication: altered, truncated, or moved from elsewhere."""

    status = HTTPStatus.INTERNAL_SERVER_ERROR
    title = "Stored data damaged"


def key_id(secret: bytes) -> str:
    """The key's public fingerprint: names the key in headers and key files without revealing it."""
    return hmac.new(secret, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:KEY_ID_CHARS]


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes = b""

    def __repr__(self) -> str:  # never print key material, not even in a traceback's locals
        return f"Key(id={self.id!r})"

    @classmethod
    def generate(cls) -> Key:
        secret = secrets.token_bytes(KEY_BYTES)
        return cls(id=key_id(secret), secret=secret)

    def line(self) -> str:
        """The key's line in a key file."""
        return f"{self.id} {base64.b64encode(self.secret).decode()}"


@dataclass(frozen=True)
class Cell:
    """Where a text value is stored: the associated data its ciphertext is bound to."""

    table: str
    column: str
    row: tuple[str, ...]  # the row's identity (its primary key, or the table's `row_identity` columns)

    def aad(self, kid: str) -> bytes:
        return b"\0".join(part.encode() for part in (kid, self.table, self.column, *self.row))

    def __str__(self) -> str:
        return f"{self.table}.{self.column} of row {'/'.join(self.row)}"


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[Key, ...]  # the first is the active key
    source: str  # where the keys came from, for error messages (never the keys themselves)

    @property
    def active(self) -> Key:
        return self.keys[0]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(key.id for key in self.keys)

    def get(self, wanted: str, what: str = "data") -> Key:
        """The key with id `wanted`, or an error that names it and where keys were looked for."""
        for key in self.keys:
            if key.id == wanted:
                return key
        # No file path here: this message can reach an API client as a problem's detail.
        raise EncryptionKeyError(f"the stored {what} is encrypted with key {wanted}, which is not among the "
                                 f"configured keys ({', '.join(self.ids)}); restore the key file that holds {wanted}")

    def encrypt_text(self, text: str, cell: Cell) -> str:
        key = self.active
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key.secret).encrypt(nonce, text.encode("utf-8"), _TEXT_AAD + cell.aad(key.id))
        return f"{TEXT_PREFIX}{key.id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt_text(self, stored: str, cell: Cell) -> str:
        """The plaintext of the value stored in `cell`; a value without a prefix is legacy plaintext, returned as
        is. Fails its integrity check if the ciphertext was written for another cell."""
        if stored.startswith(TEXT_PREFIX_V1):
            raise IntegrityCheckFailed(f"{cell} is stored in the format before row binding; run "
                                       "`soapscribe db upgrade` (migration 0007 re-encrypts it)")
        if not stored.startswith(TEXT_PREFIX):
            return stored
        kid, raw = self._split(stored, TEXT_PREFIX)
        return self._open(kid, raw, _TEXT_AAD + cell.aad(kid), f"the stored {cell} under key {kid}")

    def encrypt_text_v1(self, text: str) -> str:
        """The unbound format of before migration 0007, for its downgrade only."""
        key = self.active
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key.secret).encrypt(nonce, text.encode("utf-8"), _TEXT_AAD_V1 + key.id.encode())
        return f"{TEXT_PREFIX_V1}{key.id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt_text_v1(self, stored: str) -> str:
        """A value in the unbound format of before migration 0007, which re-encrypts it bound to its cell."""
        kid, raw = self._split(stored, TEXT_PREFIX_V1)
        return self._open(kid, raw, _TEXT_AAD_V1 + kid.encode(), f"a stored text value under key {kid}")

    def _split(self, stored: str, prefix: str) -> tuple[str, str]:
        kid, _, body = stored[len(prefix):].partition(":")
        return kid, body

    def _open(self, kid: str, body: str, aad: bytes, what: str) -> str:
        key = self.get(kid, "text")
        try:
            raw = base64.b64decode(body, validate=True)
            text = AESGCM(key.secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        except (binascii.Error, InvalidTag, ValueError) as exc:
            raise IntegrityCheckFailed(f"{what} failed its integrity check (altered, truncated, or copied from "
                                       "another row or column in the database); it cannot be read") from exc
        return text.decode("utf-8")


def text_key_id(stored: str) -> str | None:
    """The id of the key a stored text value is encrypted with; None for legacy plaintext."""
    if not stored.startswith((TEXT_PREFIX, TEXT_PREFIX_V1)):
        return None
    return stored[len(TEXT_PREFIX):len(TEXT_PREFIX) + KEY_ID_CHARS]


def key_file_path(settings: Settings) -> Path:
    return settings.encryption_key_file or settings.data_dir / "encryption.keys"


def load_keyring(settings: Settings, *, create: bool = True) -> KeyRing:
    """The configured keys (env key first, then the key file's); a key file is generated when none exists.

    Every problem is an EncryptionKeyError whose message names the setting or file and what is wrong.
    """
    keys: list[Key] = []
    sources: list[str] = []
    if settings.encryption_key is not None:
        keys.append(_parse_env_key(settings.encryption_key.get_secret_value()))
        sources.append("SOAPSCRIBE_ENCRYPTION_KEY")
    path = key_file_path(settings)
    if settings.encryption_key_file is not None and not path.exists():
        raise EncryptionKeyError(f"SOAPSCRIBE_ENCRYPTION_KEY_FILE={path}: no such file (create it with "
                                 "`soapscribe encryption new-key`, or restore it from the secrets backup)")
    if path.exists():
        keys.extend(key for key in read_key_file(path) if key.id not in {k.id for k in keys})
        sources.append(str(path))
    elif not keys and create:
        keys.extend(read_key_file(_create_default_key_file(path)))
        sources.append(str(path))
    if not keys:
        raise EncryptionKeyError(f"no encryption key: set SOAPSCRIBE_ENCRYPTION_KEY or create {path} with "
                                 "`soapscribe encryption new-key`")
    return KeyRing(keys=tuple(keys), source=" and ".join(sources))


def _parse_env_key(value: str) -> Key:
    try:
        secret = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise EncryptionKeyError("SOAPSCRIBE_ENCRYPTION_KEY is not base64 (expected a 32-byte AES-256 key, "
                                 "e.g. from `openssl rand -base64 32`)") from None
    if len(secret) != KEY_BYTES:
        raise EncryptionKeyError(f"SOAPSCRIBE_ENCRYPTION_KEY holds {len(secret)} bytes; an AES-256 key is "
                                 f"{KEY_BYTES} bytes (e.g. `openssl rand -base64 32`)")
    return Key(id=key_id(secret), secret=secret)


def read_key_file(path: Path) -> list[Key]:
    """Parse a key file; the error names the file and line of any malformed or mismatched key."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except (OSError, UnicodeDecodeError) as exc:
        raise EncryptionKeyError(f"encryption key file {path}: cannot be read ({exc.__class__.__name__}: "
                                 f"{getattr(exc, 'strerror', None) or exc})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("encryption key file %s is readable by others than its owner (mode %o); chmod 600 it",
                    path, stat.S_IMODE(mode))
    keys: list[Key] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        where = f"encryption key file {path}, line {number}"
        if len(parts) != 2:
            raise EncryptionKeyError(f"{where}: expected '<id> <base64 key>'")
        kid, encoded = parts
        try:
            secret = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise EncryptionKeyError(f"{where}: the key is not base64") from None
        if len(secret) != KEY_BYTES:
            raise EncryptionKeyError(f"{where}: the key holds {len(secret)} bytes, an AES-256 key {KEY_BYTES}")
        if key_id(secret) != kid:
            raise EncryptionKeyError(f"{where}: the id {kid} does not match its key (a damaged or mistyped line; "
                                     f"that key's id is {key_id(secret)})")
        if kid not in {key.id for key in keys}:
            keys.append(Key(id=kid, secret=secret))
    if not keys:
        raise EncryptionKeyError(f"encryption key file {path} holds no key")
    return keys


def write_key_file(path: Path, keys: list[Key]) -> None:
    """Replace the key file atomically (mode 0600): a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(KEY_FILE_HEADER + "".join(key.line() + "\n" for key in keys))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _create_default_key_file(path: Path) -> Path:
    """Generate a one-key file; when several processes start at once, the first link wins and all use it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(KEY_FILE_HEADER + Key.generate().line() + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # fails if another process made the file first: then that one is used
        except FileExistsError:
            return path
        log.warning("generated an encryption key in %s: recordings and transcripts are encrypted with it. "
                    "Move it to another volume than the data (SOAPSCRIBE_ENCRYPTION_KEY_FILE) and back it up "
                    "with your secrets: without it nothing stored can be read", path)
        return path
    finally:
        Path(tmp).unlink(missing_ok=True)
