"""No invented facts: every number and drug name of a drafted note comes from the consultation.

For each scripted consultation the note is drafted by the real pipeline and checked:
numbers in the clinician's sections were said (as digits or words, read with the project's number
parser); suggestions, being knowledge-base text, may hold only numbers that were said or that the
knowledge base itself holds; a drug named anywhere in the note was named in the consultation (by
any of its names); and every sentence points at words of the consultation that say it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from knowledge.datafile import DEFAULT_TOPIC, topic_dir
from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.lexicon import load_lexicon
from knowledge.note import Note
from nlp.numbers import scan
from nlp.transcript_io import parse
from nlp.types import Findings, Transcript
from tests.conftest import loaded_extractor

CONSULTATIONS = Path(__file__).resolve().parents[1] / "data" / "consultations"
NAMES = sorted(path.stem for path in CONSULTATIONS.glob("*.txt"))
# Words as the number parser reads them: "3.1", "1,000", "forty", "-", a spelled point (" . "); "HbA1c" stays one
# word (no number).
_WORD = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z][a-z0-9']*|-|(?<= )\.(?= )")


def numbers(text: str) -> set[float]:
    """Every number said in `text`, as digits or as words ("three point one" -> 3.1)."""
    words = _WORD.findall(text.lower())
    return {run.value for run in scan(words)}


@dataclass(frozen=True)
class Drafted:
    transcript: Transcript
    findings: Findings
    note: Note

    def sentences(self) -> list[str]:
        return [sentence.text for section in self.note.sections for sentence in section.sentences]


@cache
def drafted(name: str) -> Drafted:
    transcript = parse((CONSULTATIONS / f"{name}.txt").read_text(encoding="utf-8"))
    findings = _extractor().extract(transcript)
    return Drafted(transcript, findings, draft_note(transcript, findings))


def _extractor() -> Extractor:
    return loaded_extractor()  # the run's one, which the `extractor` fixture gives too


@cache
def knowledge_numbers() -> frozenset[float]:
    """Numbers written anywhere in the topic's knowledge-base files (ages, ranges, codes)."""
    folder = topic_dir(DEFAULT_TOPIC)
    return frozenset(n for path in folder.glob("*.yaml") for n in numbers(path.read_text(encoding="utf-8")))


@cache
def drug_names() -> dict[str, str]:
    """Every name a drug is known by (generic, brands, synonyms), lower-cased, to its generic code."""
    names = {}
    for drug in load_lexicon(DEFAULT_TOPIC).drugs.drugs:
        for name in ((drug.display_name,) if drug.match_name else ()) + (*drug.brands, *drug.synonyms):
            names[name.lower()] = drug.code
    return names


def drugs_named(text: str) -> set[str]:
    """The generic codes of the drugs a text names, by any of their names (whole words)."""
    lowered = text.lower()
    return {code for name, code in drug_names().items()
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", lowered)}


@pytest.mark.parametrize("name", NAMES)
def test_every_number_in_the_sections_was_said(name: str) -> None:
    case = drafted(name)
    said = numbers(case.transcript.text)
    for sentence in case.sentences():
        invented = numbers(sentence) - said
        assert not invented, f"{name}: {sentence!r} has {sorted(invented)}, not said in the consultation"


@pytest.mark.parametrize("name", NAMES)
def test_suggestions_hold_only_numbers_said_or_from_the_knowledge_base(name: str) -> None:
    case = drafted(name)
    allowed = numbers(case.transcript.text) | knowledge_numbers()
    for suggestion in case.note.suggestions:
        invented = numbers(suggestion.text) - allowed
        assert not invented, f"{name}: suggestion {suggestion.id} has {sorted(invented)}"


@pytest.mark.parametrize("name", NAMES)
def test_every_drug_in_the_note_was_named_in_the_consultation(name: str) -> None:
    case = drafted(name)
    said = drugs_named(case.transcript.text)
    for sentence in case.sentences():
        assert drugs_named(sentence) <= said, f"{name}: {sentence!r} names {drugs_named(sentence) - said}"
    for suggestion in case.note.suggestions:
        named = drugs_named(suggestion.text)
        assert named <= said, f"{name}: suggestion {suggestion.id} names {named - said}"


@pytest.mark.parametrize("name", NAMES)
def test_every_sentence_is_backed_by_the_exact_words_of_the_consultation(name: str) -> None:
    case = drafted(name)
    text_of = {segment.id: segment.text for segment in case.transcript.segments}
    by_id = {finding.id: finding for finding in case.findings.findings}
    for section in case.note.sections:
        for sentence in section.sentences:
            assert sentence.finding_ids or sentence.evidence, f"{name}: {sentence.text!r} is backed by nothing"
            for finding_id in sentence.finding_ids:
                assert finding_id in by_id, f"{name}: {sentence.text!r} cites unknown finding {finding_id}"
                for evidence in by_id[finding_id].evidence:
                    assert evidence.text == text_of[evidence.segment][evidence.start:evidence.end], (
                        f"{name}: evidence of {finding_id} is not the transcript's text at its offsets")
            for span in sentence.evidence:
                said = text_of[span.segment]
                assert 0 <= span.start < span.end <= len(said), f"{name}: {sentence.text!r} points outside"
                if sentence.text.startswith("\u201c"):  # a quote is exactly the words at its span
                    assert sentence.text.strip("\u201c\u201d") == said[span.start:span.end], name


def test_the_number_check_reads_spoken_numbers_and_keeps_codes_whole() -> None:
    assert numbers("Your potassium was three point one, sodium one thirty one.") == {3.1, 131}
    assert numbers("HbA1c 8.2 % (high).") == {8.2}
    assert numbers("Takes furosemide 40 mg once daily.") == {40}


def test_the_checks_catch_an_invented_number_and_an_invented_drug() -> None:
    case = drafted("furosemide_night_cramps")
    said = numbers(case.transcript.text)
    assert numbers("Potassium 2.9 mmol/L (low).") - said == {2.9}
    assert drugs_named("Takes Lasix and spironolactone.") - drugs_named(case.transcript.text) == {"spironolactone"}
