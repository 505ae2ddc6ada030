"""When a symptom began and how long it has lasted, as said ("for two months", "since Tuesday", "3 weeks ago")."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.extensions import MODIFIERS, NUMBERS, TARGETS, details, register
from nlp.components.spans import as_number, distance, starting_at, within
from nlp.lexicon import DURATION_CUE, INTERVAL_UNIT, ONSET_CUE, ONSET_QUESTION, ONSET_TIME

SYMPTOM = "symptom"
AGO = "ago"
ONSET_WORDS = 3  # "since last Tuesday": at most this many words after the cue
ONSET_ENDS = frozenset({"and", "or", "but", "with", "so", "because", "when", "then"})
LATEST, LATEST_REACH = "last", 3  # "when was your last colonoscopy", "when were you last sick": not an onset
CLAUSE_JOINS = frozenset({"and", "but"})
TIME_REACH = 8  # "I twisted my knee yesterday": a time said alone is an onset this many words from its symptom at most
HEDGES = ("about", "around", "almost", "nearly", "like")  # "for about 6 weeks"


@Language.factory("soapscribe_course")
def make_course(nlp: Language, name: str) -> CourseAttacher:
    register()
    return CourseAttacher()


class CourseAttacher:
    """Give each symptom the duration (a number and an interval after a duration cue: "for the past 2 months") and
    the onset ("since ...", "... ago", "yesterday") said in its sentence, in the words said, with numbers as digits. Each is
    given to the symptom said nearest to it ("a cough for two months, and a headache since Tuesday")."""

    def __call__(self, doc: Doc) -> Doc:
        modifiers = list(doc.spans[MODIFIERS])
        numbers = list(doc.spans[NUMBERS])
        symptoms = [target for target in doc.spans[TARGETS] if target.label_ == SYMPTOM]
        for sentence in {symptom.sent.start: symptom.sent for symptom in symptoms}.values():
            said = [s for s in symptoms if sentence.start <= s.start < sentence.end]
            for name, at, words in self._durations(doc, sentence, numbers, modifiers) + \
                    onsets(doc, sentence, numbers, modifiers):
                nearest = min(said, key=lambda s: s.start - at if at < s.start else max(0, at - s.end))
                details(nearest).setdefault(name, words)
            for time in within(modifiers, sentence.start, sentence.end, ONSET_TIME):
                nearest = min(said, key=lambda s: distance(s, time))
                if distance(nearest, time) <= TIME_REACH and not joined(doc, nearest, time):
                    details(nearest).setdefault("onset", time.text.lower())
        return doc

    def _durations(self, doc: Doc, sentence: Span, numbers: list[Span],
                   modifiers: list[Span]) -> list[tuple[str, int, str]]:
        found = []
        for cue in within(modifiers, sentence.start, sentence.end, DURATION_CUE):
            start = cue.end + (1 if cue.end < sentence.end and doc[cue.end].lower_ in HEDGES else 0)
            number = next((n for n in numbers if n.start == start), None)
            interval = interval_of(number, modifiers) if number is not None else None
            if interval is not None and not (interval[1] < len(doc) and doc[interval[1]].lower_ == AGO):
                found.append(("duration", cue.start, interval[0]))
        return found


def joined(doc: Doc, symptom: Span, time: Span) -> bool:
    """Whether a clause boundary ("and", "but", a comma) stands between a symptom and a time said before it: the
    time is of the clause before ("I saw my doctor yesterday and I've had a cough for a month")."""
    return time.end <= symptom.start and any(token.lower_ in CLAUSE_JOINS or token.text in (",", ";")
                                             for token in doc[time.end:symptom.start])


def interval_of(number: Span, modifiers: list[Span]) -> tuple[str, int] | None:
    """A number with its interval unit ("2 weeks"), and the token after it; None when no unit follows."""
    unit = starting_at(modifiers, number.end, INTERVAL_UNIT)
    return (f"{as_number(number._.number):g} {unit.text.lower()}", unit.end) if unit is not None else None


def onsets(doc: Doc, sentence: Span, numbers: list[Span], modifiers: list[Span]) -> list[tuple[str, int, str]]:
    """The onsets said in a sentence ("2 weeks ago", "since Tuesday"): ("onset", token index, words)."""
    found = []
    for number in within(numbers, sentence.start, sentence.end):
        interval = interval_of(number, modifiers)
        if interval is not None and interval[1] < len(doc) and doc[interval[1]].lower_ == AGO:
            found.append(("onset", number.start, f"{interval[0]} {AGO}"))
    for cue in within(modifiers, sentence.start, sentence.end, ONSET_CUE):
        if any(interval_of(n, modifiers) is not None for n in within(numbers, cue.end, cue.end + ONSET_WORDS + 1)):
            continue  # "since the last four days" says how long, not when: a duration
        words = []
        for token in doc[cue.end:min(sentence.end, cue.end + ONSET_WORDS)]:
            if token.is_punct or token.lower_ in ONSET_ENDS:
                break  # "since Tuesday and numbness for six weeks": the onset is "since Tuesday"
            words.append(token.text)
        if words:
            found.append(("onset", cue.start, f"{cue.text.lower()} {' '.join(words)}"))
    return found


def onset_said(doc: Doc) -> str | None:
    """When an utterance says something began, if it names no symptom of its own ("It was yesterday.")."""
    if any(target.label_ == SYMPTOM for target in doc.spans[TARGETS]):
        return None
    modifiers = list(doc.spans[MODIFIERS])
    said = onsets(doc, doc[:], list(doc.spans[NUMBERS]), modifiers) + [
        ("onset", time.start, time.text.lower()) for time in within(modifiers, 0, len(doc), ONSET_TIME)]
    return min(said)[2] if said else None


def asks_onset(doc: Doc) -> bool:
    """Whether an utterance asks when something began ("When did this happen?"); "when were you last sick?" asks
    about the latest time, not the first."""
    return any(span.label_ == ONSET_QUESTION and LATEST not in {t.lower_ for t in doc[span.end:span.end + LATEST_REACH]}
               for span in doc.spans[MODIFIERS])
