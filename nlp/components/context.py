"""Assertion in context (ConText-style): negation, uncertainty, hypotheticals, family, history, questions.

Each cue applies within its sentence, forward and/or backward from where it is said, up to a
terminator ("but") or its `max_scope` in tokens. The cue lists are data (the topic's lexicon).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nlp.components.extensions import TARGETS, details, register
from nlp.lexicon import MEDICATION, NO_QUESTION_CUES, ContextRule, QuestionCues

HISTORICAL = "historical"
IMPRESSION = "impression"  # possible, and marked so: the clinician's working impression of a problem
CONDITIONAL = "conditional"  # hypothetical, and marked so: a plan said under "if" is not placed today
OPTION = "option"  # hypothetical, and marked so: a name offered ("something called X"), a drug or a diagnosis
RISK = "risk"  # hypothetical, and marked so: a risk named ("an increased risk of stroke") is no problem of the patient's
# a mark alone: what brings a symptom on, asked about ("worse when you cough?"), is not what the answer is about; said
# ("when you get a headache, take paracetamol") it asserts what it did
CIRCUMSTANCE = "circumstance"
CIRCUMSTANTIAL = frozenset({"symptom", "condition", "social"})  # "cramps when you're resting?" asks the timing
OTHERS = "others"  # hypothetical, and marked so: said of other people ("patients with covid") and not of the patient
# hypothetical, and marked so: a concept that names the kind of a place, a service or an event ("the covid ward", "an
# MRI facility", "since the covid pandemic"), said right before the cue's word: no finding of the patient's
ATTRIBUTIVE = "attributive"
# possible, and marked so: a worry ("we are worried about an anaphylactic reaction") doubts a problem, only a problem
# ("I'm worried about this cough" says the symptom)
CONCERN = "concern"
CONCERNS = "condition"  # the kind of target a worry doubts
CONFIRMED_KINDS = frozenset({"condition", "symptom"})  # what a statement put to the patient asks (not a plan proposed)
MARKED = {IMPRESSION: "possible", CONDITIONAL: "hypothetical", OPTION: "hypothetical", RISK: "hypothetical",
          OTHERS: "hypothetical", CONCERN: "possible", ATTRIBUTIVE: "hypothetical"}
NOT_ASKING_BEFORE = frozenset({"we", "i", "they", "he", "she", "to", "will", "'ll", "would", "can", "could", "should",
                               "let", "get", "got", "that", "which", "who", "'d",
                               # "let's have you come back", "let us have you", "we're gon na have you see physio"
                               "'s", "us", "na", "gonna", "wanna"})
TERMINATE = "terminate"
PSEUDO = "pseudo"
FAMILY = "family"
# a negation said with a relative ("no family history of asthma", "my mum doesn't have diabetes") denies the relative's
# illness; family outranks absent, so the denial is kept as a mark the extractor reads (knowledge/dialogue.py `planned`)
DENIED = "denied"
SPOKEN_OF = frozenset({"he", "she", "they", "he's", "she's", "they're"})  # "Mum, she has migraines": not addressed
# a mark alone: a relative named in an earlier sentence, spoken of again by a pronoun that agrees ("I have one sister.
# She has diabetes."); the family history of the patient's words only (knowledge/dialogue.py `planned`)
RELATIVE_AGAIN = "relative_again"
# the words between the items of a list ("diabetes, heart disease, and some high blood pressure"), by the cues whose
# reach reads a list to its end: a denial's list has no "some" ("no nausea, some vomiting" denies the nausea alone)
LIST_WORDS = frozenset({",", "and", "or", "also", "as", "well", "some", "any", "a", "an", "the"})
JOINERS = frozenset({"or", "nor"})  # what a denial's "or" joins it denies too, however long the first item
JOINED_ARTICLES = frozenset({"a", "an", "any", "the"})
LISTED = {FAMILY: LIST_WORDS, "absent": frozenset({",", "and", "or", "nor"})}
# the speaker or the one spoken to: a sentence that names them is about them, not the relative spoken of before
OWN_WORDS = frozenset({"i", "me", "my", "myself", "mine", "we", "us", "our", "you", "your", "yourself", "yours"})
FILLER = "filler"  # a hesitation ("um", "you know") that a cue's scope passes, with the commas around it
REPAIR_REACH = 3  # words before a cue that a restart after a hesitation repeats
MID_SENTENCE_LEAD_INS = 2  # "... okay and any problems": after this many lead-in words an opener asks mid-sentence
PAUSES = frozenset({",", "-", "--", "...", "…"})  # what may stand between a cue and a filler ("no, um, fracture")
# "I think the omeprazole may be lowering your magnesium": a drug the speaker names as theirs, as the subject of what
# is hedged, is taken; the hedge is on what it does ("I think you might be on omeprazole" hedges the taking)
OWN_DETERMINERS = frozenset({"the", "your", "my", "his", "her", "this", "that"})
SUBJECT_VERBS = frozenset({"may", "might", "could", "is", "'s", "was", "has", "seems", "does", "probably"})
STATING_AFTER = frozenset({"is", "'s", "are", "was", "were"})  # "is there is", "are there are": said again, not asked
COPULAS = frozenset({"is", "are", "was", "were"})  # a finding said with one is a statement ("sensation is intact")
# When cues disagree about one target, the stronger category holds.
PRIORITY = {"present": 0, "possible": 1, "absent": 2, "hypothetical": 3, "family": 4}


@Language.factory("soapscribe_context")
def make_context(nlp: Language, name: str) -> ContextMarker:
    register()
    return ContextMarker(nlp)


class QuestionMarks(NamedTuple):
    """Where the question cues of one utterance stand: openers, lead-ins (start -> end), tags and clause words."""

    openers: set[int]
    lead_ins: dict[int, int]
    tagged: set[tuple[int, int]]
    clauses: set[int]


class QuestionMarker:
    """Sets `_.in_question` on targets: a question asserts nothing, the answer settles it (knowledge/extract.py).

    Shared by every assertion component, so that only the cues differ between them.
    """

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.openers = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.presupposing = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.tags = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.clauses = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lead_ins = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.anywhere = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.confirmations: set[tuple[str, ...]] = set()

    def add(self, cues: QuestionCues) -> None:
        for matcher, key, phrases in ((self.openers, "question", cues.openers),
                                      (self.anywhere, "anywhere", cues.openers_anywhere),
                                      (self.lead_ins, "lead_in", cues.lead_ins),
                                      (self.presupposing, "presupposing", cues.presupposing),
                                      (self.tags, "tag", cues.tags), (self.clauses, "clause", cues.clauses)):
            docs = [self.nlp.make_doc(phrase) for phrase in phrases]
            if docs:
                matcher.add(key, docs)
        self.confirmations |= {tuple(token.lower_ for token in self.nlp.make_doc(phrase)) for phrase in cues.confirmations}

    def marks(self, doc: Doc) -> QuestionMarks:
        """The question cues of `doc`, matched once for `follow_up` and the marking of its targets."""
        lead_ins: dict[int, int] = {}
        for _, start, end in self.lead_ins(doc):
            lead_ins[start] = max(end, lead_ins.get(start, end))
        return QuestionMarks(openers={start for _, start, _ in self.openers(doc)}, lead_ins=lead_ins,
                             tagged={(start, end) for _, start, end in self.tags(doc)},
                             clauses={start for _, start, _ in self.clauses(doc)})

    def __call__(self, doc: Doc, targets: list[Span], marks: QuestionMarks) -> None:
        openers, lead_ins, tagged, clauses = marks
        # "... so have you had" asks; "we have you on the norvasc" says (a subject or helper word before it)
        # ... and "what that means is there is some fluid" repeats "there is": it says (`STATING_AFTER`)
        asked_after = [end for _, start, end in self.anywhere(doc)
                       if (start == 0 or doc[start - 1].lower_ not in NOT_ASKING_BEFORE)
                       and (end == len(doc) or doc[end].lower_ not in STATING_AFTER)]
        asked_after += self._asked_after_lead_ins(doc, openers, lead_ins)
        presupposed_from = [end for _, _, end in self.presupposing(doc)]
        clause_starts = {start for start in clauses if start and doc[start - 1].text == ","}
        sentences = list(doc.sents)
        for index, sentence in enumerate(sentences):
            in_sentence = [t for t in targets if sentence.start <= t.start < sentence.end]
            if not in_sentence:
                continue
            question = self.is_question(sentence, openers, tagged, lead_ins)
            if question and index + 1 < len(sentences) and self._follows_up(
                    sentences[index + 1], targets, openers, tagged, lead_ins, clauses):
                # "And the cramps? Where are they?" asks the second, as "And the cramps, where are they?" does
                for target in in_sentence:
                    target._.in_question = False
                continue
            opened = question and self._opens_as_question(sentence, openers, lead_ins)
            asked_from = max((start for start in clause_starts if sentence.start < start < sentence.end), default=None)
            for target in in_sentence:
                # "We could try a lower dose or switch to rosuvastatin?": a question only by its "?" that proposes
                # what it names offers it; "Do you take rosuvastatin?" asks
                offered = question and not opened and proposed(target)
                # "... we were able to see you so have you experienced any numbness": asked mid-sentence
                target._.in_question = question and not offered or any(
                    sentence.start < end <= target.start for end in asked_after)
                if question and asked_from is not None and target.end < asked_from:
                    target._.in_question = False  # "You started atorvastatin, how are you getting on?" asks the clause
                if any(sentence.start < end <= target.start for end in presupposed_from):
                    target._.in_question = False  # "How long have you had diabetes?" says the patient has it
            if index + 1 < len(sentences) and self._confirms(sentences[index + 1]):
                # "You've been having problems with your asthma. Is that right?": the statement is put to the patient
                for target in in_sentence:
                    if target.label_ in CONFIRMED_KINDS:
                        target._.in_question = True

    def _confirms(self, sentence: Span) -> bool:
        """Whether the sentence only asks the patient to confirm what was said before it ("Is that right?")."""
        words = tuple(token.lower_ for token in sentence if not token.is_punct and not token.is_space)
        return bool(words) and sentence.text.rstrip().endswith("?") and words in self.confirmations

    @staticmethod
    def _asked_after_lead_ins(doc: Doc, openers: set[int], lead_ins: dict[int, int]) -> list[int]:
        """Where a question opens mid-sentence after lead-ins, as it does after a sentence's ("no burning when you
        urinate okay and and any problems with your bowels"): an opener said right after two lead-in words or more."""
        ends = {end: start for start, end in lead_ins.items()}
        asked = []
        for opener in openers:
            start, words = opener, 0
            while start in ends:  # back over the lead-ins said right before the opener
                start, words = ends[start], words + start - ends[start]
            if words >= MID_SENTENCE_LEAD_INS and start > 0:
                asked.append(opener)
        return asked

    def begin(self, doc: Doc) -> tuple[list[Span], QuestionMarks]:
        """The targets of `doc` and its question cues, with `doc._.follows_up` set: how every assertion component
        starts, whatever its cues, so that the dialogue rules are the same for all."""
        targets = list(doc.spans[TARGETS])
        marks = self.marks(doc)
        self.follow_up(doc, targets, marks)
        return targets, marks

    def follow_up(self, doc: Doc, targets: list[Span], marks: QuestionMarks) -> None:
        """Set `doc._.follows_up`: the utterance opens with a question about what was said just before it ("Where are
        they?"), naming nothing itself."""
        first = next(iter(doc.sents), None)
        if first is not None:
            doc._.follows_up = self._follows_up(first, targets, marks.openers, marks.tagged, marks.lead_ins,
                                                marks.clauses)

    @classmethod
    def _follows_up(cls, sentence: Span, targets: list[Span], openers: set[int], tagged: set[tuple[int, int]],
                    lead_ins: dict[int, int], clauses: set[int]) -> bool:
        """A question that opens with a clause word ("where are they?", "how often?") and names no finding: it asks
        about what the question before it named, as "And the cramps, where are they?" does."""
        start = cls._opening(sentence, lead_ins)
        return start in clauses and not any(sentence.start <= t.start < sentence.end for t in targets) \
            and cls.is_question(sentence, openers, tagged, lead_ins)

    @staticmethod
    def _opening(sentence: Span, lead_ins: dict[int, int] | None = None) -> int:
        """The first word of a sentence after its lead-ins ("okay, alright, so ...") and punctuation."""
        start = sentence.start
        while start < sentence.end and (start in (lead_ins or {}) or sentence.doc[start].is_punct):
            start = (lead_ins or {}).get(start, start + 1)
        return start

    @classmethod
    def _opens_as_question(cls, sentence: Span, openers: set[int], lead_ins: dict[int, int] | None = None) -> bool:
        """Opens like a question, after any lead-ins ("okay, alright, so do you ...")."""
        return cls._opening(sentence, lead_ins) in openers

    @classmethod
    def is_question(cls, sentence: Span, openers: set[int], tagged: set[tuple[int, int]],
                    lead_ins: dict[int, int] | None = None) -> bool:
        """Opens like a question, after any lead-ins ("okay, alright, so do you ..."), or ends with "?" unless the
        "?" only follows a tag ("..., okay?")."""
        doc = sentence.doc
        # The last word, found from the end: listing a long sentence's tokens costs more than the whole check.
        last_word = next((doc[i] for i in range(sentence.end - 1, sentence.start - 1, -1) if not doc[i].is_space),
                         None)
        if last_word is None:
            return False
        if cls._opens_as_question(sentence, openers, lead_ins):
            return True
        if not last_word.text.endswith("?"):
            return False
        last = last_word.i if last_word.text == "?" else last_word.i + 1
        return not any(end == last and start > sentence.start and sentence.doc[start - 1].text == ","
                       for start, end in tagged)


