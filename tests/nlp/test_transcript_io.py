"""Reading transcripts: `Speaker: text` lines and JSON."""

from __future__ import annotations

import pytest

from nlp.transcript_io import TranscriptFormatError, parse, parse_json, parse_text, role_for_label, to_json


@pytest.mark.parametrize(("label", "role"), [
    ("Doctor", "clinician"), ("Dr", "clinician"), ("Dr.", "clinician"), ("clinician", "clinician"),
    ("Physician", "clinician"), ("Nurse", "clinician"), ("GP", "clinician"), ("Patient", "patient"),
    ("PT", "patient"), ("Mother", "other"), ("Interpreter", "other"),
])
def test_speaker_labels_map_to_roles(label: str, role: str) -> None:
    assert role_for_label(label) == role


def test_lines_become_segments_with_roles() -> None:
    transcript = parse_text("Doctor: Any cramps?\nPatient: Yes, at night.\n")
    assert [(s.id, s.speaker, s.text) for s in transcript.segments] == [
        (0, "clinician", "Any cramps?"), (1, "patient", "Yes, at night.")]


def test_an_unlabelled_line_continues_the_previous_turn() -> None:
    transcript = parse_text("Patient: My calf hurts\nmostly at night")
    assert transcript.segments[0].text == "My calf hurts mostly at night"


@pytest.mark.parametrize("text", ["", "   \n\n", "Doctor:   \nPatient:"])
def test_an_empty_transcript_is_refused(text: str) -> None:
    with pytest.raises(TranscriptFormatError, match="empty"):
        parse(text)


def test_text_without_any_speaker_label_is_refused_with_the_line_number() -> None:
    with pytest.raises(TranscriptFormatError, match="line 1"):
        parse_text("just some words without a label")


def test_json_round_trips() -> None:
    transcript = parse_text("Doctor: Any cramps?\nPatient: Yes.")
    assert parse_json(to_json(transcript)) == transcript


def test_json_with_a_wrong_type_names_the_field() -> None:
    with pytest.raises(TranscriptFormatError, match="segments.0.text"):
        parse('{"segments": [{"id": 0, "text": 5}]}')
