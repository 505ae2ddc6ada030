"""A consultation's vocabulary as the preferred candidates of the drug-name correction, with the gates kept:
words Whisper (tiny.en, espeak-ng audio of tests/service/test_api_vocabulary.py) really heard, with their
probabilities, change only to a vocabulary term they sound like, and only when Whisper was unsure (issue 17)."""

from __future__ import annotations

import pytest

from nlp.asr.correct import Corrector
from nlp.types import Segment, Word
from service.settings import Settings
from tests.conftest import Models


@pytest.fixture(scope="module")
def corrector(tmp_path_factory: pytest.TempPathFactory, models: Models) -> Corrector:
    return models.scribe(Settings(data_dir=tmp_path_factory.mktemp("var"))).corrector()


def test_a_misheard_vocabulary_term_is_corrected_when_whisper_was_unsure(corrector: Corrector) -> None:
    heard = Word(w="crampic", start=3.1, end=3.6, p=0.47)  # "the Crampex tablets" without a vocabulary
    assert corrector.correct_word(heard) is heard
    fixed = corrector.preferring(["Crampex", "Dr Okonkwo"]).correct_word(heard)
    assert (fixed.w, fixed.original) == ("Crampex", "crampic")


def test_a_sure_word_that_sounds_like_a_vocabulary_term_is_kept(corrector: Corrector) -> None:
    sure = Word(w="crampic", start=3.1, end=3.6, p=0.9)
    assert corrector.preferring(["Crampex"]).correct_word(sure) is sure


@pytest.mark.parametrize("heard", ["capraman,", "camera", "cramps"])  # heard for "Keppra every", "Keppra", "cramps"
def test_words_that_do_not_sound_like_the_term_are_kept(corrector: Corrector, heard: str) -> None:
    word = Word(w=heard, start=0.0, end=0.5, p=0.15)
    assert corrector.preferring(["Keppra", "Crampex"]).correct_word(word) is word


def test_the_vocabulary_is_preferred_over_a_lexicon_drug_that_sounds_alike(corrector: Corrector) -> None:
    heard = Word(w="furosmide", start=0.0, end=0.5, p=0.3)
    assert corrector.correct_word(heard).w == "furosemide"
    # A clinic whose local brand sounds the same: its own name is written when Whisper was unsure, and a sure
    # word is corrected by the lexicon alone, as before.
    assert corrector.preferring(["Furosmida"]).correct_word(heard).w == "Furosmida"
    sure = heard.model_copy(update={"p": 0.9})
    assert corrector.preferring(["Furosmida"]).correct_word(sure).w == "furosemide"
    assert corrector.preferring(["furosemide"]).correct_word(heard).w == "furosemide"


def heard(*words: tuple[str, float]) -> Segment:
    """A segment of the words Whisper wrote, with the probability it gave each."""
    spoken = [Word(w=text, start=index * 0.4, end=index * 0.4 + 0.3, p=p) for index, (text, p) in enumerate(words)]
    return Segment(id=0, text=" ".join(word.w for word in spoken), start=0.0, end=len(words) * 0.4, words=spoken)


# What tiny.en wrote, with its probabilities, on the rendered consultations of benchmarks.vocabulary_recall.
NOOM_PER_MOLE = heard(("I", 1.0), ("think", 1.0), ("noom", 0.22), ("per", 0.21), ("mole", 0.51), ("may", 0.98),
                      ("be", 1.0), ("lowering", 0.65), ("your", 0.99), ("magnesium.", 0.99))  # "the omeprazole"
SPIRON_ELECT_ON = heard(("Now", 0.97), ("I'm", 0.93), ("on", 0.97), ("Spiron", 0.51), ("Elect", 0.16), ("on", 0.98),
                        ("25mg.", 0.61))  # "spironolactone 25 mg"


