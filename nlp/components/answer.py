"""Whether an utterance opens as an answer: "Yes.", "No, none at all.", "Not sure."; and which of its sentences
is an answer alone, echoed by the one who asked ("Any discharge? No, OK. And any fever?")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from nlp.components.extensions import register

FALSE_START_WORDS = 3  # words said before a comma and the answer ("Not that it, no."): a false start


@Language.factory("soapscribe_answer")
def make_answer_reader(nlp: Language, name: str) -> AnswerReader:
    register()
    return AnswerReader(nlp)


class AnswerReader:
    """Sets `Doc._.answer` to (assertion, start_char, end_char, bare) or None.

    `bare` is true when the cue stands alone ("No, ..." / "Yes.") rather than opening a phrase of
    its own ("A little tingling"), which decides whether it answers the question's concepts.

    Sets `Doc._.echoes` to (sentence number, assertion, start_char, end_char) for every sentence that is an answer
    alone, with nothing but acknowledgements after it ("No, OK.", "Yeah, right."): in a question's turn, the asker
    repeating the answer they heard, or an answer the transcript put in their turn.
    """

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.fillers: set[str] = set()
        self.acknowledgements = PhraseMatcher(nlp.vocab, attr="LOWER")

    def add(self, answers: Mapping[str, Iterable[str]], fillers: Iterable[str] = (),
            acknowledgements: Iterable[str] = ()) -> None:
        for assertion, phrases in answers.items():
            self.matcher.add(assertion, [self.nlp.make_doc(phrase) for phrase in phrases])
        self.fillers |= {drawn_out(filler) for filler in fillers}
        said = [self.nlp.make_doc(phrase) for phrase in acknowledgements]
        if said:
            self.acknowledgements.add("acknowledgement", said)

    def __call__(self, doc: Doc) -> Doc:
        first = self._past_fillers(doc, 0)
        matches = self.matcher(doc)
        doc._.echoes = tuple(self._echoes(doc, matches))
        opening = [(end, match_id) for match_id, start, end in matches if start == first]
        # the first punctuation within a few words: a comma ends a false start, other punctuation a sentence
        stop = next((i for i in range(first + 1, min(len(doc), first + 1 + FALSE_START_WORDS)) if doc[i].is_punct),
                    None)
        comma = stop if stop is not None and doc[stop].text == "," else None
        if not opening and first + 1 < len(doc) and doc[first].lower_ == doc[first + 1].lower_:
            # a word said twice before the answer: "I I guess so"
            first += 1
            opening = [(end, match_id) for match_id, start, end in matches if start == first]
        if not opening and comma is not None:
            # a false start before the answer: "I, I don't think so", "Not, I don't think so", "So I, no I don't",
            # "Not that it, no", "Not at the, not at the moment"
            first = self._past_fillers(doc, comma + 1)
            opening = [(end, match_id) for match_id, start, end in matches if start == first]
        if not opening:
            doc._.answer = None
            return doc
        end, match_id = max(opening)
        bare = end == len(doc) or doc[end].is_punct
        doc._.answer = (self.nlp.vocab.strings[match_id], doc[first].idx, doc[end - 1].idx + len(doc[end - 1]), bare)
        return doc

    def _echoes(self, doc: Doc, matches: list[tuple[int, int, int]]) -> list[tuple[int, str, int, int]]:
        """The sentences that are an answer cue alone, with only fillers and acknowledgements after it ("No, OK.",
        "Yeah. Right.")."""
        acknowledged = {start: end for _, start, end in self.acknowledgements(doc)}
        echoes = []
        for number, sentence in enumerate(doc.sents):
            first = self._past_fillers(doc, sentence.start)
            cue = max(((end, match_id) for match_id, start, end in matches if start == first and end <= sentence.end),
                      default=None)
            if cue is None:
                continue
            end, match_id = cue
            rest = self._past_fillers(doc, end)
            while rest < sentence.end and rest in acknowledged:
                rest = self._past_fillers(doc, acknowledged[rest])
            if rest >= sentence.end:
                echoes.append((number, self.nlp.vocab.strings[match_id], doc[first].idx,
                               doc[end - 1].idx + len(doc[end - 1])))
        return echoes

    def _past_fillers(self, doc: Doc, first: int) -> int:
        while first < len(doc) and (doc[first].is_punct or doc[first].is_space or drawn_out(doc[first].lower_)
                                    in self.fillers):
            first += 1
        return first


def drawn_out(word: str) -> str:
    """A hesitation however long it is held ("hmmm", "ummm", "Mmm", "sooo"): its letters said once each."""
    return _HELD.sub(r"\1", word.lower())


_HELD = re.compile(r"(.)\1+")
