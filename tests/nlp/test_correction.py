"""Correcting misheard drug names against the topic's lexicon, with spaCy's English vocabulary as a guard."""

from __future__ import annotations

import pytest

from nlp.asr.correct import Corrector
from nlp.types import Segment, Word
from service.scribe import Scribe
from service.settings import Settings


@pytest.fixture(scope="module")
def corrector(tmp_path_factory: pytest.TempPathFactory) -> Corrector:
    return Scribe(Settings(data_dir=tmp_path_factory.mktemp("var"))).corrector()


@pytest.mark.parametrize(("heard", "meant"), [
    ("furosmide", "furosemide"),
    ("hydrochlorophine,", "hydrochlorothiazide,"),  # a long name may differ in two sounds; the drug's own name
    ("frusemid", "frusemide"),                       # ... but a real other name heard is kept
    ("Abervastatin", "Atorvastatin"),
    ("simvastatine,", "simvastatin,"),
    ("hydroclorothiazide.", "hydrochlorothiazide."),
    ("omeprazol?", "omeprazole?"),
    ("Lasics", "Lasix"),
    ("spironolacton", "spironolactone"),
])
def test_a_misheard_drug_name_is_corrected(corrector: Corrector, heard: str, meant: str) -> None:
    corrected = corrector.correct_word(Word(w=heard, start=1.0, end=1.5, p=0.4))
    assert (corrected.w, corrected.original) == (meant, heard)


@pytest.mark.parametrize("heard", [
    "sensor",      # an English word, however close to a drug it sounds
    "walking",
    "furosemide",  # already a term
    "frusemide",   # a synonym in drugs.yaml, not a mistake
    "Lasix",
    "Ventolin",
    "cams",        # too short to judge
    "magnificent",
])
def test_words_and_known_terms_are_left_alone(corrector: Corrector, heard: str) -> None:
    word = Word(w=heard, start=0.0, end=0.5)
    assert corrector.correct_word(word) is word


def test_the_segment_text_follows_its_corrected_words(corrector: Corrector) -> None:
    segment = Segment(id=0, text="I take furosmide forty milligrams.", start=0.0, end=2.0,
                      words=[Word(w=w, start=i * 0.4, end=i * 0.4 + 0.3)
                             for i, w in enumerate(["I", "take", "furosmide", "forty", "milligrams."])])
    [fixed] = corrector.correct([segment])
    assert fixed.text == "I take furosemide forty milligrams."
    assert [(w.w, w.original) for w in fixed.words if w.original] == [("furosemide", "furosmide")]
    assert corrector.correct([fixed]) == [fixed]


@pytest.mark.parametrize(("heard", "meant"), [
    (["furo", "semide"], "furosemide"),
    (["Bume", "tanide."], "Bumetanide."),
])
def test_a_drug_name_heard_as_two_words_becomes_one(corrector: Corrector, heard: list[str], meant: str) -> None:
    segment = Segment(id=0, text=f"I take {' '.join(heard)}", start=0.0, end=2.0,
                      words=[Word(w="I", start=0.0, end=0.2), Word(w="take", start=0.2, end=0.5),
                             Word(w=heard[0], start=0.6, end=1.0), Word(w=heard[1], start=1.0, end=1.6)])
    [fixed] = corrector.correct([segment])
    assert fixed.text == f"I take {meant}"
    assert [(w.w, w.original, w.start, w.end) for w in fixed.words[2:]] == [(meant, " ".join(heard), 0.6, 1.6)]


def test_a_drug_heard_alone_is_not_joined_with_the_english_word_after_it(corrector: Corrector) -> None:
    segment = Segment(id=0, text="Lasex to forty", words=[Word(w="Lasex", start=0.0, end=0.4, p=0.4),
                                                            Word(w="to", start=0.4, end=0.5),
                                                            Word(w="forty", start=0.5, end=0.9)])
    corrected = corrector.correct([segment])[0]
    assert [(w.w, w.original) for w in corrected.words] == [("Lasix", "Lasex"), ("to", None), ("forty", None)]
    assert corrected.text == "Lasix to forty"


@pytest.mark.parametrize("heard", [["low", "magnesium"], ["magnesium", "in"], ["at", "night"]])
def test_two_words_are_not_joined_when_one_is_a_drug_or_both_are_english(corrector: Corrector,
                                                                        heard: list[str]) -> None:
    segment = Segment(id=0, text=" ".join(heard), words=[Word(w=w, start=i, end=i + 0.5) for i, w in enumerate(heard)])
    assert corrector.correct([segment]) == [segment]
