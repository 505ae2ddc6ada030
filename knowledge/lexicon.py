"""The topic lexicon (lexicon.yaml) and drug list (drugs.yaml): schema, loader, and their nlp-level form.

YAML is validated here (errors name file and field) and turned into `nlp.lexicon.Lexicon`, the plain
types the spaCy pipeline understands, so nlp/ never reads knowledge files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from knowledge.datafile import DEFAULT_TOPIC, GENERAL_DIR, load_model, topic_dir
from knowledge.errors import KnowledgeError
from nlp.lexicon import AGE_BLOCKER, AGE_CUE, EXCLUDE, ContextRule, Direction, Lexicon, TermPattern
from nlp.strict import StrictModel

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Phrase = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
RxCui = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,8}$")]
Interpretation = Literal["low", "normal", "high"]
MEDICATION = "medication"


class _Strict(StrictModel):
    model_config = ConfigDict(populate_by_name=True)  # a YAML alias or the field name


class TermEntry(_Strict):
    """One concept (finding code) and the phrases that name it."""

    code: Code
    phrases: list[Phrase] = Field(min_length=1)
    vocabulary: list[Phrase] = []
    case_sensitive: bool = False
    requires_value: bool = False
    as_medication: Code | None = None
    interpretation: Interpretation | None = None


class Terms(_Strict):
    symptom: list[TermEntry] = []
    timing: list[TermEntry] = []
    electrolyte: list[TermEntry] = []
    lab: list[TermEntry] = []
    condition: list[TermEntry] = []
    exclude: list[Phrase] = []


class ModifierEntry(_Strict):
    """A qualifier (site, laterality, frequency, unit, ...); `code` is the value it gives (`calf`, `mg/dL`)."""

    code: Phrase
    phrases: list[Phrase] = Field(min_length=1)
    generic: bool = False
    needs_site: bool = False
    # a side said by the words of a site ("your lower extremities": both legs): the side of what that site is given to
    of_site: bool = False
    # Words of the kind said in a saying that names none ("on my feet all day" is standing, no place): the longer
    # phrase hides the shorter one inside it and gives nothing.
    idiom: bool = False
    # a site of the middle of the body (the back, the chest, the abdomen): a pain there may be on one side, but a
    # study or problem of it has none ("a CT of the abdomen", not "of the left abdomen": nlp/components/sites.py)
    midline: bool = False
    applies_to: list[Literal["medication", "symptom"]] = ["medication"]


class Modifiers(_Strict):
    site: list[ModifierEntry] = []
    laterality: list[ModifierEntry] = []
    frequency: list[ModifierEntry] = []
    dose_unit: list[ModifierEntry] = []
    lab_unit: list[ModifierEntry] = []
    interpretation: list[ModifierEntry] = []
    intake: list[ModifierEntry] = []
    correction: list[ModifierEntry] = []  # "no wait, it's the right leg": what follows replaces the site said
    action: list[ModifierEntry] = []  # what the clinician decides about a medication (start, stop, continue, ...)
    exam_cue: list[ModifierEntry] = []
    manoeuvre: list[ModifierEntry] = []  # "if I bend your knee": the exam finding the patient's "that hurts" makes
    duration_cue: list[ModifierEntry] = []  # "for", "for the past": a time said after it is how long a symptom lasts
    onset_cue: list[ModifierEntry] = []  # "since": what follows is when a symptom began
    onset_time: list[ModifierEntry] = []  # "yesterday", "a couple of days ago": when a symptom began, said alone
    onset_question: list[ModifierEntry] = []  # "when did this start?": the answer says when
    order_cue: list[ModifierEntry] = []  # a test, study or treatment said after one of these is ordered today
    order_list: list[ModifierEntry] = []  # words joining a list of tests: each is ordered by the first one's cue
    allergy_cue: list[ModifierEntry] = []  # "allergic to": a drug said after it is an allergen


class AgeRules(_Strict):
    """A stated age over `over` gives the condition `code`."""

    code: Code
    over: int = Field(gt=0)
    before: list[Phrase] = []
    after: list[Phrase] = []
    not_followed_by: list[Phrase] = []


class ContextEntry(_Strict):
    category: Literal["absent", "possible", "impression", "concern", "hypothetical", "conditional", "circumstance",
                      "option", "risk", "others", "attributive", "family", "historical", "terminate", "pseudo"]
    direction: Direction = "forward"
    max_scope: int | None = Field(default=None, gt=0)
    not_followed_by: list[Phrase] = []
    not_after: list[Phrase] = []
    passes: list[Phrase] = []  # terminators this cue's scope reads through ("my mum had X, and she has Y")
    yields_to: list[Phrase] = []  # words that, said between the cue and a target, leave the target out of its reach
    pronouns: list[Phrase] = []  # family: the words that speak of the relative again ("My sister ... She has Y")
    phrases: list[Phrase] = Field(min_length=1)


class ContextRules(_Strict):
    terminators: list[Phrase] = []
    fillers: list[Phrase] = []  # hesitations a cue's scope passes, with the commas around them
    question_openers: list[Phrase] = []
    presupposing: list[Phrase] = []
    question_tags: list[Phrase] = []
    confirmations: list[Phrase] = []  # "Is that right?" after a statement: the statement is put to the patient
    clause_questions: list[Phrase] = []
    question_lead_ins: list[Phrase] = []
    question_openers_anywhere: list[Phrase] = []
    alike: list[Phrase] = []  # "my brother has had similar symptoms": the patient's complaint, a relative's too
    measured: list[Phrase] = []  # "your digoxin level": said right after a drug's name, the test of it, no medicine
    approvals: list[Phrase] = []  # "How does that sound?" after a drug named: the clinician proposes it
    rules: list[ContextEntry] = []


class Answers(_Strict):
    fillers: list[Phrase] = []
    present: list[Phrase] = []
    absent: list[Phrase] = []
    possible: list[Phrase] = []
    historical: list[Phrase] = []  # "I quit": the answer says yes, in the past
    acknowledgements: list[Phrase] = []  # "No, OK.": what may follow an answer that is a sentence alone


class Refinement(_Strict):
    """A general finding said at one of `sites` is the topic's concept `to` (swelling of the calf: leg_swelling)."""

    kind: Literal["symptom", "exam"]
    code: Code
    to: Code
    sites: list[Phrase] = Field(min_length=1)


