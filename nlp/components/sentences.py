"""Sentence boundaries: by punctuation, and by the statistical parser only where punctuation says too little.

Whisper punctuates, so most utterances split at ".", "?" and "!" as well as the parser would split them,
at a small fraction of its cost. A long run of words with no sentence end ("i wan na order an echo and
continue you on the lipitor ...", as in unpunctuated transcripts) is where the parser finds clause
boundaries that punctuation cannot; the ConText cues rely on them to end their scope, so such an
utterance is parsed as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.util import minibatch


@Language.factory("soapscribe_sentences", default_config={"longest": 20, "tok2vec": "tok2vec", "parser": "parser"})
def make_sentence_splitter(nlp: Language, name: str, longest: int, tok2vec: str, parser: str) -> SentenceSplitter:
    return SentenceSplitter(nlp, longest, tok2vec, parser)


class SentenceSplitter:
    """Sets sentence starts: by punctuation when every sentence so found has at most `longest` tokens, else by
    the `tok2vec` and `parser` components of `nlp` (kept disabled, so that they run only here)."""

    def __init__(self, nlp: Language, longest: int, tok2vec: str = "tok2vec", parser: str = "parser") -> None:
        self.nlp = nlp
        self.longest = longest
        self.names = (tok2vec, parser)
        self.rules = Sentencizer()

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            guesses = self.rules.predict(batch)
            ruled = [(doc, starts) for doc, starts in zip(batch, guesses) if not self._too_long(starts)]
            self.rules.set_annotations([doc for doc, _ in ruled], [starts for _, starts in ruled])
            parsed = [doc for doc, starts in zip(batch, guesses) if self._too_long(starts)]
            if parsed:
                for name in self.names:
                    parsed = list(self.nlp.get_pipe(name).pipe(parsed))
            yield from batch

    def _too_long(self, starts: list[bool]) -> bool:
        """Whether a sentence found by punctuation runs over `longest` tokens."""
        length = 0
        for start in starts:
            length = 1 if start else length + 1
            if length > self.longest:
                return True
        return False
