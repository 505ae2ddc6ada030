"""Note quality: ROUGE of the drafted notes against the corpora's reference notes, note length, topic guidance
where it does not belong, and the time to draft.

    .venv/bin/python -m benchmarks.note_quality [--shared PATH] [--out benchmarks/RESULTS.md] [--corpus NAME]

ROUGE-1/2/Lsum (`rouge-score`, stemmed) of the note's sections as Markdown with the marks removed, its
suggestions left out (they are not the clinician's note). Per section, the ACI-BENCH division: subjective,
objective exam (vitals + physical exam), objective results, assessment and plan. Tune on ACI-BENCH train only.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rouge_score import rouge_scorer

from benchmarks.medication_reference import Reader, find_names
from benchmarks.results import RESULTS, write_section
from knowledge.corpora import Record, find_data, read_records
from knowledge.drafting import Drafter
from knowledge.extract import Extractor
from knowledge.note import Note
from knowledge.render import render
from nlp.lexicon import normalise
from nlp.types import Segment, Transcript

SECTION = "note_quality"
CORPORA = {"aci-valid": "aci-bench/valid.jsonl", "aci-train": "aci-bench/train.jsonl",
           "primock57": "primock57/consultations.jsonl"}
BASELINES = [  # ACI-BENCH valid, from issue 18 (measured the same way)
    ("nearest training note (UMLS retrieval baseline of the ACI-BENCH paper)", 51.8, 22.5, 47.4),
    ("the first 12 doctor turns, copied", 38.6, 14.4, 35.7),
    ("the whole transcript, copied", 35.4, 14.5, 33.0),
    ("soapscribe before the note plan (issue 18)", 35.0, 11.3, 32.3),
]
METRICS = ("rouge1", "rouge2", "rougeLsum")
# Reference headings by ACI-BENCH division (its evaluation splits notes the same way).
DIVISIONS = {
    "subjective": ["chief complaint", "cc", "history of present illness", "hpi", "review of systems",
                   "medical history", "past history", "past medical history", "surgical history",
                   "past surgical history", "social history", "family history", "medications",
                   "current medications", "allergies", "birth history"],
    "objective_exam": ["physical exam", "physical examination", "exam", "vitals", "vitals reviewed", "vital signs"],
    "objective_results": ["results"],
    "assessment_and_plan": ["assessment and plan", "assessment", "plan", "instructions", "impression", "procedure"],
}
OURS = {"subjective": {"subjective"}, "objective_exam": {"vital_signs", "physical_exam"},
        "objective_results": {"results"}, "assessment_and_plan": {"assessment", "plan"}}
CRAMP = re.compile(r"cramp|spasm", re.I)
# What the visit was about, by its reference note (not by our findings): cramps of the leg, or at night.
LEG_CRAMPS_NOTED = re.compile(r"(leg|calf|calves|thigh|foot|feet|hamstring|nocturnal|night)\W+(?:\w+\W+){0,3}?"
                              r"cramp|cramp\w*\W+(?:\w+\W+){0,3}?(leg|calf|calves|thigh|foot|feet|night)|charley horse",
                              re.I)
WORDS_PER_MINUTE = 150  # conversational speech: a 15-minute consultation is about 2,250 words


def plain(markdown: str) -> str:
    """Markdown without its marks, one sentence or heading a line (ROUGE-Lsum splits at newlines)."""
    lines = []
    for line in markdown.splitlines():
        line = re.sub(r"^\s*(?:#+|[-*•]|\d+\.)\s*", "", line)
        line = re.sub(r"[*_`]", "", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def clinician_note(note: Note) -> str:
    """The note as Markdown without the knowledge base's suggestions."""
    return plain(render(note.model_copy(update={"suggestions": []}), "markdown"))


def reference_divisions(text: str) -> dict[str, str]:
    """The reference note's lines by division, by its headings (lines before any heading: subjective)."""
    parts: dict[str, list[str]] = {name: [] for name in DIVISIONS}
    current = "subjective"
    for line in text.splitlines():
        heading = line.strip().rstrip(":").lower()
        found = next((name for name, heads in DIVISIONS.items() if heading in heads), None)
        if found and line.strip().upper() == line.strip():
            current = found
            continue
        if line.strip():
            parts[current].append(line.strip())
    return {name: "\n".join(lines) for name, lines in parts.items()}


def our_divisions(note: Note) -> dict[str, str]:
    parts: dict[str, list[str]] = {name: [] for name in OURS}
    for section in note.sections:
        for sub in section.subsections:
            for name, codes in OURS.items():
                if sub.code in codes or section.code in codes:
                    parts[name] += [s.text for s in sub.sentences]
    return {name: "\n".join(lines) for name, lines in parts.items()}