class ContextMarker:
    """Sets `_.assertion`, `_.historical` and `_.in_question` on every target."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.cues = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.questions = QuestionMarker(nlp)
        self.rules: list[ContextRule] = []

    def add(self, rules: Iterable[ContextRule], questions: QuestionCues = NO_QUESTION_CUES) -> None:
        for rule in rules:
            key = str(len(self.rules))
            self.rules.append(rule)
            self.cues.add(key, [self.nlp.make_doc(phrase) for phrase in rule.phrases])
        self.questions.add(questions)

    def __call__(self, doc: Doc) -> Doc:
        targets, marks = self.questions.begin(doc)
        if not targets:
            return doc
        target_tokens = {i for target in targets for i in range(target.start, target.end)}
        rules_of: dict[tuple[int, int], list[ContextRule]] = {}
        for match_id, start, end in self.cues(doc):
            rule = self.rules[int(self.nlp.vocab.strings[match_id])]
            # A cue inside a target's words is part of its name, but a terminator that only begins before a target
            # still ends a scope there ("I don't smoke, I do drink": the comma of ", I" ends the negation).
            if not target_tokens & set(range(start, end)) or (rule.category == TERMINATE and start not in target_tokens):
                rules_of.setdefault((start, end), []).append(rule)
        spans = {key: Span(doc, *key) for key in rules_of}
        # Terminators are filtered apart so that ", I" does not hide the "I think" it overlaps. One phrase may be
        # the cue of several rules ("maybe" forward and backward): each applies; a pseudo cue overrules the others.
        apart = (TERMINATE, FILLER)
        cues = []
        for category in apart:
            chosen = filter_spans([spans[key] for key, rules in rules_of.items() if any(r.category == category
                                                                                         for r in rules)])
            cues += [(span, next(r for r in rules_of[(span.start, span.end)] if r.category == category))
                     for span in chosen]
        others = [spans[key] for key, rules in rules_of.items() if any(r.category not in apart for r in rules)]
        for span in filter_spans(others):
            rules = [r for r in rules_of[(span.start, span.end)] if r.category not in apart]
            pseudo = [r for r in rules if r.category == PSEUDO]
            cues += [(span, rule) for rule in (pseudo[:1] or rules)]
        addressed = vocatives(doc, cues, marks.lead_ins)
        cues = [(span, rule) for span, rule in cues if span.start not in addressed]
        for sentence in doc.sents:
            in_sentence = [t for t in targets if sentence.start <= t.start < sentence.end]
            if in_sentence:
                self._mark(sentence, in_sentence, [(s, r) for s, r in cues if sentence.start <= s.start < sentence.end])
        spoken_of(doc, targets, [(span, rule) for span, rule in cues if rule.category == FAMILY], marks,
                  [span for span, rule in cues if rule.category == TERMINATE])
        for target in targets:
            if target.label_ == MEDICATION and target._.assertion == "possible" and hedged_subject(target):
                target._.assertion = "present"
        self.questions(doc, targets, marks)
        return doc

    def _mark(self, sentence: Span, targets: list[Span], cues: list[tuple[Span, ContextRule]]) -> None:
        stops = [cue for cue, rule in cues if rule.category == TERMINATE]
        fillers = {cue.start: cue.end for cue, rule in cues if rule.category == FILLER}
        for cue, rule in cues:
            if rule.category in (TERMINATE, PSEUDO, FILLER):
                continue
            # "there's no, um, fracture": the cue reads on; an answer's "No, um, my knee hurts" does not
            answer = cue.start == past_fillers(cue.doc, sentence.start, fillers, always=True)
            after = cue.end if answer else past_fillers(cue.doc, cue.end, fillers)
            following = cue.doc[after].lower_ if after < len(cue.doc) else ""
            if following in rule.not_followed_by or after > cue.end and repaired(sentence, cue, after):
                continue
            if rule.category == ATTRIBUTIVE:  # the word it qualifies follows it at once ("the covid ward")
                for target in targets:
                    if target.end == cue.start and not right_after(target, rule.not_after):
                        apply(target, rule.category)
                continue
            ends = [stop for stop in stops if not starts_with(stop, rule.passes)]
            scopes = self._scopes(sentence, cue, rule, ends, after - cue.end + hesitating(
                cue.doc, after, sentence.end, fillers, rule.max_scope))
            if rule.category == "absent":
                scopes = [(start, joined_on(targets, start, end, ends) if start == cue.end else end)
                          for start, end in scopes]
            if rule.category in LISTED:
                scopes = [(start, listed_on(targets, end, ends, LISTED[rule.category]) if start == cue.end else end)
                          for start, end in scopes]
            if rule.category == "absent":  # the list read to its end, then cut where a finding says its own verb
                scopes = [(start, statement_end(targets, start, end) if start == cue.end else end) for start, end in scopes]
            for start, end in scopes:
                for target in targets:
                    if start <= target.start and target.end <= end and not right_after(target, rule.not_after) \
                            and not yielded(cue, target, rule.yields_to) \
                            and (rule.category != CONCERN or target.label_ == CONCERNS) \
                            and (rule.category != CIRCUMSTANCE or target.label_ in CIRCUMSTANTIAL):
                        apply(target, rule.category)

    @staticmethod
    def _scopes(sentence: Span, cue: Span, rule: ContextRule, stops: list[Span],
                passed: int = 0) -> list[tuple[int, int]]:
        """The token ranges a cue reaches; `passed`: the filler tokens right after it, which its reach skips."""
        reach = rule.max_scope if rule.max_scope is not None else len(sentence)
        scopes = []
        if rule.direction in ("forward", "both"):
            end = min([sentence.end, cue.end + passed + reach] + [s.start for s in stops if s.start >= cue.end])
            scopes.append((cue.end, end))
        if rule.direction in ("backward", "both"):
            start = max([sentence.start, cue.start - reach] + [s.end for s in stops if s.end <= cue.start])
            scopes.append((start, cue.start))
        return scopes


def yielded(cue: Span, target: Span, words: tuple[str, ...]) -> bool:
    """Whether one of `words` stands between the cue and a target after it ("I think it could be gout")."""
    return bool(words) and any(token.lower_ in words for token in cue.doc[cue.end:target.start])


def statement_end(targets: list[Span], start: int, end: int) -> int:
    """Where a negation's forward reach ends: before a finding said with its own verb after another finding ("there is
    no pronator drift sensation is intact", "no murmur lungs are clear" unpunctuated), a new statement. The first
    finding it reaches may hold the verb ("no swelling is noted")."""
    reached = sorted((t for t in targets if start <= t.start and t.end <= end), key=lambda t: t.start)
    for target in reached[1:]:
        if target.start > reached[0].start and any(token.lower_ in COPULAS for token in target):
            return target.start
    return end


def vocatives(doc: Doc, cues: list[tuple[Span, ContextRule]], lead_ins: dict[int, int]) -> set[int]:
    """The starts of the family cues that address a relative rather than speak of one: a relative's word said first in
    a sentence (after its lead-ins) and followed by a comma, and the same word said again right after ("Yes, uh Mum,
    Mum do we have any antihistamines?"; "Mum, if you can call an ambulance"). "My mum, she has migraines" and "Mum,
    she has migraines" speak of her."""
    family = {span.start: span for span, rule in cues if rule.category == FAMILY and len(span) == 1}  # a relative
    if not family:
        return set()
    addressed = set()
    for sentence in doc.sents:
        first = family.get(QuestionMarker._opening(sentence, lead_ins))
        if first is None or first.end + 1 >= sentence.end or doc[first.end].text != "," \
                or doc[first.end + 1].lower_ in SPOKEN_OF:
            continue
        addressed.add(first.start)
        again = family.get(first.end + 1)
        if again is not None and again.text.lower() == first.text.lower():
            addressed.add(again.start)
    return addressed


def spoken_of(doc: Doc, targets: list[Span], relatives: list[tuple[Span, ContextRule]], marks: QuestionMarks,
              stops: list[Span]) -> None:
    """The relatives named in one sentence, spoken of in the next ones.

    A question that follows a question about the family, naming nobody itself, asks about the family too ("Any family
    history? Migraines or cancer?"): family. A pronoun that agrees with the relative named last (the family cue's
    `pronouns`) speaks of them again, with no word of the speaker's own or the listener's between it and the target
    ("My dad is 82. He had a stroke."; "She says I have the flu" is the speaker's): marked `RELATIVE_AGAIN`. A sentence
    that names the speaker or the listener, and no relative, ends both.
    """
    if not relatives:
        return
    relatives = sorted(relatives, key=lambda cue: cue[0].start)
    pronouns: tuple[str, ...] = ()
    asked = False  # the relative was named in a question
    for sentence in doc.sents:
        named = [rule for span, rule in relatives if sentence.start <= span.start < sentence.end]
        in_sentence = [t for t in targets if sentence.start <= t.start < sentence.end]
        own = [token.i for token in sentence if token.lower_ in OWN_WORDS]
        question = QuestionMarker.is_question(sentence, marks.openers, marks.tagged, marks.lead_ins)
        if not named and in_sentence and asked and question and not own:
            for target in in_sentence:
                apply(target, FAMILY)
        elif not named and in_sentence and pronouns:
            for target in in_sentence:
                if again(sentence.doc, sentence.start, target, pronouns, own):
                    details(target)[RELATIVE_AGAIN] = True
        if named:
            # "my dad, you know, he had problems with his heart for years and then finally he had a heart attack": the
            # pronoun after the cue's reach, in its sentence, in a clause joined by "and" ("my parents are retired, so
            # whenever they have wine they offer me some" speaks of the speaker)
            last = max((span for span, _ in relatives if sentence.start <= span.start < sentence.end),
                       key=lambda span: span.start)
            cut = min((stop.start for stop in stops if last.end <= stop.start < sentence.end
                       and doc[stop.start].lower_ != "and"), default=sentence.end)
            for target in in_sentence:
                if cut > target.start > last.end and target._.assertion != FAMILY \
                        and again(sentence.doc, last.end, target, named[-1].pronouns, own):
                    details(target)[RELATIVE_AGAIN] = True
            pronouns, asked = named[-1].pronouns, question
        elif own:
            pronouns, asked = (), False
        elif in_sentence:
            asked = False  # "Any family history? Migraines? ... Any chest pain?": the next question after one asked


def again(doc: Doc, start: int, target: Span, pronouns: tuple[str, ...], own: list[int]) -> bool:
    """Whether a pronoun of `pronouns` is said from `start` before the target, with no word of the speaker's own or the
    listener's (`own`) between the last one and the target."""
    said = max((i for i in range(start, target.start) if doc[i].lower_ in pronouns), default=None)
    return said is not None and not any(said < i < target.start for i in own)


def listed_on(targets: list[Span], end: int, stops: list[Span], words: frozenset[str]) -> int:
    """The end of a scope read on through the list it cuts ("my family has diabetes, heart disease, high blood pressure,
    thyroid problems, autoimmune disease and depression"; "denies fever, chills, ..., palpitations and headache": all of
    them): past each target said after the last one inside, with only list `words` between, up to a terminator."""
    ordered = sorted(targets, key=lambda target: target.start)
    inside = [target for target in ordered if target.end <= end]
    if not inside:
        return end
    last, doc = inside[-1], inside[-1].doc
    for target in ordered:
        if target.start < last.end:
            continue
        between = doc[last.end:target.start]
        if any(token.lower_ not in words for token in between) or any(last.end <= s.start < target.start
                                                                            for s in stops):
            break
        last = target
    return max(end, last.end)


def joined_on(targets: list[Span], start: int, end: int, stops: list[Span]) -> int:
    """The end of a denial's reach read on past an "or" it holds to the finding said right after it ("I don't think
    there is any sign of cardiovascular accident or heart attack": the first item, a word the lexicon does not know,
    uses up the reach, and the "or" still joins the second to the denial)."""
    doc = targets[0].doc if targets else None
    if doc is None:
        return end
    joiner = next((i for i in range(end - 1, start - 1, -1) if doc[i].lower_ in JOINERS), None)
    if joiner is None or any(joiner < s.start < end for s in stops):
        return end
    after = joiner + 1
    while after < len(doc) and doc[after].lower_ in JOINED_ARTICLES:
        after += 1
    target = next((t for t in targets if t.start == after), None)
    return max(end, target.end) if target is not None and not any(after > s.start >= end for s in stops) else end


def hedged_subject(target: Span) -> bool:
    """Whether the target is named as someone's ("the", "your") and is the subject of the words after it ("the
    omeprazole may be lowering ...")."""
    doc = target.doc
    return target.start > target.sent.start and doc[target.start - 1].lower_ in OWN_DETERMINERS \
        and target.end < target.sent.end and doc[target.end].lower_ in SUBJECT_VERBS


def proposed(target: Span) -> bool:
    """Whether a cue made the target a proposal ("we could try", "switch you to"), not a condition, a risk or other
    people's."""
    marks = target._.details or {}
    return target._.assertion == "hypothetical" and not any(marks.get(mark) for mark in (CONDITIONAL, RISK, OTHERS))


def apply(target: Span, category: str) -> None:
    """Set one cue's category on a target; when cues disagree, the stronger assertion holds."""
    if category == HISTORICAL:
        target._.historical = True
        return
    if category == CIRCUMSTANCE:
        details(target)[CIRCUMSTANCE] = True
        return
    if category == "absent":
        details(target)[DENIED] = True
    if category in MARKED:  # the assertion it gives, and a mark the extractor reads
        details(target)[category] = True
        category = MARKED[category]
    if PRIORITY.get(category, -1) > PRIORITY[target._.assertion]:
        target._.assertion = category


def past_fillers(doc: Doc, index: int, fillers: dict[int, int], always: bool = False) -> int:
    """The first word from `index` after a run of fillers and the pauses around them ("no, uh, you know,
    fracture": "fracture"); `index` itself when no filler stands there (a plain "No, ..." answer stays cut),
    unless `always` (then past the pauses alone too: a sentence's first word)."""
    position, passed = index, always
    while position < len(doc):
        if doc[position].text in PAUSES:
            position += 1
        elif position in fillers:
            position, passed = fillers[position], True
        else:
            break
    return position if passed else index


def hesitating(doc: Doc, start: int, end: int, fillers: dict[int, int], reach: int | None) -> int:
    """The tokens of hesitation ("uh", "you know" and the pauses around them) among the `reach` words said from
    `start`: a cue's reach skips them as it skips those right after it ("my mum had, uh, high blood pressure, and she's
    got migraines")."""
    if reach is None:
        return 0
    position, words, skipped = start, 0, 0
    while position < end and words < reach:
        following = past_fillers(doc, position, fillers)
        if following > position:  # a hesitation, with the pauses before and after it
            skipped, position = skipped + following - position, following
        else:
            words, position = words + 1, position + 1
    return skipped


def repaired(sentence: Span, cue: Span, after: int) -> bool:
    """Whether the speaker starts over after the hesitation that follows a cue, repeating a word said just before
    it ("there is no, uh, there is a little tenderness"): the cue is taken back with what it opened."""
    said_before = {token.lower_ for token in sentence.doc[max(sentence.start, cue.start - REPAIR_REACH):cue.start]
                   if not token.is_punct}
    return after < sentence.end and sentence.doc[after].lower_ in said_before


def starts_with(span: Span, phrases: tuple[str, ...]) -> bool:
    """Whether one of `phrases` is said from the start of `span` (a terminator "and" of "and she")."""
    doc = span.doc
    for phrase in phrases:
        words = phrase.lower().split()
        if [token.lower_ for token in doc[span.start:span.start + len(words)]] == words:
            return True
    return False


def right_after(target: Span, phrases: tuple[str, ...]) -> bool:
    """Whether the words just before the target are one of `phrases` ("from your" X)."""
    doc = target.doc
    for phrase in phrases:
        words = phrase.lower().split()
        start = target.start - len(words)
        if start >= 0 and [token.lower_ for token in doc[start:target.start]] == words:
            return True
    return False