@pytest.mark.parametrize(("segment", "vocabulary", "text"), [
    (NOOM_PER_MOLE, ["omeprazole"], "I think omeprazole may be lowering your magnesium."),
    (heard(("We", 0.98), ("can", 0.47), ("switch", 0.96), ("you", 0.37), ("to", 0.96), ("amplerinone.", 0.10)),
     ["spironolactone", "eplerenone"], "We can switch you to eplerenone."),
    (heard(("I", 0.98), ("used", 0.99), ("to", 0.99), ("take", 0.99), ("humidinide", 0.16), ("but", 0.73)),
     ["bumetanide", "spironolactone"], "I used to take bumetanide but"),
    (heard(("You're", 0.94), ("taking", 0.99), ("hydrochlorophage", 0.61), ("a", 0.11), ("night", 0.38), ("for", 1.0),
           ("your", 0.99), ("blood", 1.0), ("pressure.", 1.0)),
     ["hydrochlorothiazide", "amlodipine"], "You're taking hydrochlorothiazide for your blood pressure."),
])
def test_words_heard_for_a_vocabulary_drug_become_it(corrector: Corrector, segment: Segment, vocabulary: list[str],
                                                     text: str) -> None:
    assert corrector.correct([segment]) == [segment]  # the lexicon alone is not sure enough to change them
    [fixed] = corrector.preferring(vocabulary).correct([segment])
    assert fixed.text == text
    [named] = [word for word in fixed.words if word.original]
    assert named.original == " ".join(word.w for word in segment.words
                                      if named.start <= word.start and word.end <= named.end)


def test_a_drug_heard_as_three_words_is_not_the_drug_its_first_word_sounds_like(corrector: Corrector) -> None:
    # "Spiron" alone sounds like buspirone; the three words together are spironolactone, with or without a vocabulary.
    for vocabulary in ([], ["bumetanide", "spironolactone"]):
        [fixed] = corrector.preferring(vocabulary).correct([SPIRON_ELECT_ON])
        assert fixed.text == "Now I'm on Spironolactone 25mg."


def test_words_whisper_was_sure_of_are_kept_whatever_the_vocabulary(corrector: Corrector) -> None:
    sure = heard(*((word.w, 0.9) for word in NOOM_PER_MOLE.words))
    assert corrector.preferring(["omeprazole"]).correct([sure]) == [sure]


@pytest.mark.parametrize(("segment", "vocabulary"), [
    (heard(("I'm", 0.9), ("on", 0.9), ("listen", 0.31), ("up", 0.42), ("now.", 0.9)), ["lisinopril"]),  # all English
    (NOOM_PER_MOLE, ["ramipril"]),  # omeprazole, which the vocabulary does not list, sounds as close
    (heard(("take", 0.99), ("humidinide", 0.16), ("but", 0.73)), ["budesonide"]),  # bumetanide sounds closer
    (heard(("We", 0.98), ("can", 0.47), ("switch", 0.96), ("you", 0.37), ("to", 0.96), ("amplerinone.", 0.10)),
     ["amlodipine", "aspirin"]),  # drugs the chart lists that were not said: not near enough
    (heard(("You", 0.75), ("started", 0.99), ("atorvastatin", 0.34), ("40mg", 0.56)),
     ["pitavastatin", "fluvastatin"]),  # a drug Whisper wrote stays, unsure or not, whatever sounds like it
    (heard(("the", 0.3), ("tendon", 0.3), ("is", 0.3), ("tender.", 0.3)), ["tizanidine"]),  # far shorter than it
])
def test_a_vocabulary_drug_that_was_not_said_is_not_written(corrector: Corrector, segment: Segment,
                                                            vocabulary: list[str]) -> None:
    [fixed] = corrector.preferring(vocabulary).correct([segment])
    assert not any(term.lower() in fixed.text.lower() for term in vocabulary), fixed.text


def test_a_vocabulary_drug_already_heard_right_is_left_alone(corrector: Corrector) -> None:
    segment = heard(("Just", 0.98), ("bumetanide", 0.3), ("now.", 0.9))
    assert corrector.preferring(["bumetanide"]).correct([segment]) == [segment]


