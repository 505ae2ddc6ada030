"""How well the findings match a gold corpus: precision, recall and F1 overall, per kind and per assertion.

A corpus is a folder of transcripts (`NAME.txt`, `Speaker: text` lines) each with a gold sidecar
(`NAME.yaml`, or `NAME.json`) listing the findings the consultation should give. The matching rule
(docs/evaluation.md): a gold finding is found when the extractor gives a finding with the same kind,
code and assertion, and, when the gold states a value, a value within tolerance of it (a follow-up's interval
compared in days). Each
extracted finding matches at most one gold finding. Other attributes the gold states (historical,
unit, interpretation, dose, site, laterality) are scored separately on the matched pairs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from rich.table import Table

from knowledge.base import KnowledgeBase
from knowledge.corpora import CorpusNotFound, find_data, record
from knowledge.equivalents import Equivalents, load_equivalents
from knowledge.errors import CorpusError
from knowledge.extract import Extractor
from nlp.lexicon import MEDICATION, normalise
from nlp.strict import StrictModel
from nlp.transcript_io import TranscriptFormatError, parse_text
from nlp.types import Assertion, Finding, FindingKind, Transcript

GOLD_SUFFIXES = (".yaml", ".yml", ".json")
CORPUS_FILE = "corpus.yaml"
ABSOLUTE_TOLERANCE = 0.05  # a value matches within 0.05 or 2% of the gold value, whichever is larger
RELATIVE_TOLERANCE = 0.02
SITE = "site"  # the kind of the place modifiers among the knowledge base's patterns
ORDERED_KINDS = ("lab", "imaging")  # an order of a test or study is coded as the test (docs/findings.md)
ATTRIBUTES = ("historical", "unit", "interpretation", "dose", "site", "laterality", "action", "order_type")
# A follow-up's interval is one time said in two units ("in four weeks", "in a month"): compared in days, within
# 10%, so 4 wk is 1 mo and 1 wk is not 1 mo. UCUM's units of time as findings give them (docs/findings.md).
DAYS_PER_UNIT = {"d": 1.0, "wk": 7.0, "mo": 30.4, "a": 365.25}
INTERVAL_TOLERANCE = 0.1
ICD10_CATEGORY = 3  # two problems with the same ICD-10-CM category (E11.9, E11.65) are the same problem
NO_EQUIVALENTS = Equivalents.none()


class GoldDose(StrictModel):
    value: float
    unit: str


class GoldFinding(StrictModel):
    """One expected finding. Only kind, code and assertion (and value, when given) decide a match."""

    kind: FindingKind
    code: str
    assertion: Assertion = "present"
    value: float | None = None
    unit: str | None = None
    interpretation: Literal["low", "normal", "high"] | None = None
    historical: bool | None = None
    dose: GoldDose | None = None
    site: str | None = None
    laterality: Literal["left", "right", "bilateral"] | None = None
    action: Literal["start", "stop", "change", "continue", "consider", "decline"] | None = None
    icd10: str | None = None
    order_type: Literal["lab", "imaging", "referral", "procedure", "therapy"] | None = None
    diastolic: float | None = None

    def label(self) -> str:
        value = "" if self.value is None else f" {self.value:g}"
        return f"{self.kind} {self.code} {self.assertion}{value}"


class GoldSource(StrictModel):
    """Where the words of a real dialogue are: a corpus file of ../shared/data and a record id."""

    corpus: str
    id: str


class GoldFile(StrictModel):
    source: GoldSource | None = None  # a real dialogue, read from the shared data (no NAME.txt beside it)
    findings: list[GoldFinding]


Scope = Literal["visit", "topic"]


class CorpusFile(StrictModel):
    """corpus.yaml beside the gold files (optional): what the gold lists.

    `topic`: only the concepts of the topic pack (tests/gold, written before the whole-visit findings), so
    findings of other concepts are not scored; `visit` (default): every finding of the visit. `annotates`: for
    a kind named there, the only codes the gold annotates (tests/gold_real: social history is tobacco, alcohol,
    drugs, work, exercise, diet and living situation, not coffee or travel); a finding of another code of that
    kind is not scored unless the consultation's gold lists that code. `unannotated`: for a kind named there, the
    assertions the gold never gives it (tests/gold_real: a symptom or condition named only in safety-net advice,
    "if you get a high temperature, ring us", is hypothetical and not annotated); such a finding is not scored
    unless the consultation's gold lists that code with that assertion.
    """

    scope: Scope = "visit"
    annotates: dict[FindingKind, list[str]] = {}
    unannotated: dict[FindingKind, list[Assertion]] = {}


@dataclass(frozen=True)
class GoldConsultation:
    name: str
    transcript: Transcript
    findings: list[GoldFinding]
    scope: Scope = "visit"
    annotates: dict[str, frozenset[str]] = field(default_factory=dict)  # kind -> the only codes annotated
    unannotated: dict[str, frozenset[str]] = field(default_factory=dict)  # kind -> assertions never annotated


@dataclass
class Score:
    """Counts of true positives, false positives and false negatives, and the figures they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Agreement:
    """How often an attribute stated in the gold is the same on the matched extracted finding."""

    agree: int = 0
    total: int = 0

    def as_dict(self) -> dict[str, float | int]:
        return {"agree": self.agree, "total": self.total,
                "accuracy": round(self.agree / self.total, 4) if self.total else 1.0}


