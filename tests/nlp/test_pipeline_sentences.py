"""Sentence boundaries of the findings pipeline: punctuation where it suffices, the parser where it does not."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import LONGEST_PUNCTUATED_SENTENCE, load_base

RUN_ON = "left leg okay got it sorry and any weakness or numbness in your legs or just the pain mostly"


@pytest.fixture(scope="module")
def base() -> Language:
    return load_base()


def test_a_punctuated_utterance_splits_at_its_sentence_ends_without_the_parser(base: Language) -> None:
    doc = base("Dr. Smith said your potassium was 3.1. Any cramps at night?")
    assert [sentence.text for sentence in doc.sents] == ["Dr. Smith said your potassium was 3.1.",
                                                         "Any cramps at night?"]
    assert not doc.has_annotation("DEP")  # the parser, most of the extraction time, did not run


def test_a_long_run_of_words_without_punctuation_is_split_by_the_parser(base: Language) -> None:
    assert len(base.make_doc(RUN_ON)) > LONGEST_PUNCTUATED_SENTENCE
    doc = base(RUN_ON)
    assert [sentence.text for sentence in doc.sents][0] == "left leg"  # so "left" is not the weakness's side


def test_only_the_long_sentence_goes_to_the_parser(base: Language) -> None:
    doc = base(f"Okay. {RUN_ON}. Any cramps at night?")
    sentences = [sentence.text for sentence in doc.sents]
    assert sentences[0] == "Okay." and sentences[-1] == "Any cramps at night?"
    assert sentences[1] == "left leg"  # the long one split inside, at the parser's boundary
    assert not doc.has_annotation("DEP")  # parsed apart: this doc carries no parse to keep up to date


def test_batched_utterances_get_the_same_sentences_as_one_by_one(base: Language) -> None:
    texts = ["No. Yes, both calves.", RUN_ON, "", "Any cramps?"]
    batched = [[sentence.text for sentence in doc.sents] for doc in base.pipe(texts, batch_size=2)]
    assert batched == [[sentence.text for sentence in base(text).sents] for text in texts]


def test_the_parser_and_its_tok2vec_multiply_with_numpy_not_blis(base: Language) -> None:
    """BLIS runs its generic kernel on CPUs it does not recognise; numpy's OpenBLAS is 2x faster there, same
    sentences (benchmarks/RESULTS.md, "Extraction speed")."""
    layers = [*base.get_pipe("tok2vec").model.walk(), base.get_pipe("parser").model.get_ref("lower")]
    assert layers and not any(getattr(layer.ops, "use_blis", True) for layer in layers)