class LexiconFile(_Strict):
    """lexicon.yaml."""

    terms: Terms
    refine: list[Refinement] = []
    modifiers: Modifiers = Modifiers()
    age: AgeRules | None = None
    context: ContextRules = ContextRules()
    answers: Answers = Answers()


class CuesFile(_Strict):
    """general/cues.yaml: the qualifiers, context rules and answers every topic is read with."""

    modifiers: Modifiers = Modifiers()
    context: ContextRules = ContextRules()
    answers: Answers = Answers()


def _joined(general: BaseModel, topic: BaseModel) -> dict[str, Any]:
    """Field by field, the topic's lists then the general ones: where both name a phrase ("big toe"), the topic's
    entry is matched first and wins."""
    return {name: list(getattr(topic, name)) + list(getattr(general, name)) for name in type(general).model_fields}


def with_cues(lexicon: LexiconFile, cues: CuesFile) -> LexiconFile:
    """A topic's lexicon read with the general cues."""
    return lexicon.model_copy(update={
        "modifiers": Modifiers(**_joined(cues.modifiers, lexicon.modifiers)),
        "context": ContextRules(**_joined(cues.context, lexicon.context)),
        "answers": Answers(**_joined(cues.answers, lexicon.answers)),
    })


class DrugClass(_Strict):
    code: Code
    parent: Code | None = None
    phrases: list[Phrase] = []
    cramp_mechanism: str | None = None


class Drug(_Strict):
    code: Code
    drug_class: Code = Field(alias="class")
    name: Phrase | None = None
    match_name: bool = True
    brands: list[Phrase] = []
    synonyms: list[Phrase] = []
    # RxNorm ingredient concept ids (RxCUI): how a chart entry coded in RxNorm is matched to this drug.
    rxnorm: list[RxCui] = []

    @property
    def display_name(self) -> str:
        return self.name or self.code.replace("_", " ")


