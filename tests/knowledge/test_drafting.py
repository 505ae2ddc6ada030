"""Drafting a SOAP note: every sentence checkable against the consultation, guidance kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.note import Note
from nlp.transcript_io import parse
from nlp.types import Evidence, Finding, Findings, Segment, Transcript, Word

CONSULTATIONS = Path(__file__).resolve().parents[1] / "data" / "consultations"
NAMES = sorted(path.stem for path in CONSULTATIONS.glob("*.txt"))


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor().load()


def drafted(extractor: Extractor, text: str) -> tuple[Transcript, Note]:
    transcript = parse(text)
    return transcript, draft_note(transcript, extractor.extract(transcript))


def sentences(note: Note, code: str) -> list[str]:
    return [sentence.text for sentence in note.section(code).sentences]


@pytest.mark.parametrize("name", NAMES)
def test_every_sentence_points_at_words_of_the_consultation(extractor: Extractor, name: str) -> None:
    transcript, note = drafted(extractor, (CONSULTATIONS / f"{name}.txt").read_text(encoding="utf-8"))
    assert [section.code for section in note.sections] == ["subjective", "objective", "assessment", "plan"]
    texts = {segment.id: segment.text for segment in transcript.segments}
    reported = [sentence for section in note.sections for sentence in section.sentences]
    assert reported, "a consultation about cramps drafts something"
    for sentence in reported:
        assert sentence.evidence, sentence.text
        for evidence in sentence.evidence:
            assert 0 <= evidence.start < evidence.end <= len(texts[evidence.segment])


@pytest.mark.parametrize("name", NAMES)
def test_suggestions_cite_their_findings_and_never_enter_the_sections(extractor: Extractor, name: str) -> None:
    transcript = parse((CONSULTATIONS / f"{name}.txt").read_text(encoding="utf-8"))
    findings = extractor.extract(transcript)
    note = draft_note(transcript, findings)
    ids = {finding.id for finding in findings.findings}
    section_text = " ".join(s.text for section in note.sections for s in section.sentences)
    for suggestion in note.suggestions:
        assert suggestion.reasons and set(suggestion.reasons) <= ids
        assert suggestion.text not in section_text


def test_a_loop_diuretic_consultation_reads_as_said(extractor: Extractor) -> None:
    _, note = drafted(extractor, (CONSULTATIONS / "furosemide_night_cramps.txt").read_text(encoding="utf-8"))
    assert sentences(note, "subjective")[0] == "Leg cramps in the left calf, at night, three times a week."
    assert "Takes furosemide 40 mg once daily." in sentences(note, "subjective")
    assert "Denies numbness and tingling." in sentences(note, "subjective")
    assert sentences(note, "objective") == ["Potassium 3.1 mmol/L (low)."]
    assert sentences(note, "assessment") == [
        "Leg cramps at night, with low potassium, taking furosemide (loop diuretic)."]


def test_the_plan_quotes_the_clinician_and_points_at_that_sentence(extractor: Extractor) -> None:
    transcript, note = drafted(extractor, "Doctor: Your potassium is low. We could try a magnesium supplement.\n"
                                          "Patient: Okay.\n")
    [plan] = note.section("plan").sentences
    [evidence] = plan.evidence
    said = transcript.segments[evidence.segment].text[evidence.start:evidence.end]
    assert said == "We could try a magnesium supplement."
    assert plan.text == f"\u201c{said}\u201d"


@pytest.mark.parametrize("text", [
    "Doctor: Have you tried stretching before bed?\nPatient: No.\n",
    "Doctor: Any cramps?\nPatient: I will try to drink more water.\n",
])
def test_questions_and_the_patients_intentions_are_not_the_clinicians_plan(extractor: Extractor, text: str) -> None:
    _, note = drafted(extractor, text)
    assert sentences(note, "plan") == []


def test_a_proposed_medicine_not_quoted_in_the_plan_is_listed_as_proposed() -> None:
    transcript = Transcript(segments=[Segment(id=0, speaker="clinician", text="Magnesium supplements can help.")])
    proposed = Finding(id="f1", kind="medication", code="magnesium", text="Magnesium", assertion="hypothetical",
                       evidence=[Evidence(segment=0, start=0, end=9, text="Magnesium")])
    note = draft_note(transcript, Findings(findings=[proposed]))
    [plan] = note.section("plan").sentences
    assert plan.text == "Proposed: magnesium."
    assert plan.finding_ids == ["f1"] and [(e.segment, e.start, e.end) for e in plan.evidence] == [(0, 0, 9)]
    assert note.section("subjective").sentences == []


def test_cramps_that_are_not_at_night_say_so(extractor: Extractor) -> None:
    _, note = drafted(extractor, (CONSULTATIONS / "statin_exertional_cramps.txt").read_text(encoding="utf-8"))
    assert "Not at night." in sentences(note, "subjective")
    assert sentences(note, "subjective")[0] == "Leg cramps in both thighs, on exertion."


def test_a_plan_sentence_from_audio_is_timed_by_its_words(extractor: Extractor) -> None:
    text = "Let's recheck your potassium."
    words = [Word(w=w, start=10.0 + i, end=10.5 + i) for i, w in enumerate(text.split())]
    transcript = Transcript(segments=[Segment(id=0, speaker="clinician", start=9.5, end=14.0, text=text,
                                              words=words)])
    note = draft_note(transcript, extractor.extract(transcript))
    [evidence] = note.section("plan").sentences[0].evidence
    assert (evidence.t0, evidence.t1) == (10.0, 13.5)


def test_a_consultation_without_findings_drafts_empty_sections_not_invented_ones(extractor: Extractor) -> None:
    _, note = drafted(extractor, "Doctor: Hello.\nPatient: Hello.\n")
    assert all(section.sentences == [] for section in note.sections)
    assert note.suggestions == []


def test_the_clinicians_impression_is_quoted_in_the_assessment_and_their_plan_in_the_plan(
        extractor: Extractor) -> None:
    _, note = drafted(extractor, "Patient: I get cramps in my calf at night.\n"
                                 "Doctor: I think the water tablets are the most likely cause. "
                                 "We will check your potassium.\n")
    assert sentences(note, "assessment")[0] == "\u201cI think the water tablets are the most likely cause.\u201d"
    assert sentences(note, "plan") == ["\u201cWe will check your potassium.\u201d"]


def test_a_medicine_named_only_by_its_class_says_so(extractor: Extractor) -> None:
    _, note = drafted(extractor, "Patient: I get cramps at night and I take a water pill every morning.\n")
    assert "Takes a diuretic (name not said)." in " ".join(sentences(note, "subjective"))
    assert sentences(note, "assessment") == ["Leg cramps at night, taking a diuretic."]
