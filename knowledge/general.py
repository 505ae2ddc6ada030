"""The general knowledge pack (knowledge/general/): terms of the whole visit that belong to no one topic.

Problems (ICD-10-CM coded), review-of-systems symptoms, exam findings, vitals, labs, imaging, orders and
referrals, allergies, social history and follow-up, one YAML file each, validated here with errors that
name the file and field. A topic pack adds its own terms on top (knowledge/lexicon.py); where both
name the same phrase for the same kind, the topic's entry wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints, model_validator

from knowledge.datafile import GENERAL_DIR, line_of, load_model
from knowledge.errors import KnowledgeError
from nlp.lexicon import EXCLUDE, TermPattern, normalise
from nlp.strict import StrictModel

# Files of the pack that are not term lists (read by their own loaders).
NOT_TERMS = frozenset({"drug_stoplist.yaml", "cues.yaml", "pack.yaml"})

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Phrase = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
GeneralKind = Literal["symptom", "condition", "exam", "vital", "lab", "imaging", "order", "allergy", "social",
                      "follow_up"]
GENERAL_KINDS = get_args(GeneralKind)
OrderType = Literal["lab", "imaging", "referral", "procedure", "therapy"]


# The kinds whose words a clinician asks about in the second person ("any pain when you pee?"): each first-person
# phrase of theirs is also read in the second person, unless another term lists that wording.
ASKED_KINDS = frozenset({"symptom"})
SECOND_PERSON = {"i": "you", "my": "your", "me": "you", "myself": "yourself", "i'm": "you're", "i've": "you've",
                 "i'd": "you'd", "mine": "yours"}


def second_person(phrase: str) -> str | None:
    """The phrase said to the patient ("pain in my jaw" -> "pain in your jaw"); None when it has no first person."""
    words = phrase.lower().split()
    if not any(word in SECOND_PERSON for word in words):
        return None
    said = [SECOND_PERSON.get(word, word) for word in words]
    said = ["are" if word == "am" and index and said[index - 1] == "you" else word for index, word in enumerate(said)]
    return " ".join(said)


class UnitByMagnitude(StrictModel):
    """A value said without its unit is in `unit` when below `below` (a temperature of 38 is Celsius, 101 is
    Fahrenheit)."""

    below: float
    unit: str


class GeneralTerm(StrictModel):
    """One concept of the general pack and the phrases that name it."""

    code: Code
    phrases: list[Phrase] = Field(min_length=1)
    negated_phrases: list[Phrase] = []  # phrases that say the concept is absent in themselves ("nkda")
    icd10: str | None = None  # conditions: checked against ICD-10-CM at load
    unit: str | None = None  # the usual UCUM unit of a measured term
    units: dict[str, str | None] = {}  # spoken unit -> UCUM (None: inferred from the magnitude)
    by_magnitude: list[UnitByMagnitude] = []  # the unit of a value said without one, by its size
    order_type: OrderType | None = None
    # a procedure's status after it (ICD-10-CM, checked at load): said of the past ("I had my appendix out in 2010"),
    # the procedure is surgical history, a condition of the procedure's code, not an order
    after: str | None = None
    # advice of where to turn if things get worse: said under a condition ("if it gets worse, go to A&E") or in a turn
    # that says one of these words ("your breathing is getting worse, then take yourself to A&E"), the safety net, no
    # order; said plainly ("you need to go to the emergency department now"), ordered
    safety_net: list[Phrase] = []
    # a habit of checking at home, asked about ("Do you monitor your blood sugars at home?"), is the result of this
    # test (a lab code): the answer says what the readings are, no order
    asked: Code | None = None
    panel: bool = False  # a test without one value of its own (a blood count, a lipid panel)
    unnamed: bool = False  # names no one test ("labs", "blood work"): ordered, it is an order; its result is none
    names_kind: bool = False  # names the kind itself ("allergies"): other terms of the kind need it or a cue nearby
    paired: Code | None = None  # the name of a second value said as a pair ("130 over 80": diastolic)
    # conditions: the one place the problem is of (a knee sprain's knee, a Lisfranc fracture's foot), a site code of
    # cues.yaml; such a problem has the side said with it, or the one the visit gives that place (docs/findings.md)
    site: Code | None = None
    # the values a reading can take, in any of its units: a number outside is not this measure's ("a two over six
    # murmur" is no blood pressure)
    plausible: tuple[float, float] | None = None


class GeneralTermsFile(StrictModel):
    """One file of the general pack: the terms of one finding kind."""

    kind: GeneralKind
    requires_value: bool = False  # a term said without a number is no finding ("check your weight", "BP looks good")
    terms: list[GeneralTerm] = []
    cues: list[Phrase] = []  # allergy: phrases that introduce an allergen ("allergic to")
    units: dict[str, str] = {}  # follow_up: interval words -> UCUM
    # a generic code -> the code of its site ("pain" + knee -> "{site}_pain"), or templates tried in order
    by_site: dict[Code, str | list[str]] = {}
    placeless: list[Code] = []  # symptoms a place said beside them is not of (fever, headache, cough)
    sideless: list[Code] = []  # ... nor a side: of the whole body or no one side (fever, vomiting, diarrhea)
    # findings only when denied: the pertinent negative ("no injury"), where one said is the history of another finding
    # (the injury's pain, the sprain: "I twisted my ankle")
    denied_only: list[Code] = []
    # social history that is a status, whose "no" is itself one: "Are you working?" "No, I'm retired", "Do you live
    # alone?" "No, with my wife" tell the occupation and the home; said or denied, the finding is present
    statuses: list[Code] = []
    # conditions of no one place that take the place said with them ("arthritis of the right hip", "a fracture of
    # the left wrist"); a condition neither `placed` nor with a `site` has no place and no side (hypertension)
    placed: list[Code] = []
    # exam findings that say a part is as it should be ("sensation is intact", "pulses are strong"): the examiner
    # compares both sides, so they tell no side of the complaint (knowledge/extract.py `_sided`)
    normal: list[Code] = []
    # exam findings of the part of a limb being examined: said with no place, they are of that part ("on your right
    # foot exam there is bruising" ... "it's warm to touch": knowledge/dialogue.py `examined_part`)
    of_the_part: list[Code] = []
    broader: dict[Code, list[Code]] = {}  # a generic code -> its specific forms: said with one, it is that one
    exclude: list[Phrase] = []  # phrases that hold a term's phrase and mean something else ("wrap it all up")

    @model_validator(mode="after")
    def _listed_codes_are_terms(self) -> GeneralTermsFile:
        codes = {term.code for term in self.terms}
        for field in ("placeless", "sideless", "denied_only", "statuses", "placed", "normal", "of_the_part"):
            unknown = [code for code in getattr(self, field) if code not in codes]
            if unknown:
                raise ValueError(f"{field}: {', '.join(unknown)} is no term of this file")
        unknown = [code for broad, narrow in self.broader.items() for code in (broad, *narrow) if code not in codes]
        if unknown:
            raise ValueError(f"broader: {', '.join(unknown)} is no term of this file")
        return self


class PackFile(StrictModel):
    """pack.yaml: the order in which the files claim a phrase that two of them name ("insomnia" is a problem
    and a symptom): the first file listed keeps it. Every term file of the folder is listed."""

    order: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class GeneralPack:
    """The validated files of the general pack, by file name, in the order of pack.yaml."""

    files: dict[str, GeneralTermsFile]

    @cached_property
    def _terms_by_code(self) -> dict[str, list[GeneralTerm]]:
        """Code -> its terms, for lookups made per finding."""
        found: dict[str, list[GeneralTerm]] = {}
        for file in self.files.values():
            for term in file.terms:
                found.setdefault(term.code, []).append(term)
        return found

    @cached_property
    def placeless(self) -> frozenset[tuple[str, str]]:
        """(kind, code) of the terms a place said beside them is not of (fever, cough)."""
        return frozenset((file.kind, code) for file in self.files.values() for code in file.placeless)

    @cached_property
    def denied_only(self) -> frozenset[tuple[str, str]]:
        """(kind, code) of the terms that are findings only when denied (injury)."""
        return frozenset((file.kind, code) for file in self.files.values() for code in file.denied_only)

    @cached_property
    def statuses(self) -> frozenset[tuple[str, str]]:
        """(kind, code) of the terms that are a status, present when denied (occupation, living situation)."""
        return frozenset((file.kind, code) for file in self.files.values() for code in file.statuses)

    @cached_property
    def sideless(self) -> frozenset[tuple[str, str]]:
        """(kind, code) of the terms that have no side (fever, vomiting)."""
        return frozenset((file.kind, code) for file in self.files.values() for code in file.sideless)

    @cached_property
    def normal(self) -> frozenset[tuple[str, str]]:
        """(kind, code) of the findings that say a part is normal (sensation intact): they give no place its side."""
        return frozenset((file.kind, code) for file in self.files.values() for code in file.normal)

    @cached_property
    def of_the_part(self) -> frozenset[tuple[str, str]]:
        """(kind, code) of the exam findings that are of the part examined when said with no place (warmth)."""
        return frozenset((file.kind, code) for file in self.files.values() for code in file.of_the_part)

    @cached_property
    def broader(self) -> dict[tuple[str, str], frozenset[str]]:
        """(kind, generic code) -> its specific forms ("injection": a steroid injection, a joint injection)."""
        return {(file.kind, broad): frozenset(narrow) for file in self.files.values()
                for broad, narrow in file.broader.items()}

    def of_kind(self, kind: str) -> list[GeneralTerm]:
        return [term for file in self.files.values() if file.kind == kind for term in file.terms]

    def cues(self, kind: str) -> list[str]:
        return [cue for file in self.files.values() if file.kind == kind for cue in file.cues]

    def by_site(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(kind, generic code) -> templates of the site's code, in order."""
        return {(file.kind, code): (templates,) if isinstance(templates, str) else tuple(templates)
                for file in self.files.values() for code, templates in file.by_site.items()}

    def interval_units(self) -> dict[str, str]:
        return {word: unit for file in self.files.values() if file.kind == "follow_up"
                for word, unit in file.units.items()}

    def icd10(self) -> dict[str, str]:
        """Problem code -> ICD-10-CM code."""
        return {term.code: term.icd10 for term in self.of_kind("condition") if term.icd10}

    def patterns(self, taken: set[str]) -> list[TermPattern]:
        """Term patterns of every file, leaving out the phrases a topic already names, and each phrase only in the
        first file (pack.yaml order) that names it."""
        patterns = []
        claimed = set(taken)
        listed = {phrase.lower() for file in self.files.values() for term in file.terms for phrase in term.phrases}
        for file in self.files.values():
            for term in file.terms:
                phrases = tuple(p for p in term.phrases if p.lower() not in claimed)
                if file.kind in ASKED_KINDS:  # "burning when i pee" is asked "burning when you pee?"
                    asked = (second_person(p) for p in phrases)
                    phrases += tuple(dict.fromkeys(a for a in asked if a is not None and a not in listed | claimed))
                if not phrases:
                    continue
                allowed = tuple(sorted({unit for unit in (term.unit, *term.units.values()) if unit}))
                options = {"icd10": term.icd10, "order_type": term.order_type, "after": term.after, "panel": term.panel,
                           "unnamed": term.unnamed, "units": allowed if term.units else None,
                           "requires_number": file.requires_value, "paired": term.paired, "plausible": term.plausible,
                           "names_kind": term.names_kind, "placeless": term.code in file.placeless,
                           "sideless": term.code in file.sideless, "site": term.site,
                           "placed": term.code in file.placed, "safety_net": tuple(term.safety_net),
                           "asked": term.asked}
                attributes = {key: value for key, value in options.items() if value}
                patterns.append(TermPattern(file.kind, term.code, phrases, attributes))
                if term.negated_phrases:
                    patterns.append(TermPattern(file.kind, term.code, tuple(term.negated_phrases),
                                                attributes | {"negated": True}))
            claimed |= {phrase.lower() for term in file.terms for phrase in term.phrases}
            if file.exclude:
                patterns.append(TermPattern(EXCLUDE, EXCLUDE, tuple(file.exclude)))
        return patterns

    def spoken_units(self) -> dict[str, dict[str, str | None]]:
        """Measured code -> spoken unit phrase -> UCUM, for vitals and labs."""
        return {term.code: dict(term.units) for file in self.files.values() for term in file.terms if term.units}

    def unit_of(self, code: str, value: float) -> str | None:
        """The unit of a value said without one: by its magnitude where the term says so, else the usual unit."""
        for term in self._terms_by_code.get(code, ()):
            for rule in term.by_magnitude:
                if value < rule.below:
                    return rule.unit
            if term.by_magnitude:
                return None  # beyond every plausible size: no unit rather than a wrong one
            return term.unit
        return None


