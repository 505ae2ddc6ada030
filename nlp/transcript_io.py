"""Read transcripts from text (`Speaker: text` lines) or JSON, and write them as JSON."""

from __future__ import annotations

import json
import math
import re

from pydantic import ValidationError

from nlp.errors import InputError
from nlp.types import Role, Segment, Transcript

_ROLE_BY_LABEL: dict[str, Role] = {
    **{label: "clinician" for label in ("doctor", "dr", "clinician", "physician", "nurse", "gp")},
    "patient": "patient", "pt": "patient",
}

# A speaker label is a short run of words before a colon at the start of a line.
_LINE = re.compile(r"^\s*(?P<label>[A-Za-z][\w .'-]{0,40}?)\s*:\s*(?P<text>.*)$")


class TranscriptFormatError(InputError):
    """The transcript cannot be read; the message says where and why."""


def role_for_label(label: str) -> Role:
    key = re.sub(r"[^a-z]", "", label.lower().split()[0]) if label.strip() else ""
    return _ROLE_BY_LABEL.get(key, "other")


def parse_text(text: str) -> Transcript:
    """Parse one utterance a line, `Speaker: text`; lines without a label continue the previous one."""
    segments: list[Segment] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match:
            segments.append(Segment(id=len(segments), speaker=role_for_label(match["label"]),
                                    text=match["text"].strip()))
        elif segments:
            last = segments[-1]
            segments[-1] = last.model_copy(update={"text": f"{last.text} {line.strip()}".strip()})
        else:
            raise TranscriptFormatError(f"line {number}: expected 'Speaker: text'")
    segments = [segment for segment in segments if segment.text]
    if not segments:
        raise TranscriptFormatError("the transcript is empty")
    return Transcript(segments=[segment.model_copy(update={"id": i}) for i, segment in enumerate(segments)])


def parse_json(text: str) -> Transcript:
    try:
        transcript = Transcript.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise TranscriptFormatError(f"not a transcript: {where}: {first['msg']}") from exc
    if not any(segment.text.strip() for segment in transcript.segments):
        raise TranscriptFormatError("the transcript is empty")
    _check_times(transcript)
    return transcript


def _check_times(transcript: Transcript) -> None:
    """Times are finite, non-negative seconds with end >= start: a client's NaN or 1e309 is refused here rather
    than stored and later unwritable as JSON."""
    if transcript.duration is not None and not (math.isfinite(transcript.duration) and transcript.duration >= 0):
        raise TranscriptFormatError(f"duration: {transcript.duration} is not a finite, non-negative number of seconds")
    for index, segment in enumerate(transcript.segments):
        spans = [(f"segments.{index}", segment.start, segment.end)]
        spans += [(f"segments.{index}.words.{k}", word.start, word.end) for k, word in enumerate(segment.words)]
        for where, start, end in spans:
            for name, value in (("start", start), ("end", end)):
                if value is not None and not (math.isfinite(value) and value >= 0):
                    raise TranscriptFormatError(f"{where}.{name}: {value} is not a finite, non-negative number "
                                                "of seconds")
            if start is not None and end is not None and end < start:
                raise TranscriptFormatError(f"{where}: end {end} is before start {start}")
        for k, word in enumerate(segment.words):
            if not math.isfinite(word.p):
                raise TranscriptFormatError(f"segments.{index}.words.{k}.p: {word.p} is not a finite number")


def parse(text: str) -> Transcript:
    """Parse JSON when the text looks like JSON, else `Speaker: text` lines."""
    if text.lstrip().startswith("{"):
        return parse_json(text)
    return parse_text(text)


def to_json(transcript: Transcript) -> str:
    return json.dumps(transcript.model_dump(mode="json"), ensure_ascii=False, indent=2)
