"""Where a symptom is felt, read the same way in the symptom's own sentence (the soapscribe_sites component) and in
a reply that names only a place (nlp.pipeline.places): one reading, nlp.components.sites.place_said."""

from __future__ import annotations

from typing import Any

import pytest
from spacy.language import Language

from nlp.pipeline import mentions, places

PLACES = [
    ("my left calf", "calf", "left"),
    ("both calves", "calf", "bilateral"),
    ("my legs, mostly the left thigh", "thigh", "left"),  # a specific site before a generic one
    ("the right foot", "foot", "right"),
    ("my left lower leg", "leg", "left"),  # a side a word before its site
    ("the calf, that's right", "calf", None),  # "right" agreeing is no side
]


def cramp_place(nlp: Language, text: str) -> dict[str, Any]:
    cramp = next(m for m in mentions(nlp(text)) if m.code == "leg_cramp")
    return {key: cramp.attributes[key] for key in ("site", "laterality") if key in cramp.attributes}


@pytest.mark.parametrize(("words", "site", "side"), PLACES)
def test_a_symptom_takes_the_site_and_side_said_in_its_sentence(nlp: Language, words: str, site: str,
                                                                side: str | None) -> None:
    expected = {"site": site} | ({"laterality": side} if side else {})
    assert cramp_place(nlp, f"I get cramps in {words}.") == expected


@pytest.mark.parametrize(("words", "site", "side"), PLACES)
def test_a_reply_naming_only_a_place_reads_as_the_symptoms_sentence_does(nlp: Language, words: str, site: str,
                                                                         side: str | None) -> None:
    assert places(nlp(f"Yes, {words}.")) == cramp_place(nlp, f"I get cramps in {words}.")


def test_a_reply_with_a_symptom_of_its_own_gives_no_place_to_carry(nlp: Language) -> None:
    assert places(nlp("My left calf cramps.")) == {}


def test_a_side_alone_is_a_side(nlp: Language) -> None:
    assert places(nlp("The right one.")) == {"laterality": "right"}


def test_of_two_places_in_a_reply_the_first_said_is_taken(nlp: Language) -> None:
    assert places(nlp("Yes, left calf and right foot.")) == {"site": "calf", "laterality": "left"}


def test_the_side_nearest_the_symptom_is_its_own(nlp: Language) -> None:
    assert cramp_place(nlp, "My right knee is fine but I get cramps in my left calf.") == {"site": "calf",
                                                                                           "laterality": "left"}


def test_a_denied_side_is_not_the_side_said(nlp: Language) -> None:
    assert places(nlp("it's not the right knee it's the left knee")) == {
        "site": "knee", "laterality": "left", "denied_laterality": "right"}


def test_a_frequency_far_from_the_symptom_in_a_run_on_turn_is_not_its_own(nlp: Language) -> None:
    near = next(m for m in mentions(nlp("i get cramps in my calf about three times a week")) if m.code == "leg_cramp")
    assert near.attributes.get("frequency") == "three times a week", near.attributes
    said = ("they will see you probably three times a week just to make sure that you can get your strength back and "
            "that the pain in your wrist is gone")
    far = next(m for m in mentions(nlp(said)) if m.code == "wrist_pain")
    assert "frequency" not in far.attributes, far.attributes


def test_a_side_said_beside_a_whole_body_symptom_is_not_its_own(nlp: Language) -> None:
    found = {m.code: m.attributes for m in mentions(nlp("a bit of tummy pain mainly on the left-hand side, and "
                                                         "vomiting and fever and diarrhea"))}
    assert found["abdominal_pain"].get("laterality") == "left", found
    assert all("laterality" not in found[code] for code in ("vomiting", "fever", "diarrhea")), found
    headache = next(m for m in mentions(nlp("i get headaches on the left side")) if m.code == "headache")
    assert headache.attributes.get("laterality") == "left"