@dataclass(frozen=True)
class Error:
    """A miss (gold not found), a false positive (extracted, not in the gold) or an attribute disagreement."""

    consultation: str
    finding: str
    detail: str = ""


@dataclass
class Evaluation:
    consultations: int = 0
    overall: Score = field(default_factory=Score)
    by_kind: dict[str, Score] = field(default_factory=dict)
    by_assertion: dict[str, Score] = field(default_factory=dict)
    attributes: dict[str, Agreement] = field(default_factory=dict)
    misses: list[Error] = field(default_factory=list)
    false_positives: list[Error] = field(default_factory=list)
    attribute_errors: list[Error] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "consultations": self.consultations, "overall": self.overall.as_dict(),
            "by_kind": {k: s.as_dict() for k, s in sorted(self.by_kind.items())},
            "by_assertion": {k: s.as_dict() for k, s in sorted(self.by_assertion.items())},
            "attributes": {k: a.as_dict() for k, a in self.attributes.items()},
            "misses": [e.__dict__ for e in self.misses],
            "false_positives": [e.__dict__ for e in self.false_positives],
            "attribute_errors": [e.__dict__ for e in self.attribute_errors],
        }


# --- reading a corpus ------------------------------------------------------------------------------

def load_corpus(folder: Path, data: Path | None = None) -> list[GoldConsultation]:
    """Every consultation of `folder`, in name order; CorpusError names a bad file.

    A consultation is a transcript (`NAME.txt`) with its gold sidecar, or a gold file whose `source` names a
    dialogue of the shared corpora, read from `data` (default: ../shared/data beside the repository).
    """
    if not folder.is_dir():
        raise CorpusError(f"{folder}: not a folder")
    transcripts = sorted(folder.glob("*.txt"))
    sourced = sorted(path for suffix in GOLD_SUFFIXES for path in folder.glob(f"*{suffix}")
                     if not path.with_suffix(".txt").is_file() and path.name != CORPUS_FILE)
    if not transcripts and not sourced:
        raise CorpusError(f"{folder}: no transcripts (*.txt) and no gold files naming a source in the corpus")
    declared = _corpus_file(folder)
    annotates: dict[str, frozenset[str]] = {kind: frozenset(codes) for kind, codes in declared.annotates.items()}
    unannotated: dict[str, frozenset[str]] = {kind: frozenset(said) for kind, said in declared.unannotated.items()}
    consultations = [_consultation(path) for path in transcripts] + [_sourced(path, data) for path in sourced]
    return sorted((replace(c, scope=declared.scope, annotates=annotates, unannotated=unannotated)
                   for c in consultations),
                  key=lambda consultation: consultation.name)


