"""Accepting work: validate an upload, store it durably, and queue its job."""

from __future__ import annotations

from typing import BinaryIO

from sqlmodel import Session

from nlp.audio import AudioDecodeError, probe
from nlp.transcript_io import TranscriptFormatError, to_json
from service.errors import BadInput, TooLarge
from service.runtime import Runtime
from service.scribe import read_transcript_bytes
from service.store import consultations
from service.store.models import Consultation, Tenant


def accept_audio(runtime: Runtime, session: Session, tenant: Tenant, stream: BinaryIO,
                 content_type: str | None) -> Consultation:
    """Store the recording (fsync'd), check it opens as audio, then queue it.

    A file that is not audio is refused now with a clear error instead of
    failing later in the worker; nothing is queued for it.
    """
    stored = runtime.recordings.put(stream, runtime.settings.max_upload_bytes)
    try:
        probe(stored.path)
    except AudioDecodeError as exc:
        raise BadInput(f"audio: {exc}") from exc
    return consultations.create(session, tenant.id, recording=stored, content_type=content_type)


def accept_transcript(runtime: Runtime, session: Session, tenant: Tenant, stream: BinaryIO) -> Consultation:
    limit = runtime.settings.max_transcript_bytes
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the transcript is larger than the limit of {limit} bytes")
    try:
        transcript = read_transcript_bytes(data)
    except TranscriptFormatError as exc:
        raise BadInput(f"transcript: {exc}") from exc
    return consultations.create(session, tenant.id, transcript_json=to_json(transcript))