class ClassWords(_Strict):
    """How a class said in one sentence with a drug of it is read beside that drug (drugs.yaml `class_words`)."""

    examples: list[Phrase] = []  # "antihistamines like cetirizine?": the drugs after it illustrate the class asked
    others: list[Phrase] = []  # "any other inhalers?": a drug of the class other than the one named
    contrasts: list[Phrase] = []  # "an anti-inflammatory instead of the ibuprofen": between the two, another drug


class DrugsFile(_Strict):
    """drugs.yaml."""

    classes: list[DrugClass] = []
    class_words: ClassWords = ClassWords()
    drugs: list[Drug] = []


@dataclass(frozen=True)
class TopicLexicon:
    """The validated lexicon and drug files of one topic."""

    lexicon: LexiconFile
    drugs: DrugsFile

    def drug_attributes(self) -> dict[str, dict[str, Any]]:
        """Finding attributes per medication code: `drug_class` and, when known, `cramp_mechanism`."""
        classes = {cls.code: cls for cls in self.drugs.classes}

        def mechanism(code: str | None) -> str | None:
            while code is not None:
                if classes[code].cramp_mechanism:
                    return classes[code].cramp_mechanism
                code = classes[code].parent
            return None

        table = {cls.code: cls.code for cls in self.drugs.classes} | {d.code: d.drug_class for d in self.drugs.drugs}
        attributes = {}
        for code, class_code in table.items():
            found = {"drug_class": class_code, "cramp_mechanism": mechanism(class_code)}
            attributes[code] = {key: value for key, value in found.items() if value is not None}
        return attributes

    def classes_of(self, code: str) -> set[str]:
        """The class codes a medication code belongs to, its own class and all parents
        ("furosemide" -> loop_diuretic, diuretic)."""
        parents = {cls.code: cls.parent for cls in self.drugs.classes}
        current: str | None = next((d.drug_class for d in self.drugs.drugs if d.code == code), code)
        found = set()
        while current is not None and current in parents and current not in found:
            found.add(current)
            current = parents[current]
        return found

    def to_nlp(self) -> Lexicon:
        """The plain form handed to `nlp.pipeline.build`."""
        return Lexicon(terms=tuple(self._terms()), context=tuple(self._context()),
                       question_openers=tuple(self.lexicon.context.question_openers),
                       presupposing=tuple(self.lexicon.context.presupposing),
                       question_tags=tuple(self.lexicon.context.question_tags),
                       confirmations=tuple(self.lexicon.context.confirmations),
                       clause_questions=tuple(self.lexicon.context.clause_questions),
                       question_lead_ins=tuple(self.lexicon.context.question_lead_ins),
                       question_openers_anywhere=tuple(self.lexicon.context.question_openers_anywhere),
                       answers={"present": tuple(self.lexicon.answers.present),
                                "absent": tuple(self.lexicon.answers.absent),
                                "possible": tuple(self.lexicon.answers.possible),
                                "historical": tuple(self.lexicon.answers.historical)},
                       answer_fillers=tuple(self.lexicon.answers.fillers),
                       acknowledgements=tuple(self.lexicon.answers.acknowledgements))

    def vocabulary(self) -> list[str]:
        """Surface words worth priming ASR with: drug names and brands, then the lexicon's `vocabulary`."""
        words = [word for drug in self.drugs.drugs for word in (drug.display_name, *drug.brands)]
        terms = self.lexicon.terms
        for entries in (terms.symptom, terms.timing, terms.electrolyte, terms.lab, terms.condition):
            words += [word for entry in entries for word in entry.vocabulary]
        return list(dict.fromkeys(words))

    def asr_prompt_terms(self, max_chars: int) -> list[str]:
        """The terms most worth priming Whisper with, within `max_chars` (Whisper reads ~224 prompt tokens).

        Symptom and electrolyte words first, then the generic names of drugs whose class can cause the
        topic's symptom, then the other generic names; combination products are left out.
        """
        mechanisms = self.drug_attributes()
        terms = self.lexicon.terms
        words = [word for entries in (terms.symptom, terms.electrolyte) for entry in entries
                 for word in entry.vocabulary]
        culprits = [d.display_name for d in self.drugs.drugs if "cramp_mechanism" in mechanisms.get(d.code, {})]
        others = [d.display_name for d in self.drugs.drugs]
        chosen, length = [], 0
        for word in dict.fromkeys(words + culprits + others):
            if " and " in word:
                continue
            if length + len(word) + 2 > max_chars:
                break
            chosen.append(word)
            length += len(word) + 2
        return chosen

    def _terms(self) -> list[TermPattern]:
        terms = self.lexicon.terms
        patterns = []
        for kind in ("symptom", "timing", "electrolyte", "lab", "condition"):
            for entry in getattr(terms, kind):
                options = {"requires_value": entry.requires_value, "as_medication": entry.as_medication,
                           "interpretation": entry.interpretation}
                patterns.append(TermPattern(kind, entry.code, tuple(entry.phrases),
                                            {key: value for key, value in options.items() if value},
                                            entry.case_sensitive))
        if terms.exclude:
            patterns.append(TermPattern(EXCLUDE, EXCLUDE, tuple(terms.exclude)))
        for cls in self.drugs.classes:
            if cls.phrases:
                patterns.append(TermPattern(MEDICATION, cls.code, tuple(cls.phrases)))
        for drug in self.drugs.drugs:
            names = (drug.display_name,) if drug.match_name else ()
            patterns.append(TermPattern(MEDICATION, drug.code, (*names, *drug.brands, *drug.synonyms)))
        for kind, entries in self.lexicon.modifiers:
            for entry in entries:
                options = {"generic": entry.generic, "needs_site": entry.needs_site, "of_site": entry.of_site,
                           "idiom": entry.idiom,
                           "midline": entry.midline,
                           "applies_to": tuple(entry.applies_to) if kind == "frequency" else ()}
                patterns.append(TermPattern(kind, entry.code, tuple(entry.phrases),
                                            {key: value for key, value in options.items() if value}))
        age = self.lexicon.age
        if age is not None:
            for position, phrases in (("before", age.before), ("after", age.after)):
                if phrases:
                    patterns.append(TermPattern(AGE_CUE, age.code, tuple(phrases),
                                                {"position": position, "code": age.code, "over": age.over}))
            if age.not_followed_by:
                patterns.append(TermPattern(AGE_BLOCKER, AGE_BLOCKER, tuple(age.not_followed_by)))
        return patterns

    def _context(self) -> list[ContextRule]:
        context = self.lexicon.context
        rules = [ContextRule(rule.category, tuple(rule.phrases), rule.direction, rule.max_scope,
                             tuple(rule.not_followed_by), tuple(rule.not_after), tuple(rule.passes),
                             tuple(rule.pronouns), tuple(rule.yields_to))
                 for rule in context.rules]
        if context.terminators:
            rules.append(ContextRule("terminate", tuple(context.terminators)))
        if context.fillers:
            rules.append(ContextRule("filler", tuple(context.fillers)))
        return rules


