"""Conditions and symptoms said in a visit and written in its reference note that our findings miss (issue 19).

    .venv/bin/python -m benchmarks.lexicon_gaps [--data PATH] [--baseline REV] [--corpus NAME] [--top N]
    .venv/bin/python -m benchmarks.lexicon_gaps --hits "water infection" --hits "sugar"

Data: ACI-BENCH train and valid (Yim et al., Nature Scientific Data, 2023), PriMock57 (Papadopoulos Korfiatis
et al., ACL 2022) and MTS-Dialog train and valid (Ben Abacha et al., EACL 2023), CC BY 4.0, read from
../shared/data and never copied here. The held-out dialogues of tests/gold_real are skipped (benchmarks/held_out.py).

Candidates do not come from our lexicon, so the measure does not grade itself. Two sources, per dialogue:

- ICD-10-CM (simple-icd-10-cm): each code's description and inclusion terms, read as a speaker would name them
  ("Essential (primary) hypertension" -> "essential hypertension", "hypertension"; "Urinary tract infection,
  site not specified" -> "urinary tract infection"); chapter R (symptoms and signs) and pains are symptoms.
- head words: the longest run of up to three content words of the note ending in a clinical head word ("pain",
  "infection", "-itis", ...), such as "ankle sprain" or "sinus infection".

A candidate counts once per dialogue when its words are in the reference note and in the transcript, whole
words, case and punctuation ignored. It is covered when one of its places in the transcript overlaps the
evidence of a finding of ours (condition, symptom, electrolyte, exam or allergy, any assertion). `--baseline REV` also
measures the lexicons (problems.yaml, symptoms.yaml) as they were at a git revision, the rest of the pack as is.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import simple_icd_10_cm as icd
from spacy.lang.en.stop_words import STOP_WORDS

from benchmarks.held_out import held_out
from benchmarks.medication_reference import head_commit
from benchmarks.results import RESULTS, write_section
from knowledge.base import KnowledgeBase
from knowledge.corpora import Record, find_data, read_records
from knowledge.datafile import GENERAL_DIR
from knowledge.extract import Extractor
from nlp.lexicon import normalise
from nlp.types import Findings

ROOT = Path(__file__).resolve().parents[1]
SECTION = "lexicon_gaps"  # of benchmarks/RESULTS.md
CORPORA = (
    ("aci-bench/train.jsonl", "ACI-BENCH train"),
    ("aci-bench/valid.jsonl", "ACI-BENCH valid"),
    ("primock57/consultations.jsonl", "PriMock57"),
    ("mts-dialog/train.jsonl", "MTS-Dialog train"),
    ("mts-dialog/valid.jsonl", "MTS-Dialog valid"),
)
LEXICONS = ("problems.yaml", "symptoms.yaml")  # of knowledge/general: what --baseline takes from the revision
COVERING = frozenset({"condition", "symptom", "electrolyte", "exam", "allergy"})  # finding kinds that cover a candidate
LONGEST = 6  # tokens of a candidate phrase

# ICD-10-CM chapters left out: external causes (V-Y) and factors of health status (Z) name no problem said.
SKIPPED_CHAPTERS = ("V", "W", "X", "Y", "Z")
# Cut a description here: what follows qualifies it ("... without complications", "..., unspecified").
CUTS = re.compile(r",| without | with | due to | not elsewhere| nos\b| of unspecified| unspecified| in diseases")
LEADING = frozenset({"acute", "chronic", "other", "unspecified", "primary", "secondary", "essential", "unilateral",
                     "bilateral", "recurrent", "single", "simple", "mild", "moderate", "severe", "idiopathic"})
# Too general to be a candidate on their own, or ordinary words first.
GENERIC = frozenset({"disease", "diseases", "disorder", "disorders", "syndrome", "infection", "injury", "pain",
                     "condition", "conditions", "abnormal", "abnormality", "complication", "complications", "other",
                     "unspecified", "problem", "problems", "history", "care", "examination", "observation", "screening",
                     "encounter", "symptoms", "signs", "findings", "failure", "deformity", "lesion", "mass", "stress",
                     "shock", "fall", "burn", "contact", "exposure", "pressure", "effects", "anomaly", "anomalies",
                     "dependence", "use", "abuse", "fear", "obstruction", "displacement", "insufficiency",
                     "contracture", "disruption", "degeneration", "stiffness", "effusion", "open wound", "wound",
                     # words of anatomy, sex or course that an ICD-10-CM title leaves once cut
                     "blood", "hand", "male", "female", "lateral", "abdomen", "sinus", "cardiac", "rectal", "injuries",
                     "infections", "illness", "old age", "difficulties", "finding", "fusion", "irregular", "bite",
                     "reaction", "instability", "falling", "tear", "diagnosis", "prognosis", "stone", "allergy",
                     "discharge", "bleeding", "swelling", "excessive", "thoracic", "death", "endocrine", "newborn",
                     "stenosis", "fibrosis", "cyst", "cysts", "dislocation", "avulsion", "enlargement", "leakage",
                     "breakdown", "hanging", "sedative", "cocaine", "worries", "uterus", "adverse effects",
                     "tetanus"})  # the last: said of its vaccine
# Candidates named by these words are symptoms (beside chapter R of ICD-10-CM); the rest conditions.
SYMPTOM_HEADS = frozenset({"pain", "pains", "ache", "aches", "swelling", "numbness", "tingling", "weakness",
                           "dizziness", "fatigue", "nausea", "vomiting", "diarrhea", "constipation", "headache",
                           "headaches", "cough", "fever", "rash", "bleeding", "discharge", "cramps", "cramping",
                           "spasms", "insomnia", "needles", "breath", "itching", "chills", "sweats"})
HEADS = frozenset({"pain", "pains", "ache", "aches", "infection", "infections", "disease", "syndrome", "disorder",
                   "swelling", "rash", "cough", "fever", "bleeding", "discharge", "cramps", "cramping",
                   "stones", "stone", "fracture", "sprain", "strain", "tear", "injury", "cancer", "tumor", "ulcer",
                   "reflux", "arthritis", "numbness", "tingling", "weakness", "spasms", "deficiency", "apnea",
                   "dizziness", "fatigue", "nausea", "vomiting", "diarrhea", "constipation", "headache",
                   "headaches", "migraine", "migraines", "insomnia", "anxiety", "depression", "allergies"})
HEAD_ENDINGS = ("itis", "osis", "emia", "algia", "pathy")
CLAUSE = re.compile(r"[,;:.()\n]+")


@dataclass(frozen=True)
class Candidate:
    """A condition or symptom phrase of one dialogue's reference note, said in its transcript."""

    phrase: str
    kind: str  # condition or symptom
    source: str  # icd10 (with its code) or head word
    covered: bool


