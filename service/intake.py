"""Accepting work: validate an upload, store it durably, and queue its job.

What an upload is comes from its bytes (magic numbers), never from the client's Content-Type header
or file name: text sent as `audio`, or a recording sent as `transcript`, is refused with 415.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from sqlmodel import Session, SQLModel

from nlp.audio import AudioDecodeError, probe
from nlp.transcript_io import TranscriptFormatError, to_json
from nlp.types import Role
from service.consent import RecordingConsent, require_for_recording
from service.errors import BadInput, TooLarge, UnsupportedMediaType, unavailable
from service.jobs.webhooks import check_callback_url
from service.runtime import Runtime
from service.scribe import read_transcript_bytes
from service.speakers import apply_to_transcript
from service.vocabulary import dedupe
from service.store import consultations
from service.store import vocabulary as clinic_vocabulary
from service.store.audit import Actor, record
from service.store.consultations import Idempotency
from service.store.models import Consultation
from service.store.recordings import StagedRecording

AUDIO_FORMATS = "wav, mp3, ogg, flac, m4a, webm"


@dataclass(frozen=True)
class Intake:
    consultation: Consultation
    replayed: bool = False  # an earlier request with the same Idempotency-Key created it


def sniff_audio(head: bytes) -> str | None:
    """The audio media type the first bytes of a file announce, or None if they announce none we take."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"fLaC":
        return "audio/flac"
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM / Matroska
        return "audio/webm"
    if head[4:8] == b"ftyp":  # ISO base media: m4a, mp4
        return "audio/mp4"
    if head[:3] == b"ID3" or _mpeg_frame(head):
        return "audio/mpeg"
    return None


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio layer II/III frame header (layer I is excluded: its sync matches a UTF-16 BOM)."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer, bitrate = (head[1] >> 3) & 3, (head[1] >> 1) & 3, head[2] >> 4
    return version != 1 and layer in (1, 2) and bitrate != 15


def looks_like_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes (a multi-byte character cut at the end of `head` is allowed)."""
    if not head or b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _request_sha256(field: str, content_sha256: str, callback_url: str | None, vocabulary: list[str] | None = None,
                    ) -> str:
    """What an Idempotency-Key is bound to: the file field, the file's bytes, the callback URL and the upload's
    vocabulary (its checked terms, so '["A", "B"]' and "A, B" are one; none hashes as before it was bound)."""
    bound = f"{field}\n{content_sha256}\n{callback_url or ''}" + (f"\n{json.dumps(vocabulary)}" if vocabulary else "")
    return hashlib.sha256(bound.encode()).hexdigest()


def _replay(session: Session, actor: Actor, idempotency: Idempotency | None) -> Intake | None:
    if idempotency is None:
        return None
    existing = consultations.find_idempotent(session, actor.tenant_id, idempotency)
    if existing is None:
        return None
    record(session, actor, "read", existing.id)
    session.commit()
    return Intake(existing, replayed=True)


def _create(session: Session, actor: Actor, idempotency: Idempotency | None, **fields: object) -> Intake:
    if idempotency is None:
        return Intake(consultations.create(session, actor.tenant_id, actor=actor, **fields))  # type: ignore[arg-type]
    consultation, replayed = consultations.create_once(session, actor, idempotency, **fields)
    return Intake(consultation, replayed)


def accept_audio(runtime: Runtime, session: Session, actor: Actor, stream: BinaryIO,
                 idempotency_key: str | None = None, callback_url: str | None = None,
                 consent: RecordingConsent | None = None, speakers: dict[str, Role] | None = None,
                 vocabulary: list[str] | None = None, with_row: Callable[[str], SQLModel] | None = None) -> Intake:
    """Check the recording's size and kind, store it (fsync'd), check it opens as audio, then queue it.

    `vocabulary` (the upload's terms) is stored with the clinic's terms as they are now, for the job;
    `with_row` makes a row inserted with the consultation (`consultations.create`), such as its EHR link.

    A file that is not audio is refused now with a clear error instead of
    failing later in the worker; nothing is queued for it.
    """
    callback_url = check_callback_url(callback_url, runtime.settings, session, actor.tenant_id)
    # One pass over the upload hashes it, keeps its first bytes and encrypts it into the store's staging file;
    # the checks below judge it from those, and only a recording that passes them all is kept.
    with _staged(runtime, stream) as staged:
        content_type = sniff_audio(staged.head)
        if content_type is None:
            if looks_like_text(staged.head):
                raise UnsupportedMediaType("the 'audio' file is text, not a recording; send a transcript in the "
                                           "'transcript' field")
            raise UnsupportedMediaType(f"the 'audio' file is not a recording in a supported format "
                                       f"({AUDIO_FORMATS}), judged from its bytes")
        # Checked once the bytes are known to be a recording, and before anything is kept.
        require_for_recording(consent, runtime.settings)
        idempotency = Idempotency(idempotency_key, _request_sha256("audio", staged.sha256, callback_url, vocabulary)) \
            if idempotency_key else None
        if (replay := _replay(session, actor, idempotency)) is not None:
            return replay
        stream.seek(0)  # probed before it is kept, so a refused upload leaves nothing on disk
        try:
            seconds = probe(stream)
        except AudioDecodeError as exc:
            raise BadInput(f"audio: {exc}") from exc
        if seconds > runtime.settings.max_audio_seconds:
            raise TooLarge(f"the recording is {_hms(seconds)} long, longer than the limit of "
                           f"{_hms(runtime.settings.max_audio_seconds)} (max_audio_seconds)")
        stored = staged.keep()
    terms = dedupe(vocabulary or (), clinic_vocabulary.tenant_terms(session, actor.tenant_id))
    return _create(session, actor, idempotency, recording=stored, content_type=content_type,
                   callback_url=callback_url, consent=consent,
                   speakers_json=json.dumps(speakers) if speakers else None,
                   vocabulary_json=json.dumps(terms) if terms else None, with_row=with_row)


@contextmanager
def _staged(runtime: Runtime, stream: BinaryIO) -> Iterator[StagedRecording]:
    """`RecordingStore.stage` with a full disk answered 507 (the partial file is removed by the store)."""
    try:
        with runtime.recordings.stage(stream, runtime.settings.max_upload_bytes) as staged:
            yield staged
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise unavailable(exc) from exc
        raise


def _hms(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def accept_transcript(runtime: Runtime, session: Session, actor: Actor, stream: BinaryIO,
                      idempotency_key: str | None = None, callback_url: str | None = None,
                      consent: RecordingConsent | None = None, speakers: dict[str, Role] | None = None,
                      with_row: Callable[[str], SQLModel] | None = None) -> Intake:
    callback_url = check_callback_url(callback_url, runtime.settings, session, actor.tenant_id)
    limit = runtime.settings.max_transcript_bytes
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the transcript is larger than the limit of {limit} bytes")
    if sniff_audio(data[:512]) is not None:
        raise UnsupportedMediaType("the 'transcript' file is a recording; send it in the 'audio' field")
    idempotency = Idempotency(idempotency_key, _request_sha256("transcript", hashlib.sha256(data).hexdigest(),
                                                               callback_url)) if idempotency_key else None
    if (replay := _replay(session, actor, idempotency)) is not None:
        return replay
    try:
        transcript = read_transcript_bytes(data)
    except TranscriptFormatError as exc:
        raise BadInput(f"transcript: {exc}") from exc
    transcript = apply_to_transcript(transcript, speakers)  # only a transcript with diarized voices takes them
    return _create(session, actor, idempotency, transcript_json=to_json(transcript), callback_url=callback_url,
                   consent=consent, with_row=with_row)
