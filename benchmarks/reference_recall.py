"""Reference-note recall: which medications and lab values of the reference notes reach our drafted notes.

    .venv/bin/python -m benchmarks.reference_recall [--shared PATH] [--out benchmarks/RESULTS.md]

Data: the cramp-related rows of data/index/cramp_related.tsv in the shared data folder, read there
and never copied into the repository: ACI-bench (Yim et al., Nature Scientific Data, 2023) and
PriMock57 (Papadopoulos Korfiatis et al., ACL 2022), whose reference is a whole note, and
MTS-Dialog (Ben Abacha et al., EACL 2023), whose reference is one note section; all CC BY 4.0.
Each dialogue is drafted as a transcript (PriMock57 turns keep their times); the reference is read
for medications (drugs.yaml names, brands and synonyms, normalised to the generic) and analyte
values (a lexicon analyte followed by its number); an item counts as found when the drafted note
names the generic (its text or findings) or has the same analyte with the same value. Drug-like
words and lab names outside our lexicon are listed and count as misses.
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
from knowledge.corpora import to_transcript
from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.lexicon import TopicLexicon, load_lexicon
from knowledge.note import Note
from knowledge.ranges import ReferenceRanges, load_ranges
from nlp.types import Findings, Transcript

ROOT = Path(__file__).resolve().parents[1]
INDEX = Path("data") / "index" / "cramp_related.tsv"
ItemKind = Literal["medication", "value"]


@dataclass(frozen=True)
class Corpus:
    """A shared corpus: its folder under data/, the record field holding the reference, and its citation."""

    name: str
    reference: str
    citation: str


CORPORA = (
    Corpus("aci-bench", "note", "Yim et al. 2023, Nature Scientific Data"),
    Corpus("primock57", "note", "Papadopoulos Korfiatis et al. 2022, ACL"),
    Corpus("mts-dialog", "section_text", "Ben Abacha et al. 2023, EACL"),
)
SECTION = "reference_recall"  # of benchmarks/RESULTS.md
# MTS-Dialog sections whose whole text is a medication list ("Synthroid and Lipitor.").
LIST_SECTIONS = {"MEDICATIONS"}

# Drug-like words of a reference note that our lexicon does not know: a word before a dose
# ("meloxicam 15 mg") or with a common drug-name ending. Listed so we know which drugs to add.
_DOSED = re.compile(r"\b([A-Za-z][A-Za-z-]{3,})\s+\d+(?:\.\d+)?\s*(?:mg|mcg|milligrams?|micrograms?|units?)\b(?!/)",
                    re.I)
_DRUG_ENDINGS = re.compile(
    r"\b([a-z]{3,}(?:pril|sartan|olol|dipine|statin|prazole|cillin|mycin|floxacin|oxetine|tidine|gliptin|"
    r"gliflozin|glutide|formin|parin|xaban|grel|icam|profen|azepam|zolam|triptan|semide|thiazide|"
    r"tyline|pramine|oxone|codone|morphone|afil|osin|asteride|lukast))\b", re.I)
# The medication list of a reference note ("MEDICATIONS\n\nPatient reports taking aspirin 81 mg daily and
# Farxiga.", or PriMock57's drug-history line "DH: furosemide, aspirin"): each item's first word, after the
# lead-in, is a drug whatever its name looks like.
_MEDICATION_LIST = re.compile(r"^(?:CURRENT )?MEDICATIONS?\s*\n+(.*?)(?:\n\s*\n[A-Z][A-Z /]{3,}\n|\Z)"
                              r"|^D(?:H|Hx)\s*[:;-]\s*(.*?)$", re.M | re.S)
_LIST_ITEM = re.compile(r"[,;\n]|\.(?:\s|$)|\band\b")
_LEAD_IN = re.compile(r"^.*?\b(?:taking|takes|utilizes|uses|using|on)\s+", re.I)
_NOT_DRUGS = {"daily", "twice", "every", "about", "dose", "doses", "takes", "taking", "with", "from", "than",
              "over", "under", "between", "around", "approximately", "total", "currently", "increase",
              "decrease", "start", "started", "continue", "times", "only", "once", "prescribed", "weighs",
              "weight", "sugar", "sugars", "level", "levels", "count", "units", "grams",
              "patient", "reports", "none", "days", "occasional", "denies", "tablet", "tablets", "medications",
              "sulfate", "sulphate", "cypionate", "hydrochloride", "chloride", "citrate", "succinate", "tartrate",
              "allergies", "allergic", "sometimes", "regular", "vitamins", "nkda"}
# Lab names outside our lexicon, so their values in a reference note are counted (as misses) and listed.
OTHER_ANALYTES = ("hemoglobin", "hgb", "hematocrit", "white blood cell count", "wbc", "platelets", "ldl", "hdl",
                  "total cholesterol", "cholesterol", "triglycerides", "bun", "egfr", "gfr", "alt", "ast", "bnp",
                  "vitamin d", "vitamin b12", "b12", "ferritin", "psa", "inr", "troponin", "albumin", "uric acid",
                  "lactate")
# Words allowed between an analyte and its value ("potassium was 3.1", "A1c of 7.1", "magnesium: 1.7"), on
# one line: "BNP\n3.\tArrange echo" is a list item's number.
_LINKS = r"(?:[^\S\n]*(?:levels?|was|is|were|of|at|value|result|came back at|[:=])[^\S\n]*)*"


@dataclass(frozen=True)
class Encounter:
    id: str
    corpus: str
    transcript: Transcript
    reference: str
    section: str | None = None  # MTS-Dialog's section header: the reference is that section only


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
    corpus: str
    section: str | None = None
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
        return f"{self.found}/{self.total} ({self.ratio:.0%})" if self.total else "–"


def find_shared(explicit: Path | None = None) -> Path:
    """The shared folder holding data/<corpus> and the index: `explicit`, else `shared` beside the repository."""
    candidates = [explicit] if explicit is not None else [
        ROOT.parent / "shared", Path.cwd() / "shared", Path.cwd().parent / "shared",
        *(parent / "shared" for parent in ROOT.parents)]
    for candidate in candidates:
        if all((candidate / "data" / c.name).is_dir() for c in CORPORA) and (candidate / INDEX).is_file():
            return candidate.resolve()
    tried = ", ".join(str(candidate) for candidate in candidates)
    corpora = ", ".join(f"data/{c.name}" for c in CORPORA)
    raise FileNotFoundError(f"no shared data folder with {corpora} and {INDEX} (tried {tried})")


def load_encounters(shared: Path, corpora: Iterable[Corpus] = CORPORA) -> list[Encounter]:
    """The cramp-related encounters of the index from `corpora`, in index order, as transcripts."""
    by_name = {corpus.name: corpus for corpus in corpora}
    wanted: dict[str, list[str]] = {}
    for line in (shared / INDEX).read_text(encoding="utf-8").splitlines()[1:]:
        file, encounter_id, *_ = line.split("\t")
        if file.split("/", 1)[0] in by_name:
            wanted.setdefault(file, []).append(encounter_id)
    encounters = []
    for file, ids in wanted.items():
        corpus = by_name[file.split("/", 1)[0]]
        records = {}
        for line in (shared / "data" / file).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["id"] in ids:
                records[record["id"]] = record
        encounters += [Encounter(id=i, corpus=corpus.name, transcript=to_transcript(records[i]["turns"]),
                                 reference=records[i][corpus.reference], section=records[i].get("section_header"))
                       for i in ids]
    return encounters


def _alternation(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(phrase) for phrase in sorted(set(phrases), key=len, reverse=True))


class ReferenceReader:
    """Finds medications and analyte values in a reference note, by our lexicon and beyond it."""

    def __init__(self, lexicon: TopicLexicon, ranges: ReferenceRanges) -> None:
        self.generic: dict[str, str] = {}
        # Brands and synonyms first, then every generic name (a reference note names drugs by their generic even
        # where our lexicon does not match it in speech), so a generic wins over another drug's brand.
        for drug in lexicon.drugs.drugs:
            self.generic.update({name.lower(): drug.code for name in (*drug.brands, *drug.synonyms)})
        self.generic.update({drug.display_name.lower(): drug.code for drug in lexicon.drugs.drugs})
        self.classes = {phrase.lower() for cls in lexicon.drugs.classes for phrase in cls.phrases}
        self._drug = re.compile(rf"(?<![\w-])({_alternation(self.generic)})(?![\w-])", re.I)
        terms = lexicon.lexicon.terms
        self.analyte: dict[str, str] = {
            phrase.lower(): entry.code for entry in (*terms.electrolyte, *terms.lab)
            if not (entry.requires_value or entry.interpretation or entry.case_sensitive) for phrase in entry.phrases}
        known = set(self.analyte)
        self.analyte.update({name: "" for name in OTHER_ANALYTES if name not in known})
        self._value = re.compile(rf"(?<![\w-])({_alternation(self.analyte)})(?![\w-]){_LINKS}[^\S\n]*"
                                 r"(\d+(?:\.\d+)?)(?![\d/])(?!\s*(?:-|to|or)\s*\d)(?!\s*times)", re.I)
        self.ranges = ranges

    def medications(self, note: str, *, is_list: bool = False) -> list[Item]:
        """The drugs of `note`; `is_list` when the whole note is a medication list (an MTS-Dialog section)."""
        items = {self.generic[m.group(1).lower()]: Item("medication", self.generic[m.group(1).lower()], m.group(1))
                 for m in self._drug.finditer(note)}
        words = [m.group(1) for m in _DOSED.finditer(note)] + [m.group(1) for m in _DRUG_ENDINGS.finditer(note)]
        lists = [note] if is_list else [m.group(1) or m.group(2) for m in _MEDICATION_LIST.finditer(note)]
        for listed in lists:
            for chunk in _LIST_ITEM.split(listed):
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


def measure(shared: Path, corpora: Iterable[Corpus] = CORPORA) -> list[EncounterResult]:
    """Extract and draft every cramp-related encounter and score its reference's items."""
    extractor = Extractor().load()
    reader = ReferenceReader(load_lexicon(), load_ranges())
    results = []
    for encounter in load_encounters(shared, corpora):
        findings = extractor.extract(encounter.transcript)
        note = draft_note(encounter.transcript, findings)
        wanted = reader.medications(encounter.reference, is_list=encounter.section in LIST_SECTIONS) + \
            reader.values(encounter.reference)
        results.append(EncounterResult(encounter.id, encounter.corpus, encounter.section, [
            Item(i.kind, i.code, i.said, i.value, i.in_lexicon, found_in(i, findings, note)) for i in wanted]))
    return results


