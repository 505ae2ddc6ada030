"""The job itself: one consultation from its input to a stored draft note.

The embedded worker and (later) Celery workers call `process_consultation`;
it records each stage and its progress on the consultation row.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from sqlalchemy import Engine

from nlp.asr.base import AsrProgress
from nlp.transcript_io import parse_json, to_json
from service.ehr.vocabulary import chart_vocabulary
from service.errors import BadInput
from service.store import consultations, notes
from service.store.recordings import RecordingStore
from service.scribe import Scribe
from service.vocabulary import dedupe

log = logging.getLogger(__name__)

# Progress is written to the database at most this often while transcribing.
_PROGRESS_INTERVAL_S = 1.0


def process_consultation(engine: Engine, scribe: Scribe, recordings: RecordingStore, consultation_id: str,
                         heartbeat: Callable[[], None] = lambda: None) -> None:
    """Run every stage and store the results; raises on failure (the caller decides about retries)."""
    consultation = consultations.load(engine, consultation_id)
    if consultation.status == "deleted":  # deleted while queued: nothing left to process
        return
    started = time.perf_counter()
    if consultation.input_kind == "audio":
        consultations.set_fields(engine, consultation_id, status="transcribing", progress=0.0, error=None)
        # Opened from an EHR: the patient's medications and problems on the chart come first in its vocabulary.
        chart = chart_vocabulary(engine, consultation, scribe.settings)
        consultations.set_fields(engine, consultation_id,
                                 warnings_json=json.dumps([chart.warning]) if chart.warning else None)
        vocabulary = dedupe(chart.terms, json.loads(consultation.vocabulary_json or "[]"))
        last_write = 0.0

        def on_progress(progress: AsrProgress) -> None:
            nonlocal last_write
            now = time.monotonic()
            if now - last_write >= _PROGRESS_INTERVAL_S:
                last_write = now
                consultations.set_fields(engine, consultation_id, progress=round(progress.fraction * 0.9, 3))
                heartbeat()

        # Decrypted as PyAV reads it: no plaintext copy of the recording is written anywhere.
        with recordings.open(consultation.recording_sha256 or "") as audio:
            transcript = scribe.transcribe(audio, on_progress=on_progress,
                                           speakers=json.loads(consultation.speakers_json or "{}"),
                                           vocabulary=vocabulary)
        if not any(segment.text.strip() for segment in transcript.segments):
            # Silence, music or noise: an empty draft would look like a consultation where nothing was said.
            raise BadInput(f"no speech was recognised in the recording ({transcript.duration or 0:.1f} s of "
                           "audio): it may be silence, music or noise")
        consultations.set_fields(engine, consultation_id, transcript_json=to_json(transcript))
    else:
        transcript = parse_json(consultation.transcript_json or "")
    heartbeat()

    consultations.set_fields(engine, consultation_id, status="extracting", progress=0.9)
    drafted = scribe.write_note(transcript, on_findings=lambda findings: consultations.set_fields(
        engine, consultation_id, status="drafting", progress=0.95, findings_json=findings.model_dump_json()))
    findings = drafted.findings
    notes.save_draft(engine, consultation_id, drafted.note.model_dump_json(), drafted.text)  # version 1; ready
    log.info("consultation processed", extra={"consultation": consultation_id, "input": consultation.input_kind,
                                              "segments": len(transcript.segments),
                                              "findings": len(findings.findings),
                                              "seconds": round(time.perf_counter() - started, 2)})