@dataclass
class DialogueGaps:
    file: str
    id: str
    candidates: list[Candidate] = field(default_factory=list)


def _variants(description: str) -> Iterator[str]:
    """A description as a speaker would say it: parentheses dropped, qualifiers cut, leading qualifiers off."""
    text = re.sub(r"\s*\[[^]]*\]|\s*\([^)]*\)", "", description.lower())
    text = CUTS.split(f"{text} ", maxsplit=1)[0]
    words = normalise(text).split()
    while words:
        if words[0] not in {"other", "unspecified"}:
            yield " ".join(words)
        if words[0] not in LEADING:
            break
        words = words[1:]


@lru_cache(maxsize=1)
def icd_phrases() -> dict[str, tuple[str, str]]:
    """Phrase -> (ICD-10-CM code, kind) for every category and subcategory outside the skipped chapters."""
    phrases: dict[str, tuple[str, str]] = {}
    for code in icd.get_all_codes(with_dots=True):
        if code[:1] in SKIPPED_CHAPTERS or not icd.is_category_or_subcategory(code):
            continue
        for description in (icd.get_description(code), *icd.get_inclusion_term(code)):
            for phrase in _variants(description):
                words = phrase.split()
                if phrase in GENERIC or len(phrase) < 4 or len(words) > LONGEST or words[-1] in STOP_WORDS:
                    continue
                symptom = code.startswith("R") or words[-1] in SYMPTOM_HEADS
                if phrase not in phrases or (symptom and phrases[phrase][1] == "condition"):
                    phrases[phrase] = (code, "symptom" if symptom else "condition")
    return phrases


def _is_head(word: str) -> bool:
    return word in HEADS or (len(word) > 6 and word.endswith(HEAD_ENDINGS) and word not in GENERIC)


def note_candidates(note: str, said: str) -> dict[str, tuple[str, str]]:
    """Phrase -> (source, kind) of the note's candidates whose words `said` (normalised, padded) also has."""
    found: dict[str, tuple[str, str]] = {}
    for clause in CLAUSE.split(note):  # a list ("anesthesia, infection, bleeding") is no run of words
        _clause_candidates(normalise(clause).split(), said, found)
    return found