@dataclass
class Drafted:
    record: Record
    note: Note
    seconds: float


def draft_all(records: list[Record], extractor: Extractor, drafter: Drafter) -> list[Drafted]:
    drafted = []
    for record in records:
        started = time.perf_counter()
        note = drafter.draft(record.transcript, extractor.extract(record.transcript))
        drafted.append(Drafted(record, note, time.perf_counter() - started))
    return drafted


def rouge(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Mean F1 x 100 over (ours, reference) pairs."""
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = {m: 0.0 for m in METRICS}
    for ours, reference in pairs:
        scores = scorer.score(reference, ours)
        for m in METRICS:
            totals[m] += scores[m].fmeasure
    return {m: 100 * totals[m] / max(len(pairs), 1) for m in METRICS}


def length_ratio(drafted: list[Drafted]) -> float:
    return statistics.median(len(clinician_note(d.note).split()) / max(len(d.record.note.split()), 1)
                             for d in drafted)


def fifteen_minutes(records: list[Record], minutes: int = 15) -> Transcript:
    """Dialogues of the corpus end to end until about 15 (or `minutes`) minutes of speech."""
    segments: list[Segment] = []
    words = 0
    for record in records:
        for segment in record.transcript.segments:
            if words >= minutes * WORDS_PER_MINUTE:
                return Transcript(segments=segments)
            segments.append(segment.model_copy(update={"id": len(segments)}))
            words += len(segment.text.split())
    return Transcript(segments=segments)


def speed(transcript: Transcript, extractor: Extractor, drafter: Drafter, runs: int = 7) -> tuple[float, float]:
    """Median seconds of (findings, note) for the transcript."""
    finding, drafting = [], []
    for _ in range(runs):
        started = time.perf_counter()
        findings = extractor.extract(transcript)
        found = time.perf_counter()
        drafter.draft(transcript, findings)
        finding.append(found - started)
        drafting.append(time.perf_counter() - found)
    return statistics.median(finding), statistics.median(drafting)


def reference_match(drafted: list[Drafted], codes_in: Callable[[str], Iterable[str]]) -> tuple[float, float, int, int]:
    """Micro recall and precision of the codes the reference notes name in ours, both notes read by `codes_in`:
    (recall, precision, ref, ours)."""
    hit = ref = ours = 0
    for d in drafted:
        theirs, mine = set(codes_in(d.record.note)), set(codes_in(clinician_note(d.note)))
        hit, ref, ours = hit + len(theirs & mine), ref + len(theirs), ours + len(mine)
    return hit / max(ref, 1), hit / max(ours, 1), ref, ours


def problem_names(extractor: Extractor) -> dict[str, str]:
    """The problem lexicon (conditions of the general pack and the topic), normalised phrase -> code."""
    return {normalise(phrase): term.code for term in extractor.knowledge.to_nlp().terms if term.kind == "condition"
            for phrase in term.phrases}


def _row(label: str, scores: dict[str, float]) -> str:
    return f"| {label} | " + " | ".join(f"{scores[m]:.1f}" for m in METRICS) + " |"


def report(results: dict[str, list[Drafted]], seconds: tuple[float, float], words: int,
           extractor: Extractor) -> str:
    lines = ["## Note quality (`python -m benchmarks.note_quality`)", "",
             "ROUGE F1 x 100 (`rouge-score`, stemmed; Markdown marks removed; the knowledge-base suggestions left "
             "out) of the drafted notes against the reference notes. Tuned on ACI-BENCH train only; valid is "
             "measured, not tuned on.", "",
             "| system (ACI-BENCH valid, 20 encounters) | ROUGE-1 | ROUGE-2 | ROUGE-Lsum |", "|---|---|---|---|"]
    lines += [f"| {label} | {r1} | {r2} | {rl} |" for label, r1, r2, rl in BASELINES]
    if "aci-valid" in results:
        lines.append(_row("**soapscribe, note plan**", rouge(
            [(clinician_note(d.note), d.record.note) for d in results["aci-valid"]])))
    lines += ["", "| corpus | notes | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | median length, ours / reference |",
              "|---|---|---|---|---|---|"]
    for name, drafted in results.items():
        scores = rouge([(clinician_note(d.note), d.record.note) for d in drafted])
        lines.append(f"| {name} | {len(drafted)} | " + " | ".join(f"{scores[m]:.1f}" for m in METRICS)
                     + f" | {length_ratio(drafted):.2f}x |")
    lines += ["", "Per section (ACI-BENCH divisions; reference split by its headings, ours by subsection):", "",
              "| corpus | division | ROUGE-1 | ROUGE-2 | ROUGE-Lsum |", "|---|---|---|---|---|"]
    for name in ("aci-valid", "aci-train"):
        for division in DIVISIONS:
            pairs = [(our_divisions(d.note)[division], reference_divisions(d.record.note)[division])
                     for d in results.get(name, [])]
            pairs = [(o, r) for o, r in pairs if r]
            if pairs:
                scores = rouge(pairs)
                lines.append(f"| {name} | {division} ({len(pairs)}) | "
                             + " | ".join(f"{scores[m]:.1f}" for m in METRICS) + " |")
    lines += ["", "Medications of the reference notes found in ours (drug dictionary names, generic codes; micro):", "",
              "| corpus | reference drugs | our drugs | recall | precision |", "|---|---|---|---|---|"]
    # Drugs are read as the findings' measure reads them (benchmarks/medication_reference.py): a combination's name
    # said as a list is its drugs one by one, a drug named with its dosage form is that drug.
    reader = Reader(extractor)
    for name, drafted in results.items():
        recall, precision, ref, ours = reference_match(drafted, reader.reference_drugs)
        lines.append(f"| {name} | {ref} | {ours} | {recall:.2f} | {precision:.2f} |")
    lines += ["", "Problems of the reference notes found in ours (the problem lexicon's phrases, conditions of the general "
              "pack and the topic; micro; a problem only in the reference's words, not the lexicon's, is not read):",
              "", "| corpus | reference problems | our problems | recall | precision |", "|---|---|---|---|---|"]
    names = problem_names(extractor)
    longest = max(len(name.split()) for name in names)
    for name, drafted in results.items():
        recall, precision, ref, ours = reference_match(drafted, lambda text: find_names(text, names, longest))
        lines.append(f"| {name} | {ref} | {ours} | {recall:.2f} | {precision:.2f} |")
    lines += ["", "Topic guidance (leg cramps) on the dialogues of these corpora: notes with leg-cramp suggestions "
              "among dialogues that never say cramp/spasm, that say it about something else (abdominal, menstrual, "
              "chest cramps), and whose reference note names leg cramps:", "",
              "| corpus | never say cramp/spasm | with suggestions | say it, not of the legs | with suggestions | "
              "reference names leg cramps | with suggestions |", "|---|---|---|---|---|---|---|"]
    for name, drafted in results.items():
        groups = [[d for d in drafted if not CRAMP.search(d.record.transcript.text)],
                  [d for d in drafted if CRAMP.search(d.record.transcript.text)
                   and not LEG_CRAMPS_NOTED.search(d.record.note)],
                  [d for d in drafted if CRAMP.search(d.record.transcript.text) and LEG_CRAMPS_NOTED.search(d.record.note)]]
        flagged = [sum(any(s.source.topic == "leg_cramps" for s in d.note.suggestions) for d in group)
                   for group in groups]
        lines.append(f"| {name} | " + " | ".join(f"{len(group)} | {n}" for group, n in zip(groups, flagged)) + " |")
    lines += ["", f"Speed: findings + note for a 15-minute transcript ({words:,} words, ACI-BENCH train dialogues "
              f"end to end), one core: **{sum(seconds):.3f} s** median of 7 runs (findings {seconds[0]:.3f} s, "
              f"note {seconds[1]:.3f} s)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--corpus", action="append", choices=list(CORPORA), help="only these (default: all)")
    parser.add_argument("--show", type=int, default=0, help="print the first N notes of each corpus")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the goal is stated
    data = find_data(args.shared)
    extractor, drafter = Extractor().load(), Drafter()
    results = {name: draft_all(read_records(data, CORPORA[name]), extractor, drafter)
               for name in (args.corpus or list(CORPORA))}
    for name, drafted in results.items():
        for d in drafted[:args.show]:
            print(f"==== {name} {d.record.id}\n{clinician_note(d.note)}\n---- reference\n{d.record.note}\n")
    train = read_records(data, CORPORA["aci-train"])
    long = fifteen_minutes(train)
    seconds = speed(long, extractor, drafter)
    hours = fifteen_minutes(train, 120)
    two_hours = speed(hours, extractor, drafter, runs=3)
    text = report(results, seconds, len(long.text.split()), extractor)
    text += (f"\nTwo hours of talk ({len(hours.text.split()):,} words, the same dialogues): {sum(two_hours):.2f} s, "
             f"{sum(two_hours) / sum(seconds):.1f}x the 15 minutes' time for {len(hours.text.split()) / len(long.text.split()):.1f}x "
             "the words (time linear in the length).")
    print(text)
    if not args.corpus:
        write_section(args.out, SECTION, text)


if __name__ == "__main__":
    main()
