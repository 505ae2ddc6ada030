"""ACI-bench recall: which medications and lab values of the reference notes reach our drafted notes.

    .venv/bin/python -m benchmarks.aci_recall [--shared PATH] [--out benchmarks/RESULTS.md]

Data: ACI-bench (Yim et al., "ACI-BENCH: a Novel Ambient Clinical Intelligence Dataset for
Benchmarking Automatic Visit Note Generation", Nature Scientific Data, 2023; CC BY 4.0), read
from the shared data folder and never copied into the repository. Encounters: the aci-bench rows
of data/index/cramp_related.tsv. For each, the dialogue is extracted and drafted as a transcript;
the reference note is read for medications (drugs.yaml names, brands and synonyms, normalised to
the generic) and analyte values (a lexicon analyte followed by its number); an item counts as
found when the drafted note names the generic (its text or findings) or has the same analyte with
the same value. Drug-like words and lab names outside our lexicon are listed and count as misses.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from benchmarks.results import RESULTS, write_section
from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.lexicon import TopicLexicon, load_lexicon
from knowledge.note import Note
from knowledge.ranges import ReferenceRanges, load_ranges
from nlp.types import Findings, Segment, Transcript

ROOT = Path(__file__).resolve().parents[1]
ACI = "aci-bench"
INDEX = Path("data") / "index" / "cramp_related.tsv"
ROLES = ("clinician", "patient", "other")
ItemKind = Literal["medication", "value"]

# Drug-like words of a reference note that our lexicon does not know: a word before a dose
# ("meloxicam 15 mg") or with a common drug-name ending. Listed so we know which drugs to add.
_DOSED = re.compile(r"\b([A-Za-z][A-Za-z-]{3,})\s+\d+(?:\.\d+)?\s*(?:mg|mcg|milligrams?|micrograms?|units?)\b(?!/)",
                    re.I)
_DRUG_ENDINGS = re.compile(
    r"\b([a-z]{3,}(?:pril|sartan|olol|dipine|statin|prazole|cillin|mycin|floxacin|oxetine|tidine|gliptin|"
    r"gliflozin|glutide|formin|parin|xaban|grel|icam|profen|azepam|zolam|triptan|semide|thiazide|"
    r"tyline|pramine|oxone|codone|morphone|afil|osin|asteride|lukast))\b", re.I)
# The medication list of a reference note ("MEDICATIONS\n\nPatient reports taking aspirin 81 mg daily and
# Farxiga."): each item's first word, after the lead-in, is a drug whatever its name looks like.
_MEDICATION_LIST = re.compile(r"^(?:CURRENT )?MEDICATIONS?\s*\n+(.*?)(?:\n\s*\n[A-Z][A-Z /]{3,}\n|\Z)", re.M | re.S)
_LIST_ITEM = re.compile(r"[,;\n]|\band\b")
_LEAD_IN = re.compile(r"^.*?\b(?:taking|takes|utilizes|uses|using|on)\s+", re.I)
_NOT_DRUGS = {"daily", "twice", "every", "about", "dose", "doses", "takes", "taking", "with", "from", "than",
              "over", "under", "between", "around", "approximately", "total", "currently", "increase",
              "decrease", "start", "started", "continue", "times", "only", "once", "prescribed", "weighs",
              "weight", "sugar", "sugars", "level", "levels", "count", "units", "grams",
              "patient", "reports", "none", "days", "occasional", "denies", "tablet", "tablets", "medications",
              "sulfate", "sulphate", "cypionate", "hydrochloride", "chloride", "citrate", "succinate", "tartrate"}
# Lab names outside our lexicon, so their values in a reference note are counted (as misses) and listed.
OTHER_ANALYTES = ("hemoglobin", "hgb", "hematocrit", "white blood cell count", "wbc", "platelets", "ldl", "hdl",
                  "total cholesterol", "cholesterol", "triglycerides", "bun", "egfr", "gfr", "alt", "ast", "bnp",
                  "vitamin d", "vitamin b12", "b12", "ferritin", "psa", "inr", "troponin", "albumin", "uric acid",
                  "lactate")
# Words allowed between an analyte and its value ("potassium was 3.1", "A1c of 7.1", "magnesium: 1.7").
_LINKS = r"(?:\s*(?:levels?|was|is|were|of|at|value|result|came back at|[:=])\s*)*"


@dataclass(frozen=True)
class Encounter:
    id: str
    transcript: Transcript
    reference: str


@dataclass(frozen=True)
class Item:
    """A medication (generic code) or an analyte value named in a reference note, and whether our note has it."""

    kind: ItemKind
    code: str
    said: str
    value: float | None = None
    in_lexicon: bool = True
    found: bool = False

    @property
    def label(self) -> str:
        return self.code if self.value is None else f"{self.code} {self.value:g}"


@dataclass
class EncounterResult:
    id: str
    items: list[Item] = field(default_factory=list)

    def of(self, kind: ItemKind) -> list[Item]:
        return [item for item in self.items if item.kind == kind]


@dataclass(frozen=True)
class Recall:
    found: int
    total: int
    outside_lexicon: int

    @property
    def ratio(self) -> float:
        return self.found / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.found}/{self.total} ({self.ratio:.0%})"


def find_shared(explicit: Path | None = None) -> Path:
    """The shared folder holding data/aci-bench: `explicit`, else `shared` beside the repository or above it."""
    candidates = [explicit] if explicit is not None else [
        ROOT.parent / "shared", Path.cwd() / "shared", Path.cwd().parent / "shared",
        *(parent / "shared" for parent in ROOT.parents)]
    for candidate in candidates:
        if (candidate / "data" / ACI).is_dir() and (candidate / INDEX).is_file():
            return candidate.resolve()
    tried = ", ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(f"no shared data folder with data/{ACI} and {INDEX} (tried {tried})")


def load_encounters(shared: Path) -> list[Encounter]:
    """The cramp-related ACI-bench encounters of the index, in index order, as transcripts."""
    wanted: dict[str, list[str]] = {}
    for line in (shared / INDEX).read_text(encoding="utf-8").splitlines()[1:]:
        file, encounter_id, *_ = line.split("\t")
        if file.startswith(f"{ACI}/"):
            wanted.setdefault(file, []).append(encounter_id)
    records = {}
    for file, ids in wanted.items():
        for line in (shared / "data" / file).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["id"] in ids:
                records[record["id"]] = record
    order = [encounter_id for ids in wanted.values() for encounter_id in ids]
    return [Encounter(id=encounter_id, transcript=to_transcript(records[encounter_id]["turns"]),
                      reference=records[encounter_id]["note"]) for encounter_id in order]


def to_transcript(turns: Iterable[tuple[str, str]]) -> Transcript:
    said = [(speaker, text.strip()) for speaker, text in turns if text.strip()]
    return Transcript(segments=[Segment(id=i, speaker=speaker if speaker in ROLES else "other", text=text)
                                for i, (speaker, text) in enumerate(said)])


def _alternation(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(phrase) for phrase in sorted(set(phrases), key=len, reverse=True))


class ReferenceReader:
    """Finds medications and analyte values in a reference note, by our lexicon and beyond it."""

    def __init__(self, lexicon: TopicLexicon, ranges: ReferenceRanges) -> None:
        self.generic: dict[str, str] = {}
        for drug in lexicon.drugs.drugs:
            names = ((drug.display_name,) if drug.match_name else ()) + (*drug.brands, *drug.synonyms)
            self.generic.update({name.lower(): drug.code for name in names})
        self.generic.update({drug.display_name.lower(): drug.code for drug in lexicon.drugs.drugs})
        self.classes = {phrase.lower() for cls in lexicon.drugs.classes for phrase in cls.phrases}
        self._drug = re.compile(rf"(?<![\w-])({_alternation(self.generic)})(?![\w-])", re.I)
        terms = lexicon.lexicon.terms
        self.analyte: dict[str, str] = {
            phrase.lower(): entry.code for entry in (*terms.electrolyte, *terms.lab)
            if not (entry.requires_value or entry.interpretation or entry.case_sensitive) for phrase in entry.phrases}
        known = set(self.analyte)
        self.analyte.update({name: "" for name in OTHER_ANALYTES if name not in known})
        self._value = re.compile(rf"(?<![\w-])({_alternation(self.analyte)})(?![\w-]){_LINKS}\s*"
                                 r"(\d+(?:\.\d+)?)(?![\d/])(?!\s*(?:-|to|or)\s*\d)(?!\s*times)", re.I)
        self.ranges = ranges

    def medications(self, note: str) -> list[Item]:
        items = {self.generic[m.group(1).lower()]: Item("medication", self.generic[m.group(1).lower()], m.group(1))
                 for m in self._drug.finditer(note)}
        words = [m.group(1) for m in _DOSED.finditer(note)] + [m.group(1) for m in _DRUG_ENDINGS.finditer(note)]
        for listed in _MEDICATION_LIST.finditer(note):
            for chunk in _LIST_ITEM.split(listed.group(1)):
                item = _LEAD_IN.sub("", chunk.strip())
                first = None if self._drug.match(item) else re.match(r"[A-Za-z][A-Za-z-]{3,}\b", item)
                words += [first.group()] if first else []
        for word in words:
            key = word.lower()
            if key in self.generic or key in self.classes or key in _NOT_DRUGS or key in self.analyte:
                continue
            items.setdefault(key, Item("medication", key, word, in_lexicon=False))
        return list(items.values())

    def values(self, note: str) -> list[Item]:
        items: dict[tuple[str, float], Item] = {}
        for match in self._value.finditer(note):
            said, value = match.group(1), float(match.group(2))
            code = self.analyte[said.lower()]
            if not code:
                items.setdefault((said.lower(), value), Item("value", said.lower(), said, value, in_lexicon=False))
            elif self.ranges.infer_unit(code, value) is not None:  # "A1c below 7" is a target, "at 2" a count
                items.setdefault((code, value), Item("value", code, match.group(0), value))
        return list(items.values())


def found_in(item: Item, findings: Findings, note: Note) -> bool:
    """A medication: its generic among the findings or in the note's sentences. A value: same analyte, same value."""
    if not item.in_lexicon:
        return False
    if item.kind == "medication":
        text = " ".join(s.text for section in note.sections for s in section.sentences).lower()
        name = item.code.replace("_", " ")
        return any(f.kind == "medication" and f.code == item.code for f in findings.findings) or \
            re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None
    return any(f.kind in ("electrolyte", "lab") and f.code == item.code and f.value is not None
               and abs(f.value - (item.value or 0.0)) < 1e-6 for f in findings.findings)


