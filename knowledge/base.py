"""One KnowledgeBase per process: the general pack, the topic pack and the drug dictionary, loaded once.

The extractor, the drafter and the vocabulary read the knowledge through this object, which is built
by its provider (service.scribe / the CLI) and passed in, so no file is parsed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from knowledge.applies import Applies, load_applies
from knowledge.datafile import DEFAULT_TOPIC, topic_dir
from knowledge.drug_dictionary import DrugDictionary, load_drug_dictionary
from knowledge.general import GeneralPack, load_general
from knowledge.lexicon import TopicLexicon, load_lexicon
from knowledge.ranges import ReferenceRanges, load_ranges
from nlp.lexicon import ALLERGY_CUE, EXCLUDE, INTERVAL_UNIT, LAB_UNIT, MEDICATION, Lexicon, TermPattern, normalise

# Kinds whose number said after the term is the finding's value.
MEASURED_KINDS = ("electrolyte", "lab", "vital", "follow_up")


@dataclass(frozen=True)
class KnowledgeBase:
    """What the engine knows: the general pack, one topic pack, and the drug dictionary."""

    topic: str
    lexicon: TopicLexicon
    ranges: ReferenceRanges
    general: GeneralPack
    drugs: DrugDictionary
    applies: Applies = field(default_factory=Applies)
    folder: Path = field(default=Path("."))

    @classmethod
    def load(cls, topic: str = DEFAULT_TOPIC, root: Path | None = None, general: Path | None = None) -> KnowledgeBase:
        """Read and validate every file; `root` is a folder of topic folders, `general` the general pack's folder."""
        folder = topic_dir(topic, root)
        lexicon = load_lexicon(topic, folder, general)
        dictionary = load_drug_dictionary(general)
        return cls(topic=topic, lexicon=lexicon, ranges=load_ranges(topic, folder), general=load_general(general),
                   drugs=dictionary.aliased(_topic_aliases(lexicon, dictionary)), applies=load_applies(folder),
                   folder=folder)

    @cached_property
    def drug_attributes(self) -> dict[str, dict[str, Any]]:
        """Finding attributes per medication code: the topic's class and mechanism, the dictionary's ids."""
        topic = self.lexicon.drug_attributes()
        return {code: dict(info) | topic.get(code, {}) for code, info in self.drugs.ids.items()} | {
            code: attributes | self.drugs.ids.get(code, {}) for code, attributes in topic.items()}

    @cached_property
    def exam_codes(self) -> dict[str, str]:
        """Normalised phrase -> exam code, for every phrase of the exam terms (those another file claims too)."""
        return {normalise(phrase): term.code for term in self.general.of_kind("exam") for phrase in term.phrases}

    @cached_property
    def given_back(self) -> dict[tuple[str, str, str], tuple[str, str]]:
        """(kind, code, normalised phrase) of a topic's own concept -> the general pack's (kind, code) for that phrase.

        The topic takes the phrases it names ("exercise" is exertional timing of the cramps); where the topic does not
        apply its own concepts are no findings, and the phrase means what the general pack says (social exercise)."""
        general = {normalise(phrase): (pattern.kind, pattern.code) for pattern in reversed(self.general.patterns(set()))
                   for phrase in pattern.phrases}
        return {(pattern.kind, pattern.code, normalise(phrase)): general[normalise(phrase)]
                for pattern in self.lexicon.to_nlp().terms if self.applies.owns(pattern.kind, pattern.code)
                for phrase in pattern.phrases if normalise(phrase) in general}

    @cached_property
    def codes(self) -> set[tuple[str, str]]:
        """(kind, code) of every term the engine can give."""
        return {(pattern.kind, pattern.code) for pattern in self.to_nlp().terms}

    def sited(self, kind: str, code: str, site: str | None) -> str | None:
        """The code of a generic term said with a place ("pain" + knee -> knee_pain): the same code when it is not
        generic, None when it is generic and no code exists for the place (a pain of nowhere is no finding). The
        topic's refinements come first (swelling of the calf is leg swelling)."""
        for refinement in self.lexicon.lexicon.refine:
            if (refinement.kind, refinement.code) == (kind, code) and site in refinement.sites:
                return refinement.to
        templates = self._by_site.get((kind, code))
        if templates is None:
            return code
        return next((sited for template in templates if site and (kind, sited := template.format(site=site)) in self.codes),
                    None)

    def takes_site(self, kind: str, code: str) -> bool:
        """Whether a place said with the term changes its code (a pain, a cramp, a swelling)."""
        return (kind, code) in self._by_site or any((r.kind, r.code) == (kind, code) for r in self.lexicon.lexicon.refine)

    def site_of(self, kind: str, code: str) -> str | None:
        """The body site a sited code names ("chest_pain" -> "chest"), read back from the by-site templates."""
        return self._site_of_code.get((kind, code))

    @cached_property
    def midline_sites(self) -> frozenset[str]:
        """The site codes of the middle of the body (cues.yaml `midline`): a study or problem there has no side."""
        return frozenset(entry.code for entry in self.lexicon.lexicon.modifiers.site if entry.midline)

    @cached_property
    def _site_of_code(self) -> dict[tuple[str, str], str]:
        sites = [entry.code for entry in self.lexicon.lexicon.modifiers.site]
        return {(kind, template.format(site=site)): site for (kind, _), templates in self._by_site.items()
                for template in templates if "{site}" in template
                for site in sites if (kind, template.format(site=site)) in self.codes}

    @cached_property
    def _by_site(self) -> dict[tuple[str, str], tuple[str, ...]]:
        return self.general.by_site()  # read for every mention: built once

    @cached_property
    def icd10(self) -> dict[str, str]:
        return self.general.icd10()

    def to_nlp(self) -> Lexicon:
        """The plain lexicon of the spaCy pipeline: the topic's terms first, then the general pack's."""
        return self._nlp_lexicon

    @cached_property
    def _nlp_lexicon(self) -> Lexicon:
        # Built once: the extractor, the code checks of `sited` and the evaluation's code reader all read it.
        topic = self.lexicon.to_nlp()
        # A phrase the topic names, for any kind, is the topic's: "exercise" is exertional timing in the leg-cramp
        # topic, not the general social history.
        taken = {phrase.lower() for pattern in topic.terms if pattern.kind != EXCLUDE for phrase in pattern.phrases}
        units = [TermPattern(LAB_UNIT, unit, (spoken,)) for spoken_units in self.general.spoken_units().values()
                 for spoken, unit in spoken_units.items() if unit] + \
                [TermPattern(INTERVAL_UNIT, unit, (spoken,)) for spoken, unit in self.general.interval_units().items()]
        known_units = {(phrase.lower()) for pattern in topic.terms if pattern.kind == LAB_UNIT
                       for phrase in pattern.phrases}
        units = [pattern for pattern in units if pattern.kind == INTERVAL_UNIT or pattern.phrases[0].lower() not in known_units]
        general = [_taken_as_medication(pattern, self.drugs) for pattern in self.general.patterns(taken)]
        cues = self.general.cues("allergy")
        if cues:
            general.append(TermPattern(ALLERGY_CUE, "allergic", tuple(cues)))
        return replace(topic, terms=topic.terms + tuple(general) + tuple(units),
                       drug_names=self.drugs.names, drug_name_tokens=self.drugs.longest)


def _taken_as_medication(pattern: TermPattern, drugs: DrugDictionary) -> TermPattern:
    """A test that is also a drug ("vitamin B12", "iron") is the drug when said as taken ("I take vitamin B12")."""
    if pattern.kind != "lab" or "as_medication" in pattern.attributes:
        return pattern
    code = next((drugs.code(phrase) for phrase in pattern.phrases if drugs.code(phrase)), None)
    return pattern if code is None else replace(pattern, attributes=pattern.attributes | {"as_medication": code})


def _topic_aliases(lexicon: TopicLexicon, dictionary: DrugDictionary) -> dict[str, str]:
    """Dictionary code -> the topic's code, for every drug the topic names (its names, brands, synonyms)."""
    aliases: dict[str, str] = {}
    for drug in lexicon.drugs.drugs:
        for name in (drug.display_name, *drug.brands, *drug.synonyms):
            code = dictionary.names.get(normalise(name))
            if code is not None and code != drug.code:
                aliases.setdefault(code, drug.code)
    return aliases


__all__ = ["KnowledgeBase", "MEASURED_KINDS", "MEDICATION"]
