"""Learning a clinic's house style from its example notes (knowledge/notes/style_learn.py).

The example notes here are written for the test in two house styles: a terse GP style with abbreviated
headings, and a long style with capitalised headings.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.drafting import Drafter
from knowledge.errors import KnowledgeError
from knowledge.extract import Extractor
from knowledge.note import Note
from knowledge.notes.plan import PLAN_DIR, load_plan
from knowledge.notes.style_learn import HeadingsFile, blocks, learn_style, load_headings, style_yaml
from nlp.transcript_io import parse

GP_NOTES = [
    "2/7 hx of cough, dry. No fever. No SOB.\n\nPMH: asthma\nDH: salbutamol PRN\nSH: non-smoker\n\n"
    "Imp: viral URTI\n\nPlan:\n1. Rest and fluids\n2. Review in 1w if not better",
    "3/52 hx of calf cramps at night. No swelling.\nNil trauma.\n\nPMH: HTN\nDH: bendroflumethiazide\n"
    "Imp: nocturnal cramps\nPlan: check U&Es. Review in 2w.",
    "Knee pain since fall. No locking.\nPMH: nil\nDH: nil\nSH: works as a builder\nImp: sprain\nPlan: RICE",
]
LONG_NOTE = ("CHIEF COMPLAINT\n\nKnee pain.\n\nHISTORY OF PRESENT ILLNESS\n\nThe patient reports knee pain after a fall. "
             "Denies locking.\n\nPHYSICAL EXAM\n\nTender medial joint line.\n\nASSESSMENT AND PLAN\n\n"
             "Knee sprain. Initiate ibuprofen. Follow up in 2 weeks.")
CONSULTATION = ("Patient: I've had a dry cough for two days.\nDoctor: Any fever?\nPatient: No fever.\n"
                "Doctor: Any shortness of breath?\nPatient: No.\nDoctor: I think this is a viral infection. "
                "We will see you in one week if it is not better.\n")


@pytest.fixture(scope="module")
def headings() -> HeadingsFile:
    return load_headings()


def test_an_example_note_is_read_by_its_headings(headings: HeadingsFile) -> None:
    parts = [(b.codes, b.heading) for b in blocks(GP_NOTES[0], headings)]
    assert parts == [(("history_of_present_illness",), None), (("past_medical_history",), "PMH"),
                     (("medications",), "DH"), (("social_history",), "SH"), (("problem_assessment",), "Imp"),
                     (("problem_plan",), "Plan")]
    long = [b.codes for b in blocks(LONG_NOTE, headings)]
    assert long[-1] == ("problem_assessment", "problem_plan")  # one heading for both


def test_the_learned_style_takes_the_examples_headings_order_lengths_and_patterns(headings: HeadingsFile) -> None:
    style = learn_style(GP_NOTES, "gp", load_plan(), headings)
    assert (style.titles["past_medical_history"], style.titles["problem_assessment"]) == ("PMH", "Imp")
    assert style.titles["review_of_systems"] == load_plan().style.titles["review_of_systems"]  # never shown: kept
    assert style.phrases["review_of_systems"]["absent"] == "No {}."  # "No fever." opens their sentences
    assert style.lengths["history_of_present_illness"] < 20
    subjective = style.order["subjective"]
    assert subjective.index("past_medical_history") < subjective.index("medications") < subjective.index(
        "social_history")
    long = learn_style([LONG_NOTE], "long", load_plan(), headings)
    assert long.titles["history_of_present_illness"] == "History of present illness"
    assert long.phrases["problem_plan"]["start"] == "Initiate {}."


def test_a_note_drafted_in_a_learned_style_says_only_what_was_said(tmp_path: Path, headings: HeadingsFile,
                                                                   extractor: Extractor) -> None:
    folder = tmp_path / "clinic_plan"
    shutil.copytree(PLAN_DIR, folder)
    (folder / "style.yaml").write_text(style_yaml(learn_style(GP_NOTES, "gp", load_plan(), headings), 3))
    transcript = parse(CONSULTATION)
    findings = extractor.extract(transcript)
    gp: Note = Drafter(plan_dir=folder).draft(transcript, findings)
    titles = [sub.title for section in gp.sections for sub in section.subsections]
    texts = [s.text for section in gp.sections for s in section.sentences]
    assert "No fever or shortness of breath." in texts, texts
    assert not any(word in " ".join(texts).lower() for word in ("salbutamol", "builder", "asthma", "urti")), texts
    assert any(s.evidence for section in gp.sections for s in section.sentences)
    assert titles != [sub.title for section in Drafter().draft(transcript, findings).sections
                      for sub in section.subsections]


def test_no_examples_is_a_clear_error(headings: HeadingsFile) -> None:
    with pytest.raises(KnowledgeError, match="no example notes"):
        learn_style(["", "  "], "empty", load_plan(), headings)