def recall(results: Iterable[EncounterResult], kind: ItemKind) -> Recall:
    items = [item for result in results for item in result.of(kind)]
    return Recall(sum(item.found for item in items), len(items), sum(not item.in_lexicon for item in items))


def by_corpus(results: Iterable[EncounterResult]) -> dict[str, list[EncounterResult]]:
    """The results of each corpus, in CORPORA order (corpora without results left out)."""
    grouped: dict[str, list[EncounterResult]] = {corpus.name: [] for corpus in CORPORA}
    for result in results:
        grouped[result.corpus].append(result)
    return {name: group for name, group in grouped.items() if group}


def _recall_row(label: str, results: list[EncounterResult]) -> str:
    meds, values = recall(results, "medication"), recall(results, "value")
    return f"| {label} | {len(results)} | {meds} | {meds.outside_lexicon} | {values} | {values.outside_lexicon} |"


def report(results: list[EncounterResult]) -> str:
    groups = by_corpus(results)
    citations = "; ".join(f"{c.name} {len(groups[c.name])} ({c.citation})" for c in CORPORA if c.name in groups)
    lines = ["## Reference-note recall of medications and lab values", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `python -m benchmarks.reference_recall`, on the "
             f"{len(results)} cramp-related encounters of the shared index: {citations}; all CC BY 4.0, read from "
             "the shared folder, not copied here. The reference is the encounter's note (ACI-bench, PriMock57) or "
             "its one note section (MTS-Dialog, a short dialogue snippet).", "",
             "An item is a drug (drugs.yaml name, brand or synonym, counted as its generic) or an analyte value "
             "(analyte followed by its number) in the reference; found = the drafted note names the generic "
             "in its text or findings, or has a finding of the same analyte with the same value. Drug-like words "
             "and lab names outside our lexicon count as misses and are listed below.", "",
             "| corpus | encounters | medications found / total | outside lexicon | values found / total "
             "| outside lexicon |", "|---|---|---|---|---|---|"]
    lines += [_recall_row(name, group) for name, group in groups.items()]
    lines += [_recall_row("**total**", results)]
    sections: dict[str, list[EncounterResult]] = {}
    for result in groups.get("mts-dialog", []):
        sections.setdefault(result.section or "?", []).append(result)
    if sections:
        lines += ["", "MTS-Dialog by section header (only some sections name drugs or values):", "",
                  "| section | encounters | medications found / total | outside lexicon | values found / total "
                  "| outside lexicon |", "|---|---|---|---|---|---|"]
        lines += [_recall_row(header, group) for header, group in sorted(sections.items())]
    silent = [result.id for result in results if not result.items]
    lines += ["", f"Encounters whose reference names no drug or value ({len(silent)}) are left out of the table "
              "below.", "", "| encounter | corpus | medications | values | missed (in lexicon) | outside lexicon |",
              "|---|---|---|---|---|---|"]
    for result in results:
        if not result.items:
            continue
        cells = []
        for kind in ("medication", "value"):
            items = result.of(kind)
            cells.append(f"{sum(i.found for i in items)}/{len(items)}" if items else "–")
        missed = ", ".join(i.label for i in result.items if i.in_lexicon and not i.found) or "–"
        outside = ", ".join(i.label for i in result.items if not i.in_lexicon) or "–"
        corpus = result.corpus + (f" {result.section}" if result.section else "")
        lines.append(f"| {result.id} | {corpus} | {cells[0]} | {cells[1]} | {missed} | {outside} |")
    outside = Counter(f"{i.kind}: {i.code}" for r in results for i in r.items if not i.in_lexicon)
    if outside:
        lines += ["", "Outside our lexicon (encounters): " + ", ".join(
            f"{label} ({count})" for label, count in sorted(outside.items()))]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None,
                        help="the shared folder holding data/<corpus> and the index (default: ../shared)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    section = report(measure(find_shared(args.shared)))
    write_section(args.out, SECTION, section)
    print(section)


if __name__ == "__main__":
    main()