def test_the_vocabulary_name_of_a_drug_is_written_not_the_lexicon_first_name(corrector: Corrector) -> None:
    # prednisolone is its own drug (it was filed as prednisone's synonym); heard as "prednis alone" it sounds exactly
    # like prednisolone, and a chart that lists it gets it written too.
    segment = heard(("course", 0.7), ("on", 0.49), ("prednis", 0.18), ("alone,", 0.43), ("for", 0.95))
    assert corrector.correct([segment])[0].text == "course on prednisolone, for"
    assert corrector.preferring(["prednisolone"]).correct([segment])[0].text == "course on prednisolone, for"
    # a chart listing prednisone, a drug not said here, does not make it prednisone
    assert corrector.preferring(["prednisone"]).correct([segment])[0].text == "course on prednisolone, for"


# "We could consider mefenamic acid instead." (tests/gold/other_period_cramps.txt), as tiny.en wrote it on Piper with
# naproxen and mefenamic acid as the hotwords.
METHANAMIC_ACID = heard(("We", 0.47), ("could", 0.98), ("consider", 1.0), ("methanamic", 0.37), ("acid", 0.99),
                        ("instead.", 0.98))


def test_a_term_of_several_words_is_matched_as_a_one_word_term_is(corrector: Corrector) -> None:
    # "acid", heard as said and sure, is no doubt about the term: Whisper's unsureness is read on "methanamic" alone,
    # as for the one-word term (the mean of both words, 0.68, had kept it).
    one_word = heard(*((word.w, word.p) for word in METHANAMIC_ACID.words if word.w != "acid"))
    assert corrector.preferring(["mefenamic"]).correct([one_word])[0].text == "We could consider mefenamic instead."
    assert corrector.correct([METHANAMIC_ACID]) == [METHANAMIC_ACID]
    [fixed] = corrector.preferring(["naproxen", "mefenamic acid"]).correct([METHANAMIC_ACID])
    assert fixed.text == "We could consider mefenamic acid instead."
    assert [word.original for word in fixed.words if word.original] == ["methanamic acid"]
    sure = heard(*((word.w, 0.9) for word in METHANAMIC_ACID.words))
    assert corrector.preferring(["mefenamic acid"]).correct([sure]) == [sure]
    for decoys in (["ethacrynic acid", "folic acid"], ["ethacrynic acid"]):  # not said, not near enough
        assert corrector.preferring(decoys).correct([METHANAMIC_ACID]) == [METHANAMIC_ACID]


def test_a_hyphenated_term_is_a_term_and_its_words_heard_as_said_are_left_as_heard(corrector: Corrector) -> None:
    misheard = heard(("Take", 0.73), ("cocodamol,", 0.3), ("two", 0.44))
    assert corrector.preferring(["co-codamol"]).correct([misheard])[0].text == "Take co-codamol, two"
    # tiny.en writes "co-codamol" as the words "co" and "-codamol,": neither is a drug name alone to correct
    said = heard(("Take", 0.73), ("co", 0.02), ("-codamol,", 0.15), ("two", 0.44))
    assert corrector.preferring(["co-codamol"]).correct([said]) == [said]
    two = heard(("my", 0.9), ("potassium", 0.96), ("chloride", 0.98), ("tablets.", 0.35))
    assert corrector.preferring(["potassium chloride"]).correct([two]) == [two]  # not joined into one word


@pytest.mark.parametrize("segment", [
    heard(("The", 0.3), ("vitals", 0.3), ("and", 0.3), ("labs.", 0.3)),  # none of vitamin d's words heard
    heard(("She", 0.3), ("takes", 0.3), ("vitamin", 0.3), ("E.", 0.3)),  # the rest does not sound like "d"
])
def test_a_term_of_several_words_needs_one_of_its_words_heard_and_the_rest_to_sound_like_the_others(
        corrector: Corrector, segment: Segment) -> None:
    # The stress check's words (every one unsure): "vitals and" sounds like "vitamind" as a whole.
    assert corrector.preferring(["vitamin d"]).correct([segment]) == [segment]