def load_general(folder: Path | None = None) -> GeneralPack:
    """Read and validate every term file of the general pack (default: knowledge/general/)."""
    folder = folder if folder is not None else GENERAL_DIR
    if not folder.is_dir():
        raise KnowledgeError(f"{folder}: no such folder (the general knowledge pack)")
    order = load_model(folder / "pack.yaml", PackFile).order
    present = sorted(path.name for path in folder.glob("*.yaml") if path.name not in NOT_TERMS)
    if sorted(order) != present:
        raise KnowledgeError(f"general/pack.yaml: order: lists {sorted(order)}, the folder holds {present}")
    files = {}
    for name in order:
        file = load_model(folder / name, GeneralTermsFile)
        _check(file, folder / name)
        files[name] = file
    return GeneralPack(files)


def _check(file: GeneralTermsFile, path: Path) -> None:
    """Unique codes; every condition has an ICD-10-CM code that exists. Errors name the file, field and line."""
    label = f"general/{path.name}"
    # Imported here, not at the top: parsing the ICD-10-CM tables takes ~2.7 s, paid only by a process that
    # loads the pack, not by every CLI command that imports knowledge/.
    import simple_icd_10_cm

    seen: set[str] = set()
    named: dict[str, str] = {}  # phrase -> the code that names it
    for index, term in enumerate(file.terms):
        if term.code in seen:
            raise KnowledgeError(f"{label}: terms.{index}.code: '{term.code}' appears twice"
                                 f"{line_of(path, ('terms', index))}")
        seen.add(term.code)
        # One phrase of two codes would be either, by the matcher's order: a merge of two lexicon edits can flip it
        for phrase in term.phrases:
            other = named.setdefault(normalise(phrase), term.code)
            if other != term.code:
                raise KnowledgeError(f"{label}: terms.{index}.phrases: '{phrase}' names both '{other}' and "
                                     f"'{term.code}'{line_of(path, ('terms', index))}")
        if file.kind == "condition":
            if term.icd10 is None:
                raise KnowledgeError(f"{label}: terms.{index}.icd10: field required for a condition ('{term.code}')"
                                     f"{line_of(path, ('terms', index))}")
            if not simple_icd_10_cm.is_valid_item(term.icd10):
                raise KnowledgeError(f"{label}: terms.{index}.icd10: '{term.icd10}' is not an ICD-10-CM code "
                                     f"('{term.code}'){line_of(path, ('terms', index))}")
        if term.after is not None and not simple_icd_10_cm.is_valid_item(term.after):
            raise KnowledgeError(f"{label}: terms.{index}.after: '{term.after}' is not an ICD-10-CM code "
                                 f"('{term.code}'){line_of(path, ('terms', index))}")
