"""A note from consultations with nothing clinical, no speaker labels, another language, or hours of talk."""

from __future__ import annotations

from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.note import Note
from knowledge.render import render
from nlp.transcript_io import parse
from nlp.types import Segment, Transcript

VISIT = ("Doctor: What brings you in today?\nPatient: I've had a cough for two weeks and some fever.\n"
         "Doctor: Do you take any medicines?\nPatient: I take lisinopril 10 milligrams every day.\n"
         "Doctor: Your lungs sound clear. I think this is a viral bronchitis. "
         "We will continue your lisinopril and I'll see you in two weeks.\n")


def drafted(extractor: Extractor, transcript: Transcript) -> Note:
    return draft_note(transcript, extractor.extract(transcript))


def test_a_conversation_with_nothing_clinical_says_so_in_every_format(extractor: Extractor) -> None:
    note = drafted(extractor, parse("Doctor: Lovely weather today.\nPatient: Yes, we went to the beach.\n"))
    assert not note.has_content and all(not section.subsections for section in note.sections)
    assert "No clinical content was found" in render(note, "markdown")
    assert "Nothing recorded" in render(note, "text")


def test_unlabelled_speakers_still_give_a_note_of_what_was_said(extractor: Extractor) -> None:
    labelled = parse(VISIT)
    unlabelled = Transcript(segments=[Segment(id=s.id, speaker="other", start=s.start, end=s.end, text=s.text)
                                      for s in labelled.segments])
    note = drafted(extractor, unlabelled)
    texts = " ".join(s.text for section in note.sections for s in section.sentences).lower()
    assert note.has_content and "lisinopril" in texts and "cough" in texts
    assert all(s.evidence for section in note.sections for s in section.sentences)


def test_another_language_drafts_an_empty_valid_note(extractor: Extractor) -> None:
    note = drafted(extractor, parse("Doctor: ¿Qué le pasa hoy?\nPatient: Me duele mucho la garganta desde ayer.\n"
                                    "Doctor: Vamos a revisarle la garganta.\n"))
    assert not note.has_content
    assert Note.model_validate_json(note.model_dump_json()) == note


def test_two_hours_of_talk_drafts_one_note_with_every_sentence_evidenced(extractor: Extractor) -> None:
    visit = parse(VISIT)
    turns = len(visit.segments)
    # about 2 hours at 150 words a minute: the visit said over and over, as a long recording would hold it
    copies = 18_000 // len(visit.text.split())
    segments = [Segment(id=n * turns + s.id, speaker=s.speaker, text=s.text)
                for n in range(copies) for s in visit.segments]
    note = drafted(extractor, Transcript(segments=segments))
    sentences = [s for section in note.sections for s in section.sentences]
    assert note.has_content and all(s.evidence for s in sentences)
    medications = [s.text for s in sentences if "lisinopril" in s.text.lower() and s.text.startswith("Takes")]
    assert len(medications) == 1, medications  # one finding however often it was said
