"""The encrypted recording file: AES-256-GCM in chunks, written and read as streams (uploads reach 200 MB).

Layout (all integers big-endian)::

    header  MAGIC (8) | key id (16, ASCII hex) | salt (32) | plaintext chunk size (4)
    chunk i nonce (12) | ciphertext (chunk size; the last chunk 1..chunk size) | GCM tag (16)

Each file has its own key, HKDF-SHA256(master key, salt), so nonces never need coordinating across files.
Every chunk has a random nonce, and its associated data is the header, its index and a final flag, so
chunks cannot be reordered, dropped, or moved between files, and the last chunk cannot be cut off: a
file truncated at a chunk boundary ends in a chunk whose tag was made with final=0. The last chunk's
associated data also holds the plaintext's SHA-256 (the store's file name), binding name to content.

A reader is a seekable file object (PyAV decodes from it directly): only the chunk being read is in
memory, no plaintext is written anywhere. It checks the last chunk when it opens, so a truncated,
renamed or wrongly keyed file fails at once; any other damaged chunk fails when it is reached.
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from service.store.crypto import KEY_ID_CHARS, NONCE_BYTES, TAG_BYTES, IntegrityCheckFailed, Key, KeyRing

MAGIC = b"\x00SSENC1\n"  # a NUL first: no audio format or text starts like this
CHUNK_SIZE = 64 * 1024
_SALT_BYTES = 32
HEADER_BYTES = len(MAGIC) + KEY_ID_CHARS + _SALT_BYTES + 4
_OVERHEAD = NONCE_BYTES + TAG_BYTES
_INFO = b"soapscribe recording v1"


def is_encrypted(head: bytes) -> bool:
    return head[:len(MAGIC)] == MAGIC


def header_key_id(head: bytes) -> str | None:
    """The key id in a file's first bytes; None for a plaintext (legacy) file."""
    if not is_encrypted(head) or len(head) < len(MAGIC) + KEY_ID_CHARS:
        return None
    return head[len(MAGIC):len(MAGIC) + KEY_ID_CHARS].decode("ascii", "replace")


def _file_cipher(key: Key, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO).derive(key.secret)
    return AESGCM(derived)


def _aad(header: bytes, index: int, final: bool, sha256: str | None) -> bytes:
    tail = bytes.fromhex(sha256) if final and sha256 else b""
    return header + struct.pack(">QB", index, 1 if final else 0) + tail


class EncryptingWriter:
    """Encrypts what is written to it into `out`; `finish(sha256)` seals the last chunk with the content's hash.

    One chunk is held back until more data arrives, because only the last chunk is marked final.
    """

    def __init__(self, out: BinaryIO, key: Key, chunk_size: int = CHUNK_SIZE) -> None:
        self._out = out
        self._chunk_size = chunk_size
        salt = os.urandom(_SALT_BYTES)
        self._header = MAGIC + key.id.encode("ascii") + salt + struct.pack(">I", chunk_size)
        self._cipher = _file_cipher(key, salt)
        self._pending = bytearray()
        self._index = 0
        out.write(self._header)

    def write(self, data: bytes) -> None:
        self._pending += data
        while len(self._pending) > self._chunk_size:  # strictly more: a following byte proves it is not last
            self._emit(bytes(self._pending[:self._chunk_size]), final=False, sha256=None)
            del self._pending[:self._chunk_size]

    def finish(self, sha256: str) -> None:
        if not self._pending:
            raise ValueError("an encrypted recording holds at least one byte")
        self._emit(bytes(self._pending), final=True, sha256=sha256)
        self._pending.clear()

    def _emit(self, plain: bytes, *, final: bool, sha256: str | None) -> None:
        nonce = os.urandom(NONCE_BYTES)
        self._out.write(nonce + self._cipher.encrypt(nonce, plain, _aad(self._header, self._index, final, sha256)))
        self._index += 1


class DecryptingReader(io.RawIOBase):
    """The plaintext of an encrypted recording as a read-only, seekable file object."""

    def __init__(self, path: Path, keys: KeyRing, sha256: str) -> None:
        super().__init__()
        self._name = sha256[:12]
        self._sha256 = sha256
        self._file = path.open("rb")
        try:
            self._open(keys)
        except BaseException:
            self._file.close()
            raise

    def _open(self, keys: KeyRing) -> None:
        header = self._file.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not is_encrypted(header):
            raise self._damaged("its header is incomplete")
        kid = header[len(MAGIC):len(MAGIC) + KEY_ID_CHARS].decode("ascii", "replace")
        salt = header[len(MAGIC) + KEY_ID_CHARS:len(MAGIC) + KEY_ID_CHARS + _SALT_BYTES]
        (self._chunk_size,) = struct.unpack(">I", header[-4:])
        if self._chunk_size == 0:
            raise self._damaged("its header is invalid")
        self.key_id = kid
        self._header = header
        self._cipher = _file_cipher(keys.get(kid, f"recording {self._name}"), salt)
        body = os.fstat(self._file.fileno()).st_size - HEADER_BYTES
        stride = self._chunk_size + _OVERHEAD
        self._chunks = -(-body // stride)
        last = body - (self._chunks - 1) * stride
        if self._chunks == 0 or last <= _OVERHEAD:
            raise self._damaged("it is truncated")
        self.size = (self._chunks - 1) * self._chunk_size + last - _OVERHEAD
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None
        self._chunk(self._chunks - 1)  # the last chunk now: truncation, a renamed file or a wrong key fail here

    def _damaged(self, why: str) -> IntegrityCheckFailed:
        return IntegrityCheckFailed(f"the stored recording {self._name} failed its integrity check: {why} "
                                    "(altered, truncated or not the file of that recording); it cannot be read")

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        stride = self._chunk_size + _OVERHEAD
        self._file.seek(HEADER_BYTES + index * stride)
        sealed = self._file.read(stride)
        final = index == self._chunks - 1
        try:
            plain = self._cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:],
                                         _aad(self._header, index, final, self._sha256))
        except InvalidTag:
            raise self._damaged(f"chunk {index + 1} of {self._chunks} does not authenticate") from None
        self._cached = (index, plain)
        return plain

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill `buffer` across chunk boundaries (a short count only at the end), as a regular file does."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._pos < self.size:
            index, offset = divmod(self._pos, self._chunk_size)
            plain = self._chunk(index)
            count = min(len(view) - filled, len(plain) - offset)
            view[filled:filled + count] = plain[offset:offset + count]
            filled += count
            self._pos += count
        return filled

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self._cached = None
        super().close()


def encrypt_file(source: BinaryIO, out: BinaryIO, key: Key, sha256: str) -> None:
    """Copy `source` (plaintext) into `out` encrypted; used when re-encrypting under a new key."""
    writer = EncryptingWriter(out, key)
    while block := source.read(CHUNK_SIZE):
        writer.write(block)
    writer.finish(sha256)