def measure(shared: Path) -> list[EncounterResult]:
    """Extract and draft every cramp-related encounter and score its reference note's items."""
    extractor = Extractor().load()
    reader = ReferenceReader(load_lexicon(), load_ranges())
    results = []
    for encounter in load_encounters(shared):
        findings = extractor.extract(encounter.transcript)
        note = draft_note(encounter.transcript, findings)
        wanted = reader.medications(encounter.reference) + reader.values(encounter.reference)
        results.append(EncounterResult(encounter.id, [
            Item(i.kind, i.code, i.said, i.value, i.in_lexicon, found_in(i, findings, note)) for i in wanted]))
    return results


def recall(results: list[EncounterResult], kind: ItemKind) -> Recall:
    items = [item for result in results for item in result.of(kind)]
    return Recall(sum(item.found for item in items), len(items), sum(not item.in_lexicon for item in items))


def report(results: list[EncounterResult]) -> str:
    meds, values = recall(results, "medication"), recall(results, "value")
    lines = ["## ACI-bench recall of medications and lab values", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `python -m benchmarks.aci_recall`, on the "
             f"{len(results)} cramp-related ACI-bench encounters (train + valid; Yim et al. 2023, Nature "
             "Scientific Data, CC BY 4.0; data read from the shared folder, not copied here).", "",
             "An item is a drug (drugs.yaml name, brand or synonym, counted as its generic) or an analyte value "
             "(analyte followed by its number) in the reference note; found = the drafted note names the generic "
             "in its text or findings, or has a finding of the same analyte with the same value. Drug-like words "
             "and lab names outside our lexicon count as misses and are listed below.", "",
             "| items | found / total | outside lexicon |", "|---|---|---|",
             f"| medications | {meds} | {meds.outside_lexicon} |",
             f"| values | {values} | {values.outside_lexicon} |", "",
             "| encounter | medications | values | missed (in lexicon) | outside lexicon |", "|---|---|---|---|---|"]
    for result in results:
        cells = []
        for kind in ("medication", "value"):
            items = result.of(kind)
            cells.append(f"{sum(i.found for i in items)}/{len(items)}" if items else "–")
        missed = ", ".join(i.label for i in result.items if i.in_lexicon and not i.found) or "–"
        outside = ", ".join(i.label for i in result.items if not i.in_lexicon) or "–"
        lines.append(f"| {result.id} | {cells[0]} | {cells[1]} | {missed} | {outside} |")
    outside = Counter(f"{i.kind}: {i.code}" for r in results for i in r.items if not i.in_lexicon)
    if outside:
        lines += ["", "Outside our lexicon (encounters): " + ", ".join(
            f"{label} ({count})" for label, count in sorted(outside.items()))]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None,
                        help="the shared folder holding data/aci-bench (default: ../shared from the repository)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    section = report(measure(find_shared(args.shared)))
    write_section(args.out, "aci", section)
    print(section)


if __name__ == "__main__":
    main()
