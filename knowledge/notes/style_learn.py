"""Learn a clinic's house style from a handful of its example notes.

A clinic gives example notes (its own, or a corpus's training notes); the learner reads their headings and
sentences and writes a style file (knowledge/note_plan/style.yaml has the shape): which heading names each
subsection, the order the subsections come in, how long each part is written, and which of a fixed list of
sentence patterns the clinic uses ("Denies {}." or "No {}."). Only headings, counts and patterns are kept: no
word of a patient's note enters the style, so a note drafted with it still says only what was said.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from knowledge.datafile import load_model
from knowledge.errors import KnowledgeError
from knowledge.notes.plan import PLAN_DIR, NotePlan, Style

HEADINGS_FILE = "headings.yaml"
# "PMH: asthma" or "HISTORY OF PRESENT ILLNESS": a heading opens a line, alone or before a colon.
_HEADED = re.compile(r"^\s*([A-Za-z][A-Za-z /&()-]{0,40}?)\s*:\s*(.*)$")
_LABEL = re.compile(r"^[a-z][a-z ,&/-]{0,40}:\s*")
_SENTENCE_STARTS = re.compile(r"(?:^|(?<=[.!?])\s+|\n\s*(?:[-•*]|\d+[.)])?\s*)([A-Za-z/][^.!?\n]*)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HeadingsFile(_Strict):
    """headings.yaml: the names example notes give each subsection, and the sentence patterns to choose from."""

    untitled: str
    headings: dict[str, list[str]] = Field(min_length=1)
    patterns: dict[str, dict[str, list[str]]] = Field(default_factory=dict)

    def codes_of(self, heading: str) -> list[str]:
        said = " ".join(heading.lower().split())
        return [code for code, names in self.headings.items() if said in names]


@dataclass(frozen=True)
class Block:
    """One part of an example note: the subsections its heading names, the heading as written, its words."""

    codes: tuple[str, ...]
    heading: str | None
    text: str
    position: float  # 0 for the note's first part, 1 for its last

    @property
    def words(self) -> int:
        return len(self.text.split())


def load_headings(folder: Path | None = None) -> HeadingsFile:
    return load_model((folder or PLAN_DIR) / HEADINGS_FILE, HeadingsFile)


def blocks(note: str, headings: HeadingsFile) -> list[Block]:
    """The parts of one example note, by its headings; a line with an unknown heading stays in its part."""
    parts: list[tuple[tuple[str, ...], str | None, list[str]]] = [((headings.untitled,), None, [])]
    for line in note.splitlines():
        stripped = line.strip()
        alone = headings.codes_of(stripped.rstrip(":")) if stripped else []
        headed = _HEADED.match(line)
        inline = headings.codes_of(headed.group(1)) if headed and not alone else []
        if alone:
            parts.append((tuple(alone), stripped.rstrip(":"), []))
        elif inline and headed is not None:
            parts.append((tuple(inline), headed.group(1).strip(), [headed.group(2)]))
        else:
            parts[-1][2].append(line)
    found = [(codes, heading, "\n".join(lines)) for codes, heading, lines in parts
             if heading is not None or "\n".join(lines).strip()]
    last = max(len(found) - 1, 1)
    return [Block(codes, heading, text, index / last) for index, (codes, heading, text) in enumerate(found)]


def _title(heading: str) -> str:
    """"HISTORY OF PRESENT ILLNESS", "PLAN" -> sentence case; an abbreviation ("PMH", "HPC", "Imp") as written."""
    if heading.isupper() and (len(heading) > 4 or (len(heading) == 4 and re.search("[AEIOU]", heading[1:]))):
        return heading[:1] + heading[1:].lower()
    return heading


def _starts(text: str) -> Counter[str]:
    """How each sentence of a text opens, lower-cased, past a label ("Constitutional: Denies fevers")."""
    return Counter(_LABEL.sub("", " ".join(match.group(1).lower().split()))
                   for match in _SENTENCE_STARTS.finditer(text))


def _choose(candidates: list[str], starts: Counter[str]) -> str | None:
    """The pattern whose opening words open the most sentences; None when no opening is used at all."""
    def used(pattern: str) -> int:
        opening = pattern.split("{}")[0].strip().lower()
        return sum(n for start, n in starts.items() if opening and (start == opening or start.startswith(opening + " ")))
    counts = [(used(pattern), -index, pattern) for index, pattern in enumerate(candidates)]
    best = max(counts)
    return best[2] if best[0] > 0 else None


def learn_style(notes: Iterable[str], name: str, plan: NotePlan, headings: HeadingsFile) -> Style:
    """The house style of `notes`, over the base `plan`'s style: what the examples do not show stays as it was."""
    examples = [note for note in notes if note.strip()]
    if not examples:
        raise KnowledgeError("style: no example notes to learn from")
    known = {sub.code for section in plan.sections for sub in section.subsections}
    unknown = sorted({code for code in headings.headings if code not in known} | (
        {headings.untitled} - known) | {code for code in headings.patterns if code not in known})
    if unknown:
        raise KnowledgeError(f"{HEADINGS_FILE}: no subsection {', '.join(unknown)} in the note plan")
    titles: dict[str, Counter[str]] = defaultdict(Counter)
    words: dict[str, list[float]] = defaultdict(list)
    positions: dict[str, list[float]] = defaultdict(list)
    starts: Counter[str] = Counter()
    starts_in: dict[str, Counter[str]] = defaultdict(Counter)  # per subsection, from its own parts
    for note in examples:
        for block in blocks(note, headings):
            if block.heading and len(block.codes) == 1:
                titles[block.codes[0]][block.heading] += 1
            opened = _starts(block.text)
            starts.update(opened)
            for code in block.codes:
                words[code].append(block.words / len(block.codes))
                positions[code].append(block.position)
                starts_in[code].update(opened)
    base = plan.style
    order = {}
    for section in plan.sections:
        codes = [sub.code for sub in section.subsections]
        rank: dict[str, float] = {}
        for code in codes:  # one the examples never show keeps its place after the one before it
            before = rank[codes[codes.index(code) - 1]] if rank else min(
                (statistics.mean(positions[c]) for c in codes if positions[c]), default=0.0) - 2e-6
            rank[code] = statistics.mean(positions[code]) if positions[code] else before + 1e-6
        order[section.code] = sorted(codes, key=lambda code: (rank[code], codes.index(code)))
    phrases = {code: dict(keys) for code, keys in base.phrases.items()}
    for code, keys in headings.patterns.items():
        for key, candidates in keys.items():
            # the subsection's own parts say how it writes; a GP writing negatives in the history, the whole note
            chosen = _choose(candidates, starts_in[code]) or _choose(candidates, starts)
            if chosen is not None:
                phrases.setdefault(code, {})[key] = chosen
    lengths = dict(base.lengths) | {code: round(statistics.median(words[code])) for code in base.lengths if words[code]}
    return Style(name=name, titles=dict(base.titles) | {code: _title(c.most_common(1)[0][0]) for code, c in titles.items()},
                 order=order, lengths=lengths, phrases=phrases)


def style_yaml(style: Style, examples: int) -> str:
    """The style file's text, saying where it came from."""
    header = (f"# House style '{style.name}', learned from {examples} example notes by knowledge/notes/style_learn.py:\n"
              "# headings, their order, part lengths (median words) and sentence patterns; no words of the notes.\n")
    body: str = yaml.safe_dump(style.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=110)
    return header + body
