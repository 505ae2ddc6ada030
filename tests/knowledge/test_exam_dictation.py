"""The examination as clinicians dictate it, often unpunctuated: lists of negatives, what is normal, where it is."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse
from nlp.types import Finding


def findings(extractor: Extractor, text: str) -> list[Finding]:
    return extractor.extract(parse(text)).findings


def found(extractor: Extractor, text: str) -> set[tuple[str, str]]:
    return {(f.code, f.assertion) for f in findings(extractor, text)}



@pytest.mark.parametrize(("said", "code"), [
    # a negation denies the finding it names, not a statement that follows with its own verb
    ("Doctor: on your neuro exam there is no pronator drift sensation is intact and gait is steady", "sensation_intact"),
    ("Doctor: on exam there is no carotid bruit no murmur no gallop your lungs are clear to auscultation",
     "clear_lungs"),
    # ... nor a positive finding after the negatives
    ("Doctor: on abdominal exam there is no rebound or guarding there is positive cva tenderness on the left",
     "cva_tenderness"),
    ("Doctor: on your knee exam there is no effusion, there is tenderness over the lateral joint line",
     "joint_line_tenderness"),
])
def test_a_negation_ends_where_the_examiner_states_a_new_finding(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "present") in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: on exam there is no pronator drift sensation is intact", "pronator_drift"),
    ("Doctor: on exam there is no rebound or guarding there is positive cva tenderness", "guarding"),
    # the first finding after the negation may hold the verb
    ("Doctor: on exam of the ankle no swelling is present", "soft_tissue_swelling"),
])
def test_what_the_negation_names_stays_denied(extractor: Extractor, said: str, code: str) -> None:
    assert code in {c for c, assertion in found(extractor, said) if assertion == "absent"}


def test_there_is_said_again_is_no_question(extractor: Extractor) -> None:
    said = ("Doctor: on your chest exam i hear some crackles and what that means is there is some fluid there "
            "and on your skin exam you do have some erythema over the left shin")
    assert ("erythema", "present") in found(extractor, said)

