"""Fragments: transcript segments, note sentences and quotes that stop inside a sentence that was said (issue 17).

    .venv/bin/python -m benchmarks.fragments [--out benchmarks/RESULTS.md] [--cache DIR] [--limit N]

Every rendered consultation: the scripts of tests/data/consultations and tests/data/plan_consultations spoken by
espeak-ng at 140 and 160 words a minute (benchmarks.speech_coverage's clips), and the gold consultations of
benchmarks.vocabulary_recall spoken by Piper and espeak-ng at 160 (benchmarks.asr_choice's clips). Each goes through
the service's flow in the default configuration (`Scribe.transcribe`, `extract`, `draft`). What was said is the
script, cut into clauses at its own punctuation (sentence ends, commas, colons, semicolons) and turns; the
transcript's words are aligned to it (lower case, no punctuation, numbers in words; `align`). A segment *stops inside
a sentence* when the script word its last recognised word is aligned to (the last one aligned, right or misheard)
does not end a clause, and the next word said was heard too (a sentence whose end Whisper lost is speech lost, which
benchmarks.speech_coverage counts, not a cut). A note sentence or a finding quotes a fragment when its evidence is
such a segment.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

from benchmarks.asr_choice import CACHE as GOLD_CACHE
from benchmarks.asr_choice import ENGINES, SPEED, bench_scribe, clip, rendered
from benchmarks.results import RESULTS, write_section
from benchmarks.speech_coverage import SPEEDS, normalise, rendered_scripts
from benchmarks.vocabulary_recall import subsets
from nlp.transcript_io import parse_text
from service.scribe import Scribe

ROOT = Path(__file__).resolve().parents[1]
SECTION = "fragments"
BEFORE = ("25 segments stopped inside a sentence, quoted by 19 note sentences and 12 findings' quotes (commit c5775f3, "
          "2026-12-06 23:04 UTC), before the sentence-end rules of nlp/asr/sentences.py (an ellipsis, a title's point "
          "and a full stop before a lower-case word end no sentence) and the turn starts of nlp/diarize/voices.py; "
          "12, 11 and 5 (commit 87b1676, 2026-12-06 23:33 UTC) before a sentence's last words that open the next "
          "voice chunk kept the voice that began it and a full stop before a digit or at the end of Whisper's window "
          "ended no sentence; 6, 4 and 2 (commit 9396797, 2026-12-07 12:56 UTC) with the words aligned to the script "
          "by a plain word error alignment (jiwer), which paired misheard words with their neighbours: 3 of the 6 were "
          "whole turns (\"And your medicine.\" for \"And your medicines?\")")
# A clause as written: a cut at a comma ("Not great." | "I've been using my inhaler a lot.") leaves whole clauses.
_CLAUSE = re.compile(r"(?:[^.?!,;:]|(?<=\d)[.,](?=\d))+[.?!,;:]*")


@dataclass(frozen=True)
class Consultation:
    name: str
    group: str
    audio: Path
    turns: list[str]  # what was said, turn by turn


@dataclass
class Tally:
    clips: int = 0
    segments: int = 0
    fragments: int = 0
    sentences: int = 0
    sentences_quoting: int = 0
    quotes: int = 0
    quotes_of_fragments: int = 0
    examples: list[str] = field(default_factory=list)


def script_words(turns: list[str]) -> tuple[list[str], list[bool]]:
    """The script's words as compared (normalised) and, for each, whether a sentence, a clause (a comma, a colon
    or a semicolon) or a turn ends with it."""
    words: list[str] = []
    ends: list[bool] = []
    for turn in turns:
        for clause in _CLAUSE.findall(turn):
            tokens = normalise(clause).split()
            words += tokens
            ends += [False] * (len(tokens) - 1) + [True] if tokens else []
    return words, ends


def fragments(transcript_words: list[list[str]], words: list[str], ends: list[bool],
              last_word: dict[int, int]) -> set[int]:
    """The segments (by id) that stop inside a said sentence. `transcript_words`: each recognised word's
    normalised tokens, in order; `last_word`: segment id -> index of its last recognised word."""
    tokens = [token for word in transcript_words for token in word]
    owner = [index for index, word in enumerate(transcript_words) for _ in word]
    if not tokens:
        return set()
    to_script = align(words, tokens)
    heard_script = set(to_script.values())
    last_token = {word: token for token, word in enumerate(owner)}  # a word's last token
    cut = set()
    for segment, word in last_word.items():
        token = last_token.get(word)
        while token is not None and token >= 0 and token not in to_script:
            token -= 1  # an inserted word: the last one aligned before it
        if token is None or token < 0:
            continue
        at = to_script[token]
        if not ends[at] and at + 1 in heard_script:
            cut.add(segment)
    return cut


def align(said: list[str], heard: list[str]) -> dict[int, int]:
    """Each heard token's said word (the same or misheard), by the alignment of least cost where a substitution
    costs how unlike the two words are (Indel distance, 0 to 1) and a word added or left out costs 1.

    A plain word error alignment counts every substitution as 1 and breaks its ties by position, so a misheard
    word is often paired with its neighbour: "lisinopril milligrams. And the hummus" against "lisinopril ten
    milligrams. Any numbness" put "milligrams" on "ten" (as cheap as leaving "ten" out), and "How's the asthma
    bin?" had "bin" added and "been" paired with the answer's "That's"; the segment then seemed to stop inside
    its sentence."""
    unlike = cdist(said, heard, scorer=Indel.normalized_distance)
    rows, columns = len(said), len(heard)
    cost = np.zeros((rows + 1, columns + 1))
    cost[:, 0] = np.arange(rows + 1)
    cost[0, :] = np.arange(columns + 1)
    for i in range(1, rows + 1):
        for j in range(1, columns + 1):
            cost[i, j] = min(cost[i - 1, j - 1] + unlike[i - 1, j - 1], cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    pairs: dict[int, int] = {}
    i, j = rows, columns
    while i and j:
        if np.isclose(cost[i, j], cost[i - 1, j - 1] + unlike[i - 1, j - 1]):
            pairs[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif np.isclose(cost[i, j], cost[i - 1, j] + 1):
            i -= 1
        else:
            j -= 1
    return pairs


def consultations(cache: Path, limit: int | None) -> list[Consultation]:
    """The rendered consultations, rendered once into the caches."""
    found = [Consultation(f"{path.stem} ({speed})", f"{path.parent.name}, espeak-ng", wav,
                          [turn.text for turn in parse_text(path.read_text(encoding="utf-8")).segments])
             for path, speed, wav in rendered_scripts(cache)]
    gold = [c for part in subsets().values() for c in part]
    rendered(gold, GOLD_CACHE)
    for consultation in gold:
        for engine in ENGINES:
            found.append(Consultation(f"{consultation.name} ({engine})", f"gold, {engine}",
                                      clip(GOLD_CACHE, consultation.name, engine),
                                      [turn.text for turn in consultation.transcript.segments]))
    return found[:limit] if limit else found


def measure(scribe: Scribe, chosen: list[Consultation], progress: bool = True) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for consultation in chosen:
        transcript = scribe.transcribe(consultation.audio)
        findings = scribe.extract(transcript)
        note = scribe.draft(transcript, findings)
        recognised = [word for segment in transcript.segments for word in segment.words]
        transcript_words = [normalise(word.w).split() for word in recognised]
        last_word, index = {}, -1
        for segment in transcript.segments:
            index += len(segment.words)
            if segment.words:
                last_word[segment.id] = index
        words, ends = script_words(consultation.turns)
        cut = fragments(transcript_words, words, ends, last_word)
        tally = tallies.setdefault(consultation.group, Tally())
        tally.clips += 1
        tally.segments += len(transcript.segments)
        tally.fragments += len(cut)
        quoted = [sentence for section in note.sections for sentence in section.sentences]
        tally.sentences += len(quoted)
        tally.sentences_quoting += sum(1 for sentence in quoted if {e.segment for e in sentence.evidence} & cut)
        evidence = [e for finding in findings.findings for e in finding.evidence]
        tally.quotes += len(evidence)
        tally.quotes_of_fragments += sum(1 for e in evidence if e.segment in cut)
        texts = {segment.id: segment.text for segment in transcript.segments}
        sentence_quotes = [sum(1 for sentence in quoted if segment in {e.segment for e in sentence.evidence})
                           for segment in sorted(cut)]
        finding_quotes = [sum(1 for e in evidence if e.segment == segment) for segment in sorted(cut)]
        tally.examples += [f"{consultation.name}: \"{texts[segment]}\" (quoted by {by_note} note sentences, "
                           f"{by_findings} findings' quotes)"
                           for segment, by_note, by_findings in zip(sorted(cut), sentence_quotes, finding_quotes,
                                                                     strict=True)]
        if progress:
            print(f"{consultation.name}: {len(transcript.segments)} segments, {len(cut)} cut "
                  f"{[texts[segment] for segment in sorted(cut)]}", flush=True)
    return tallies


def report(tallies: dict[str, Tally], when: str, seconds: float) -> str:
    lines = [
        "## Fragments: segments and quotes that stop inside a sentence said (issue 17)", "",
        (f"Measured {when} UTC on {platform.node()} ({len(os.sched_getaffinity(0))} cores; {seconds / 60:.1f} min). "
         "`python -m benchmarks.fragments`. Every rendered consultation (tests/data/consultations and "
         f"tests/data/plan_consultations by espeak-ng at {' and '.join(map(str, SPEEDS))} words a minute; the gold "
         f"consultations of benchmarks.vocabulary_recall by Piper and espeak-ng at {SPEED}) through the service's "
         "flow in the default configuration (transcribe, extract, draft). A segment *stops inside a sentence* when "
         "the script word its last recognised word is aligned to (an alignment where a substitution costs how unlike "
         "the two words are) ends no clause of the script (no sentence end, "
         "comma, colon or semicolon after it, not the end of a turn) and the next word said was heard; a note "
         "sentence or a finding's quote counts when its evidence is such a segment."), "",
        "| consultations | clips | segments | stop inside a sentence | note sentences | quoting one | findings' "
        "quotes | quoting one |",
        "|---|---|---|---|---|---|---|---|"]
    total = Tally()
    for group, tally in tallies.items():
        lines.append(f"| {group} | {tally.clips} | {tally.segments} | {tally.fragments} | {tally.sentences} | "
                     f"{tally.sentences_quoting} | {tally.quotes} | {tally.quotes_of_fragments} |")
        for name in ("clips", "segments", "fragments", "sentences", "sentences_quoting", "quotes",
                     "quotes_of_fragments"):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
        total.examples += tally.examples
    lines.append(f"| **all** | {total.clips} | {total.segments} | **{total.fragments}** | {total.sentences} | "
                 f"**{total.sentences_quoting}** | {total.quotes} | **{total.quotes_of_fragments}** |")
    lines += ["", (f"Target: 0 note sentences or quotes that stop inside a spoken sentence: "
                   f"{total.sentences_quoting + total.quotes_of_fragments} now. Before: {BEFORE}.")]
    if total.examples:
        lines += ["", "The segments that stop inside a sentence (synthetic consultations written for the tests):", ""]
        lines += [f"- {example}" for example in total.examples]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "speech_coverage",
                        help="rendered audio kept here between runs (shared with benchmarks.speech_coverage)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips")
    args = parser.parse_args()
    started = time.perf_counter()
    tallies = measure(bench_scribe(args.cache), consultations(args.cache, args.limit))
    section = report(tallies, f"{datetime.now(UTC):%Y-%m-%d %H:%M}", time.perf_counter() - started)
    write_section(args.out, SECTION, section)
    print(section)


if __name__ == "__main__":
    main()