def _corpus_file(folder: Path) -> CorpusFile:
    path = folder / CORPUS_FILE
    if not path.is_file():
        return CorpusFile()
    try:
        return CorpusFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise CorpusError(f"{path}: {str(exc).splitlines()[0]}") from None


def _sourced(path: Path, data: Path | None) -> GoldConsultation:
    gold = read_gold(path)
    if gold.source is None:
        raise CorpusError(f"{path}: no transcript {path.stem}.txt beside it and no `source` naming a dialogue")
    try:
        found = record(find_data(data), gold.source.corpus, gold.source.id)
    except CorpusNotFound as exc:
        raise CorpusError(f"{path}: source: {exc}") from None
    return GoldConsultation(path.stem, found.transcript, gold.findings)


def _consultation(path: Path) -> GoldConsultation:
    sidecar = next((path.with_suffix(s) for s in GOLD_SUFFIXES if path.with_suffix(s).is_file()), None)
    if sidecar is None:
        raise CorpusError(f"{path}: no gold file ({path.stem}.yaml or {path.stem}.json) beside it")
    try:
        transcript = parse_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TranscriptFormatError) as exc:
        raise CorpusError(f"{path}: {exc}") from None
    return GoldConsultation(path.stem, transcript, read_gold(sidecar).findings)


def read_gold(path: Path) -> GoldFile:
    """A gold sidecar, validated; CorpusError names the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CorpusError(f"{path}: unreadable: {reason}") from None
    try:
        return GoldFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise CorpusError(f"{path}: {where}: {first['msg']}") from None


# --- scoring ---------------------------------------------------------------------------------------

def evaluate(corpus: Iterable[GoldConsultation], extractor: Extractor,
             equivalents: Equivalents | None = None) -> Evaluation:
    """Run the extractor on every consultation and score its findings against the gold.

    `equivalents` says which codings are one fact (default: the knowledge base's declarations,
    general/relations/equivalents.yaml); `Equivalents.none()` matches identical codings only.
    """
    result = Evaluation(attributes={name: Agreement() for name in ATTRIBUTES})
    codes = CodeReader(extractor.knowledge)
    topic = topic_concepts(extractor.knowledge)
    same = equivalents if equivalents is not None else load_equivalents(known_concepts(extractor.knowledge))
    for consultation in corpus:
        result.consultations += 1
        gold = [codes.read(finding) for finding in consultation.findings]
        found = extractor.extract(consultation.transcript).findings
        if consultation.scope == "topic":
            found = [finding for finding in found if (finding.kind, finding.code) in topic]
        found = in_scope(found, consultation.annotates, gold, consultation.unannotated)
        _score(result, consultation.name, gold, found, same)
    return result


def known_concepts(knowledge: KnowledgeBase) -> set[tuple[str, str]]:
    """(kind, code) of everything the knowledge base can give: its terms and every drug of the dictionary."""
    drugs = set(knowledge.drugs.ids) | set(knowledge.drug_attributes)
    return set(knowledge.codes) | {(MEDICATION, code) for code in drugs}


def in_scope(found: list[Finding], annotates: dict[str, frozenset[str]], gold: list[GoldFinding],
             unannotated: dict[str, frozenset[str]] | None = None) -> list[Finding]:
    """The findings the gold annotates: of a kind the corpus limits (`annotates`), only its codes and those this
    consultation's gold lists; of a kind with assertions never annotated (`unannotated`), none with those
    assertions but the codings this consultation's gold lists."""
    listed = {(finding.kind, finding.code) for finding in gold}
    asserted = {(finding.kind, finding.code, finding.assertion) for finding in gold}
    never = unannotated or {}
    return [finding for finding in found
            if (finding.kind not in annotates or finding.code in annotates[finding.kind]
                or (finding.kind, finding.code) in listed)
            and (finding.assertion not in never.get(finding.kind, frozenset())
                 or (finding.kind, finding.code, finding.assertion) in asserted)]


