"""Content-addressed recording store: a file is encrypted, on disk and fsync'd before anyone is told it is
accepted.

Files are named by the SHA-256 of their *plaintext* (so the same recording uploaded twice is one file,
and an upload's idempotency does not depend on the key), and hold it encrypted (see encrypted_files.py).
A file written before encryption at rest existed is plaintext; it still reads, and `soapscribe
encryption rotate` encrypts it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from service.errors import BadInput, TooLarge
from service.store.crypto import IntegrityCheckFailed, KeyRing
from service.store.encrypted_files import MAGIC, DecryptingReader, EncryptingWriter, header_key_id, is_encrypted

_CHUNK = 1 << 20
HEAD_BYTES = 512


@dataclass(frozen=True)
class StoredRecording:
    sha256: str
    size: int
    path: Path  # the encrypted file; read it through RecordingStore.open


@dataclass(frozen=True)
class StagedRecording:
    """An upload read, hashed and encrypted in one pass, not yet in the store (see `RecordingStore.stage`)."""

    store: RecordingStore
    tmp: Path
    sha256: str  # of the plaintext
    size: int
    head: bytes  # the first HEAD_BYTES of the plaintext, to tell what it is

    def keep(self) -> StoredRecording:
        """Move the file into the store under its hash (atomically, fsync'd)."""
        final = self.store.path_for(self.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.tmp, final)
        _fsync_dir(final.parent)
        return StoredRecording(sha256=self.sha256, size=self.size, path=final)


class RecordingStore:
    def __init__(self, root: Path, keys: KeyRing) -> None:
        self.root = root
        self.keys = keys

    def path_for(self, sha256: str) -> Path:
        """Where the (encrypted) file of a recording lives: for existence checks and deletion, not reading."""
        return self.root / sha256[:2] / sha256

    def put(self, stream: BinaryIO, max_bytes: int) -> StoredRecording:
        """Encrypt `stream` into the store, hashing as it goes; refuse more than `max_bytes`."""
        with self.stage(stream, max_bytes) as staged:
            return staged.keep()

    @contextmanager
    def stage(self, stream: BinaryIO, max_bytes: int) -> Iterator[StagedRecording]:
        """Read `stream` once: hash it, note its first bytes and encrypt it to a temporary file in the store.

        The caller judges the upload from `sha256` and `head`, then `keep()`s it; a staged file not kept
        is removed on leaving the block, so a refused upload leaves nothing on disk.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        head = b""
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                writer = EncryptingWriter(out, self.keys.active)
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"the recording is larger than the limit of {max_bytes} bytes")
                    head = head or chunk[:HEAD_BYTES]
                    digest.update(chunk)
                    writer.write(chunk)
                if size == 0:
                    raise BadInput("the recording is empty")
                sha256 = digest.hexdigest()
                writer.finish(sha256)
                out.flush()
                os.fsync(out.fileno())
            yield StagedRecording(self, tmp, sha256, size, head)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        """The recording's plaintext as a seekable file object (decrypted as it is read; close it after use).

        A damaged file raises IntegrityCheckFailed, a file under a key not in the ring EncryptionKeyError
        (both when opened, or for a damaged middle chunk when it is reached); a missing one FileNotFoundError.
        """
        path = self.path_for(sha256)
        if not path.is_file():
            raise FileNotFoundError(sha256)
        with path.open("rb") as probe:
            head = probe.read(len(MAGIC))
        if is_encrypted(head):
            return DecryptingReader(path, self.keys, sha256)  # type: ignore[return-value]
        return path.open("rb")  # written before encryption at rest: plaintext until `encryption rotate`

    def key_id(self, sha256: str) -> str | None:
        """The id of the key a stored recording is encrypted with; None for a plaintext (legacy) file."""
        with self.path_for(sha256).open("rb") as handle:
            return header_key_id(handle.read(64))

    def reencrypt(self, sha256: str) -> bool:
        """Rewrite one recording under the active key (plaintext legacy files too); False if nothing to do.

        The new file replaces the old atomically, so an interrupted rotation leaves every file whole under
        one key or the other. The plaintext's hash is checked against the name on the way (a legacy file
        has no tag to check); a recording deleted meanwhile is not brought back.
        """
        path = self.path_for(sha256)
        try:
            before = path.stat()
            if self.key_id(sha256) == self.keys.active.id:
                return False
        except FileNotFoundError:
            return False
        fd, tmp_name = tempfile.mkstemp(prefix=".rotate-", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            with self.open(sha256) as source, os.fdopen(fd, "wb") as out:
                writer = EncryptingWriter(out, self.keys.active)
                while block := source.read(_CHUNK):
                    digest.update(block)
                    writer.write(block)
                if digest.hexdigest() != sha256:
                    raise IntegrityCheckFailed(f"the stored recording {sha256[:12]} does not match its name "
                                               "(its content was altered); it was left as it is")
                writer.finish(sha256)
                out.flush()
                os.fsync(out.fileno())
            try:
                now = path.stat()
            except FileNotFoundError:
                return False  # deleted while it was being re-encrypted: stays deleted
            if (now.st_ino, now.st_mtime_ns) != (before.st_ino, before.st_mtime_ns):
                return False  # replaced meanwhile (an upload of the same bytes), under the active key
            # The retention purge reads a file's mtime as "last uploaded": re-encrypting must not reset it.
            os.utime(tmp, ns=(before.st_atime_ns, before.st_mtime_ns))
            os.replace(tmp, path)
            _fsync_dir(path.parent)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def hashes(self) -> Iterator[str]:
        """The SHA-256 of every stored recording (temporary files of uploads in progress excluded)."""
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            if shard.is_dir() and len(shard.name) == 2:
                for file in sorted(shard.iterdir()):
                    if len(file.name) == 64 and file.name.startswith(shard.name) and file.is_file():
                        yield file.name


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