def _clause_candidates(tokens: list[str], said: str, found: dict[str, tuple[str, str]]) -> None:
    phrases = icd_phrases()
    for i in range(len(tokens)):
        for n in range(min(LONGEST, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + n])
            if phrase in phrases and f" {phrase} " in said:
                code, kind = phrases[phrase]
                found.setdefault(phrase, (f"icd10 {code}", kind))
                break
        if _is_head(tokens[i]):
            for n in range(min(3, i + 1), 0, -1):
                words = tokens[i - n + 1:i + 1]
                phrase = " ".join(words)
                if all(w not in STOP_WORDS and not w.isdigit() for w in words) and f" {phrase} " in said:
                    if phrase not in found and phrase not in GENERIC:
                        kind = "symptom" if tokens[i] in SYMPTOM_HEADS else "condition"
                        found[phrase] = ("head word", kind)
                    break


def _pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, phrase.split())) + r"(?![a-z0-9])")


def places(record: Record, phrase: str) -> Iterator[tuple[int, int, int]]:
    """(segment id, start, end) of each place the phrase is said in the transcript."""
    pattern = _pattern(phrase)
    for segment in record.transcript.segments:
        for match in pattern.finditer(segment.text.lower()):
            yield segment.id, match.start(), match.end()


def covered_places(findings: Findings) -> dict[int, list[tuple[int, int]]]:
    spans: dict[int, list[tuple[int, int]]] = {}
    for finding in findings.findings:
        if finding.kind in COVERING:
            for evidence in finding.evidence:
                spans.setdefault(evidence.segment, []).append((evidence.start, evidence.end))
    return spans


def dialogue_gaps(record: Record, extractor: Extractor) -> DialogueGaps:
    said = " " + " ".join(normalise(segment.text) for segment in record.transcript.segments) + " "
    candidates = note_candidates(record.note, said)
    result = DialogueGaps(record.file, record.id)
    if not candidates:
        return result
    spans = covered_places(extractor.extract(record.transcript))
    for phrase, (source, kind) in candidates.items():
        covered = any(start < end_ and start_ < end for segment, start, end in places(record, phrase)
                      for start_, end_ in spans.get(segment, ()))
        result.candidates.append(Candidate(phrase, kind, source, covered))
    return result


def mined_records(data: Path, files: Iterable[str]) -> Iterator[Record]:
    """The records of the corpus files, the held-out dialogues left out unread."""
    skipped = held_out()
    for file in files:
        for record in read_records(data, file):
            if record.id not in skipped.get(file, frozenset()):
                yield record


def measure(data: Path, extractor: Extractor, files: Iterable[str]) -> list[DialogueGaps]:
    return [dialogue_gaps(record, extractor) for record in mined_records(data, files)]


