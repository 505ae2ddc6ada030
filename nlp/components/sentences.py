"""Sentence boundaries: by punctuation, and by the statistical parser only where punctuation says too little.

Whisper punctuates, so most utterances split at ".", "?" and "!" as well as the parser would split them,
at a small fraction of its cost. A long run of words with no sentence end ("i wan na order an echo and
continue you on the lipitor ...", as in unpunctuated transcripts) is where the parser finds clause
boundaries that punctuation cannot; the ConText cues rely on them to end their scope, so such a sentence
is parsed, alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import cast

from spacy.language import Language
from spacy.pipeline import Pipe, Sentencizer
from spacy.tokens import Doc
from spacy.util import minibatch


@Language.factory("soapscribe_sentences", default_config={"longest": 20, "tok2vec": "tok2vec", "parser": "parser"})
def make_sentence_splitter(nlp: Language, name: str, longest: int, tok2vec: str, parser: str) -> SentenceSplitter:
    return SentenceSplitter(nlp, longest, tok2vec, parser)


class SentenceSplitter:
    """Sets sentence starts by punctuation; a sentence so found with more than `longest` tokens is split by the
    `tok2vec` and `parser` components of `nlp` (kept disabled, so that they run only here)."""

    def __init__(self, nlp: Language, longest: int, tok2vec: str = "tok2vec", parser: str = "parser") -> None:
        self.nlp = nlp
        self.longest = longest
        self.names = (tok2vec, parser)
        self.rules = Sentencizer()

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):  # type: ignore[no-untyped-call]  # spaCy leaves it unannotated
            self.rules.set_annotations(batch, self.rules.predict(batch))
            # Only the sentences too long by punctuation go to the parser, each as a doc of its own: parsing a
            # whole consultation for its few long turns cost most of the extraction time.
            long = [sentence for doc in batch for sentence in doc.sents if len(sentence) > self.longest]
            if long:
                pieces = [Doc(self.nlp.vocab, words=[t.text for t in span], spaces=[bool(t.whitespace_) for t in span])
                          for span in long]
                for name in self.names:
                    component = cast(Pipe, self.nlp.get_pipe(name))  # typed by spaCy as a bare Doc -> Doc callable
                    pieces = list(component.pipe(pieces))
                for span, piece in zip(long, pieces):
                    for token in piece[1:]:
                        span.doc[span.start + token.i].is_sent_start = bool(token.is_sent_start)
            yield from batch
