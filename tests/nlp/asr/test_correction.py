"""Correcting misheard drug names against the topic's lexicon, with spaCy's English vocabulary as a guard."""

from __future__ import annotations

import pytest

from nlp.asr.correct import Corrector
from nlp.types import Segment, Word
from service.settings import Settings
from tests.conftest import Models


@pytest.fixture(scope="module")
def corrector(tmp_path_factory: pytest.TempPathFactory, models: Models) -> Corrector:
    return models.scribe(Settings(data_dir=tmp_path_factory.mktemp("var"))).corrector()


@pytest.mark.parametrize(("heard", "meant"), [
    ("furosmide", "furosemide"),
    ("hydrochlorophine,", "hydrochlorothiazide,"),  # a long name may differ in two sounds; the drug's own name
    ("frusemid", "frusemide"),                       # ... but a real other name heard is kept
    ("Abervastatin", "Atorvastatin"),
    ("simvastatine,", "simvastatin,"),
    ("hydroclorothiazide.", "hydrochlorothiazide."),
    ("omeprazol?", "omeprazole?"),
    ("Lasics", "Lasix"),
    ("lassick", "Lasix"),  # longer than the name, but fewer sounds (LSK, LSKS): tiny.en on espeak-ng, p 0.34
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


# tiny.en on the rendered gold consultations (benchmarks.asr_choice): only one drug sounds like the word, and Whisper
# was unsure of it, so a spelling further off is let in.
@pytest.mark.parametrize(("heard", "meant"), [
    ("rasumastatin.", "rosuvastatin."),  # pravastatin is spelled nearer, but sounds three edits away
    ("listenapral,", "lisinopril,"),
])
def test_an_unsure_word_only_one_drug_sounds_like_is_that_drug(corrector: Corrector, heard: str, meant: str) -> None:
    corrected = corrector.correct_word(Word(w=heard, start=1.0, end=1.5, p=0.3))
    assert (corrected.w, corrected.original) == (meant, heard)
    sure = Word(w=heard, start=1.0, end=1.5, p=0.9)
    assert corrector.correct_word(sure) is sure


@pytest.mark.parametrize("heard", [
    "bumness",    # numbness said, heard by tiny.en at p 0.02: it begins like Bumex but is longer by a sound
    "endocrine",  # an English word with its sounds near Edecrin, as every word of a stress test is unsure
])
def test_an_unsure_word_much_longer_than_the_drug_that_sounds_like_it_is_left_alone(
        corrector: Corrector, heard: str) -> None:
    word = Word(w=heard, start=0.0, end=0.5, p=0.02)
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


def test_two_words_that_are_a_drug_exactly_are_joined_though_the_second_alone_sounds_like_it(
        corrector: Corrector) -> None:
    # tiny.en on espeak-ng: "bu" is English and "metanide" alone is corrected to bumetanide, which left "bu bumetanide".
    [fixed] = corrector.correct([spoken("I used to take bu metanide but", [0.9, 0.98, 0.99, 0.98, 0.01, 0.10, 0.84])])
    assert fixed.text == "I used to take bumetanide but"


@pytest.mark.parametrize("heard", [["low", "magnesium"], ["magnesium", "in"], ["at", "night"]])
def test_two_words_are_not_joined_when_one_is_a_drug_or_both_are_english(corrector: Corrector,
                                                                        heard: list[str]) -> None:
    segment = Segment(id=0, text=" ".join(heard), words=[Word(w=w, start=i, end=i + 0.5) for i, w in enumerate(heard)])
    assert corrector.correct([segment]) == [segment]


def spoken(text: str, p: float | list[float] = 0.3) -> Segment:
    """A segment of `text` as Whisper would give it, each word with probability `p` (one value or one per word)."""
    tokens = text.split()
    probabilities = p if isinstance(p, list) else [p] * len(tokens)
    return Segment(id=0, text=text, start=0.0, end=len(tokens) * 0.5,
                   words=[Word(w=w, start=i * 0.5, end=i * 0.5 + 0.4, p=q)
                          for i, (w, q) in enumerate(zip(tokens, probabilities, strict=True))])


# Heard by tiny.en in the rendered consultations (benchmarks.correction), with Whisper's own probabilities.
@pytest.mark.parametrize(("heard", "p", "meant", "original"), [
    ("I also take one to look at 10 milligrams.", [0.9, 0.9, 0.9, 0.30, 0.37, 0.34, 0.64, 0.9, 0.9],
     "I also take montelukast 10 milligrams.", "one to look at"),
    ("I take met four min 1,000 milligrams twice a day.", [0.9, 0.9, 0.71, 0.41, 0.34, 0.9, 0.9, 0.9, 0.9, 0.9],
     "I take metformin 1,000 milligrams twice a day.", "met four min"),
    ("I take fewros might forty milligrams once a day.", [0.9, 0.9, 0.21, 0.56, 0.9, 0.9, 0.9, 0.9, 0.9],
     "I take furosemide forty milligrams once a day.", "fewros might"),  # the drug's name, not its synonym
    ("Levacrynic sine 100 microgram every morning.", [0.07, 0.54, 0.9, 0.9, 0.9, 0.9],
     "Levothyroxine 100 microgram every morning.", "Levacrynic sine"),  # the sentence's capital kept
    ("and lissinaproten milligrams.", [0.9, 0.2, 0.9], "and lisinopril milligrams.", "lissinaproten"),
    ("and Monday, Lucas 10 milligrams.", [0.9, 0.3, 0.4, 0.9, 0.9], "and Montelukast 10 milligrams.",
     "Monday, Lucas"),  # across a comma when the sound is this close
])
def test_a_drug_name_heard_as_common_words_just_before_a_dose_is_corrected(
        corrector: Corrector, heard: str, p: list[float], meant: str, original: str) -> None:
    [fixed] = corrector.correct([spoken(heard, p)])
    assert fixed.text == meant
    assert [w.original for w in fixed.words if w.original] == [original]


@pytest.mark.parametrize(("heard", "p"), [
    ("I take one to look at 10 milligrams.", 0.9),        # Whisper was sure of those words
    ("I take one to look at it every day.", 0.3),         # no dose after them
    ("You're a better 10 milligrams at night.", 0.04),    # sounds as much like albuterol as like nothing: let go
    ("period time 100 micrograms every morning.", 0.3),   # levothyroxine, three sounds in five from Seretide
    ("metformin and for me 500 milligrams.", 0.3),        # too short for furosemide, which sounds alike
    ("I use my lymphailer to puff when I am wheezy.", 0.3),  # "to puff" is no dose
    ("Your potassium was 3.2 today.", 0.3),               # a result, not a dose
    ("I take furosemide 40 milligrams.", 0.3),             # already a drug name
    ("Your on leg, some 100 mg and furosemide.", 0.04),    # across a comma only sounding closer than Nexium
])
def test_words_before_a_number_are_left_alone_unless_a_dose_follows_and_a_drug_sounds_alike(
        corrector: Corrector, heard: str, p: float) -> None:
    segment = spoken(heard, p)
    assert corrector.correct([segment]) == [segment]
