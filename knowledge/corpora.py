"""The shared development corpora (../shared/data: ACI-BENCH, PriMock57, MTS-Dialog): records by file and id.

The dialogues are public (CC BY 4.0) and never copied into the repository; gold files, tests and benchmarks
name a corpus file and a record id and read the words from the shared folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.types import Segment, Transcript

ROLES = ("clinician", "patient", "other")
REPOSITORY = Path(__file__).resolve().parent.parent


class CorpusNotFound(FileNotFoundError):
    """The shared data folder, a corpus file or a record is missing; the message names which."""


@dataclass(frozen=True)
class Record:
    """One dialogue of a corpus file, with its reference note (or note section)."""

    file: str
    id: str
    transcript: Transcript
    note: str
    raw: dict[str, Any]


def find_data(explicit: Path | None = None) -> Path:
    """The shared `data` folder: `explicit`, else `shared/data` beside the repository or the working directory."""
    candidates = [explicit] if explicit is not None else [
        REPOSITORY.parent / "shared" / "data", Path.cwd().parent / "shared" / "data", Path.cwd() / "shared" / "data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise CorpusNotFound(f"no shared data folder (tried {', '.join(str(c) for c in candidates)})")


def to_transcript(turns: Iterable[list[Any]]) -> Transcript:
    """Turns `[speaker, text]` or, timed, `[speaker, text, start, end]` as a transcript of segments."""
    segments: list[Segment] = []
    for speaker, text, *times in turns:
        if str(text).strip():
            start, end = (float(times[0]), float(times[1])) if len(times) == 2 else (None, None)
            segments.append(Segment(id=len(segments), speaker=speaker if speaker in ROLES else "other",
                                    text=str(text).strip(), start=start, end=end))
    ends = [segment.end for segment in segments if segment.end is not None]
    return Transcript(segments=segments, duration=max(ends) if ends else None)


def read_records(data: Path, file: str) -> list[Record]:
    """Every record of one corpus file (`aci-bench/train.jsonl`), in file order."""
    return list(_records(data.resolve(), file))


def record(data: Path, file: str, record_id: str) -> Record:
    """One record by corpus file and id."""
    for found in _records(data.resolve(), file):
        if found.id == record_id:
            return found
    raise CorpusNotFound(f"{data / file}: no record {record_id}")


@lru_cache(maxsize=16)
def _records(data: Path, file: str) -> tuple[Record, ...]:
    path = data / file
    if not path.is_file():
        raise CorpusNotFound(f"{path}: no such corpus file")
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        note = raw.get("note") or raw.get("section_text") or ""
        found.append(Record(file, raw["id"], to_transcript(raw["turns"]), note, raw))
    return tuple(found)