def _check_drug_classes(drugs: DrugsFile, label: str) -> None:
    """Every `class` and `parent` must name a class of the file; the message names the field."""
    known = {cls.code for cls in drugs.classes}
    for index, cls in enumerate(drugs.classes):
        if cls.parent is not None and cls.parent not in known:
            raise KnowledgeError(f"{label}: classes.{index}.parent: unknown drug class '{cls.parent}'")
    for index, drug in enumerate(drugs.drugs):
        if drug.drug_class not in known:
            raise KnowledgeError(f"{label}: drugs.{index}.class: unknown drug class '{drug.drug_class}'")


def load_lexicon(topic: str = DEFAULT_TOPIC, folder: Path | None = None, general: Path | None = None) -> TopicLexicon:
    """Read and validate `lexicon.yaml` and `drugs.yaml` of a topic (or of `folder`), with the general cues."""
    folder = folder if folder is not None else topic_dir(topic)
    cues = load_model((general if general is not None else GENERAL_DIR) / "cues.yaml", CuesFile)
    lexicon = with_cues(load_model(folder / "lexicon.yaml", LexiconFile), cues)
    drugs = load_model(folder / "drugs.yaml", DrugsFile)
    _check_drug_classes(drugs, f"{folder.name}/drugs.yaml")
    return TopicLexicon(lexicon=lexicon, drugs=drugs)