def extractor_at(revision: str, folder: Path) -> Extractor:
    """An extractor whose general pack is today's, with problems.yaml and symptoms.yaml as at `revision`."""
    general = folder / "general"
    shutil.copytree(GENERAL_DIR, general)
    for name in LEXICONS:
        path = GENERAL_DIR.relative_to(ROOT) / name
        text = subprocess.run(["git", "show", f"{revision}:{path.as_posix()}"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout
        (general / name).write_text(text, encoding="utf-8")
    return Extractor(knowledge=KnowledgeBase.load(general=general)).load()


@dataclass(frozen=True)
class Count:
    dialogues: int
    condition: tuple[int, int]  # (candidates, covered)
    symptom: tuple[int, int]


def count(results: list[DialogueGaps]) -> Count:
    def of(kind: str) -> tuple[int, int]:
        mentions = [c for r in results for c in r.candidates if c.kind == kind]
        return len(mentions), sum(c.covered for c in mentions)
    return Count(len(results), of("condition"), of("symptom"))


def _share(pair: tuple[int, int]) -> str:
    total, covered = pair
    return f"{covered}/{total} ({covered / total:.1%})" if total else "–"


def report(now: list[DialogueGaps], before: list[DialogueGaps] | None, baseline: str | None, top: int) -> str:
    names = dict((file, name) for file, name, *_ in CORPORA)
    groups: dict[str, list[DialogueGaps]] = {}
    for result in now:
        groups.setdefault(result.file, []).append(result)
    earlier: dict[str, list[DialogueGaps]] = {}
    for result in before or []:
        earlier.setdefault(result.file, []).append(result)
    lines = ["## Conditions and symptoms of the reference notes our findings miss (issue 19)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on commit {head_commit()} (the working tree may hold "
             "changes not yet committed), `python -m benchmarks.lexicon_gaps`"
             + (f" `--baseline {baseline}`" if baseline else "") + "; ACI-BENCH, PriMock57, MTS-Dialog (CC BY 4.0), "
             "read from the shared folder, not copied here; the held-out dialogues of tests/gold_real skipped.", "",
             "Candidates, per dialogue: ICD-10-CM descriptions and inclusion terms (qualifiers cut: \"essential "
             "hypertension\", \"urinary tract infection\") and runs of up to three content words of the note ending in "
             "a clinical head word (\"ankle sprain\"), found in the reference note and said in the transcript. "
             "Covered: a place where the transcript says it overlaps the evidence of one of our condition, symptom, "
             "electrolyte, exam or allergy findings. Not our lexicon, so the measure does not grade itself; but not "
             "every candidate is the patient's problem (a risk, a family member's, a word of the exam). The lexicon "
             "entries added since the baseline were mined from these same dialogues: the gain is in-sample; "
             "tests/gold_real/holdout (findings_real) is the out-of-sample check. A candidate in the lexicon but "
             "uncovered is mostly a question left unanswered "
             "or unread (\"any fever or chills?\" with no reply), the dialogue's to settle, not the lexicon's.", "",
             "| corpus | dialogues | conditions covered" + (" before" if before else "") + " | "
             + ("conditions covered now | symptoms covered before | " if before else "")
             + "symptoms covered" + (" now" if before else "") + " |",
             "|---|---|---|---|" + ("---|---|" if before else "")]
    totals_now: list[DialogueGaps] = []
    totals_before: list[DialogueGaps] = []
    for file, group in [*groups.items(), ("", [])]:
        if file:
            totals_now += group
            totals_before += earlier.get(file, [])
            label, c, b = names[file], count(group), count(earlier.get(file, []))
        else:
            label, c, b = "**total**", count(totals_now), count(totals_before)
        if before:
            lines.append(f"| {label} | {c.dialogues} | {_share(b.condition)} | {_share(c.condition)} | "
                         f"{_share(b.symptom)} | {_share(c.symptom)} |")
        else:
            lines.append(f"| {label} | {c.dialogues} | {_share(c.condition)} | {_share(c.symptom)} |")
    missed = Counter((c.phrase, c.kind, c.source) for r in now for c in r.candidates if not c.covered)
    lines += ["", f"Most missed now ({top}; dialogues): " + ", ".join(
        f"\"{phrase}\" {kind} ({source}) {n}" for (phrase, kind, source), n in missed.most_common(top))]
    return "\n".join(lines) + "\n"


def hits(data: Path, phrases: list[str], files: Iterable[str], width: int = 60) -> Iterator[str]:
    """Each place a phrase is said in the mined transcripts, with its context: to check a phrase before adding it."""
    for record in mined_records(data, files):
        for phrase in phrases:
            for segment, start, end in places(record, normalise(phrase)):
                text = record.transcript.segments[segment].text
                yield (f"{phrase!r} {record.file} {record.id} [{record.transcript.segments[segment].speaker}] "
                       f"...{text[max(0, start - width):end + width]}...")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--baseline", help="also measure problems.yaml and symptoms.yaml as at this git revision")
    parser.add_argument("--corpus", action="append", choices=[file for file, _ in CORPORA], help="default: all")
    parser.add_argument("--top", type=int, default=40, help="most missed candidates to list")
    parser.add_argument("--hits", action="append", help="only print where these phrases are said; measure nothing")
    args = parser.parse_args()
    data = find_data(args.data)
    files = args.corpus or [file for file, _ in CORPORA]
    if args.hits:
        for line in hits(data, args.hits, files):
            print(line)  # noqa: T201 - a benchmark reports
        return
    now = measure(data, Extractor().load(), files)
    before = None
    if args.baseline:
        with tempfile.TemporaryDirectory() as folder:
            before = measure(data, extractor_at(args.baseline, Path(folder)), files)
    section = report(now, before, args.baseline, args.top)
    write_section(args.out, SECTION, section)
    print(section)  # noqa: T201 - a benchmark reports


if __name__ == "__main__":
    main()