def topic_concepts(knowledge: KnowledgeBase) -> set[tuple[str, str]]:
    """(kind, code) of every concept the topic pack names: its terms, drugs and drug classes."""
    concepts = {(pattern.kind, pattern.code) for pattern in knowledge.lexicon.to_nlp().terms}
    age = knowledge.lexicon.lexicon.age
    if age is not None:
        concepts.add(("condition", age.code))
    return concepts | {(MEDICATION, code) for code in knowledge.lexicon.drug_attributes()}


class CodeReader:
    """Reads a gold code in the knowledge base's words: a code that is a phrase of an entry of its kind (or a
    drug's name) is that entry's code, and a site that is a phrase of a place is that place. The gold of real
    dialogues was written without looking at our codes."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.phrases: dict[tuple[str, str], str] = {}
        for pattern in knowledge.to_nlp().terms:
            for phrase in pattern.phrases:
                self.phrases.setdefault((pattern.kind, normalise(phrase)), pattern.code)
        for pattern in knowledge.to_nlp().terms:  # an order of a test or study takes the test's code
            if pattern.kind in ORDERED_KINDS:
                for phrase in pattern.phrases:
                    self.phrases.setdefault(("order", normalise(phrase)), pattern.code)
        self.known = {(pattern.kind, pattern.code) for pattern in knowledge.to_nlp().terms}
        self.drugs = knowledge.drugs

    def read(self, gold: GoldFinding) -> GoldFinding:
        site = self.phrases.get((SITE, normalise(gold.site.replace("_", " ")))) if gold.site else None
        if site is not None and site != gold.site:  # "lumbar_spine" is the place "lumbar spine" names: low_back
            gold = gold.model_copy(update={"site": site})
        if (gold.kind, gold.code) in self.known:
            return gold
        spoken = normalise(gold.code.replace("_", " "))
        code = self.phrases.get((gold.kind, spoken))
        if code is None and gold.kind == MEDICATION:
            code = self.drugs.code(spoken)
        return gold if code is None or code == gold.code else gold.model_copy(update={"code": code})


def _score(result: Evaluation, name: str, gold: list[GoldFinding], found: list[Finding],
           equivalents: Equivalents = NO_EQUIVALENTS) -> None:
    unmatched = list(found)
    matched: dict[int, Finding] = {}
    # Every gold finding takes its identical coding first, then the same problem by ICD-10-CM category, then a
    # coding declared the same fact or narrower: a looser rule never takes a finding a stricter one needs.
    rules = (lambda e, f: _matches(e, f, NO_EQUIVALENTS), _same_problem,
             lambda e, f: _matches(e, f, equivalents))
    for rule in rules:
        for index, expected in enumerate(gold):
            if index in matched:
                continue
            match = next((f for f in unmatched if rule(expected, f)), None)
            if match is not None:
                matched[index] = match
                unmatched.remove(match)
    for index, expected in enumerate(gold):
        match = matched.get(index)
        _count(result, expected.kind, expected.assertion, "tp" if match else "fn")
        if match is None:
            result.misses.append(Error(name, expected.label(), _near_miss(expected, found)))
            continue
        for attribute, said, got in _attribute_pairs(expected, match):
            agreement = result.attributes[attribute]
            agreement.total += 1
            agreement.agree += said == got
            if said != got:
                result.attribute_errors.append(Error(name, expected.label(), f"{attribute}: gold {said}, got {got}"))
    for extra in unmatched:
        _count(result, extra.kind, extra.assertion, "fp")
        value = "" if extra.value is None else f" {extra.value:g}"
        result.false_positives.append(Error(name, f"{extra.kind} {extra.code} {extra.assertion}{value}",
                                            f"said as {extra.text!r}"))


def _count(result: Evaluation, kind: str, assertion: str, outcome: str) -> None:
    for score in (result.overall, result.by_kind.setdefault(kind, Score()),
                  result.by_assertion.setdefault(assertion, Score())):
        setattr(score, outcome, getattr(score, outcome) + 1)


def _matches(expected: GoldFinding, found: Finding, equivalents: Equivalents) -> bool:
    if not equivalents.matches((expected.kind, expected.code, expected.assertion),
                               (found.kind, found.code, found.assertion)):
        return False
    if expected.value is None:
        return True
    if found.value is None:
        return False
    if expected.kind == "follow_up" and expected.unit in DAYS_PER_UNIT and found.unit in DAYS_PER_UNIT:
        said, got = expected.value * DAYS_PER_UNIT[expected.unit], found.value * DAYS_PER_UNIT[found.unit]
        return abs(got - said) <= INTERVAL_TOLERANCE * said
    tolerance = max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * abs(expected.value))
    return abs(found.value - expected.value) <= tolerance


def _same_problem(expected: GoldFinding, found: Finding) -> bool:
    """Two conditions with the same assertion and the same ICD-10-CM category."""
    icd10 = found.attributes.get("icd10")
    return expected.kind == found.kind == "condition" and expected.assertion == found.assertion \
        and expected.icd10 is not None and isinstance(icd10, str) \
        and expected.icd10[:ICD10_CATEGORY] == icd10[:ICD10_CATEGORY]


def _near_miss(expected: GoldFinding, found: list[Finding]) -> str:
    """What the extractor said about the same concept instead, if anything."""
    same = [f for f in found if (f.kind, f.code) == (expected.kind, expected.code)]
    if not same:
        return "not found"
    got = same[0]
    value = "" if got.value is None else f" value {got.value:g}"
    return f"found as {got.assertion}{value}"


def _attribute_pairs(expected: GoldFinding, found: Finding) -> list[tuple[str, Any, Any]]:
    """(attribute, gold, extracted) for every attribute the gold states."""
    said = found.attributes
    dose = said.get("dose")
    extracted = {
        "historical": found.historical, "unit": found.unit, "interpretation": said.get("interpretation"),
        "dose": (float(dose["value"]), dose["unit"]) if isinstance(dose, dict) else None,
        "site": said.get("site"), "laterality": said.get("laterality"), "action": said.get("action"),
        "order_type": said.get("order_type"),
    }
    pairs = []
    for attribute in ATTRIBUTES:
        gold = getattr(expected, attribute)
        if gold is None:
            continue
        if attribute == "dose":
            gold = (gold.value, gold.unit)
        pairs.append((attribute, gold, extracted[attribute]))
    return pairs


# --- presentation ----------------------------------------------------------------------------------

def tables(evaluation: Evaluation) -> list[Table]:
    """The evaluation as rich tables: scores, attribute agreement, and every miss and false positive."""
    scores = Table("scope", "gold", "found", "tp", "fp", "fn", "precision", "recall", "F1",
                   title=f"Findings on {evaluation.consultations} consultations")
    rows = [("overall", evaluation.overall)]
    rows += [(f"kind: {k}", s) for k, s in sorted(evaluation.by_kind.items())]
    rows += [(f"assertion: {k}", s) for k, s in sorted(evaluation.by_assertion.items())]
    for scope, s in rows:
        scores.add_row(scope, str(s.tp + s.fn), str(s.tp + s.fp), str(s.tp), str(s.fp), str(s.fn),
                       f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}")
    attributes = Table("attribute", "agree", "stated in gold", "accuracy", title="Attributes of matched findings")
    for name, agreement in evaluation.attributes.items():
        accuracy = agreement.agree / agreement.total if agreement.total else 1.0
        attributes.add_row(name, str(agreement.agree), str(agreement.total), f"{accuracy:.3f}")
    errors = Table("consultation", "error", "finding", "detail", title="Misses and false positives")
    for label, items in (("miss", evaluation.misses), ("false positive", evaluation.false_positives),
                         ("attribute", evaluation.attribute_errors)):
        for error in items:
            errors.add_row(error.consultation, label, error.finding, error.detail)
    return [scores, attributes, errors]
