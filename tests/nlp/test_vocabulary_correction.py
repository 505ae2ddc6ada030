"""A consultation's vocabulary as the preferred candidates of the drug-name correction, with the gates kept:
words Whisper (tiny.en, espeak-ng audio of tests/service/test_api_vocabulary.py) really heard, with their
probabilities, change only to a vocabulary term they sound like, and only when Whisper was unsure (issue 17)."""

from __future__ import annotations

import pytest

from nlp.asr.correct import Corrector
from nlp.types import Word
from service.scribe import Scribe
from service.settings import Settings


@pytest.fixture(scope="module")
def corrector(tmp_path_factory: pytest.TempPathFactory) -> Corrector:
    return Scribe(Settings(data_dir=tmp_path_factory.mktemp("var"))).corrector()


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
