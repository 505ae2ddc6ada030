"""Spoken words in a note's written register: clauses of a turn, cleaned of fillers, false starts and
pleasantries, numbers as digits, the patient in the third person (register.yaml holds every word list).

A cleaned clause keeps its character span in the segment, so the sentence built from it points at the words
that support it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS

from knowledge.notes.plan import Register
from nlp.numbers import scan

# A sentence ends at . ! ? (not the point of "0.5"); long unpunctuated turns are cut further at discourse
# markers, since some transcripts carry no punctuation at all.
_CLAUSE = re.compile(r"(?:[^.!?]|(?<=\d)\.(?=\d))+[.!?]*")
# "ninety seven . seven": a transcript that spells numbers writes the spoken point as " . " (nlp/numbers.py); it
# ends no clause.
_NUMBER_WORD = (r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
                r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
                r"ninety|hundred)")
_SPELLED_POINT = re.compile(r" \. (?=" + _NUMBER_WORD + r"\b)", re.IGNORECASE)
# "tender when i ... when i pound on that": an ellipsis inside a turn is a pause or a restart, not a sentence's
# end; the false-start rules then say the repeated words once.
_PAUSE = re.compile(r"\.\.\.(?= *[a-z0-9])")
# "i saw that dr. brown put you on buspar": the point of a title before a name ends no sentence.
# "she has ms. she was diagnosed ..." and "mild mr. the aortic valve ...": multiple sclerosis and mitral regurgitation
# end sentences; a title is followed by a name, not by a pronoun, an article or a conjunction.
_TITLE = re.compile(r"(?<![\w'])(?:dr|mr|mrs|ms|mx|prof)\.(?= (?!(?:i|he|she|we|you|they|it|the|a|an|and|but|so|this|"
                    r"that|there|her|his|my|your|our|their|no|not)\b)[A-Za-z])", re.IGNORECASE)
_TOKEN = re.compile(r"\$|\d+(?:[.,/]\d+)*(?:\+(?![\d]))?(?:-[A-Za-z]+)*|[A-Za-z][\w'\-]*|\.\.\.|[^\w\s]")
_LONG = 20
# A grade or score ("a 3 out of 6 murmur", "5 out of 5 strength", "8 out of 10 pain"); "3 out of 7 days" is a count.
_OUT_OF = re.compile(r"(?<![\w.])(\d+) out of (4|5|6|10)(?![\w.])(?! (?:days|nights|times|weeks|months|people|"
                     r"patients|readings|doses|tablets|pills)\b)")
_AGED = re.compile(r"(\d) - (?=(?:year|month|week|day)s?-old\b)")  # "34 -year-old" as some transcripts split it
# "one plus pitting edema", "2 plus pulses": a grade, unless a number follows ("one plus one")
_SMALL = {"one": "1", "two": "2", "three": "3", "four": "4"}
_GRADE_PLUS = re.compile(r"(?<![\w.])(one|two|three|four|[1-4]) plus (?=[a-z])(?!(?:one|two|three|four|five|six|seven|"
                         r"eight|nine|ten|a|an|the|half|another|other|some|my|your|his|her|their)\b)", re.IGNORECASE)
_SUBJECTS = {"i", "we", "you"}
_LINKS = {"and", "then", "so"}  # a conjunction that joins an instruction to what was said before it
_RESTARTED = {"i", "we", "you", "it", "he", "she", "they", "that", "this"}
# The restart's first subject: an impersonal or first-person start given up ("it could , you could be nervous");
# "he can , i can not" compares two people.
_RESTARTED_FIRST = {"it", "that", "this", "i", "we"}
# "let's talk a little bit about your migraines": longer, the clause says more than where the talk goes next
_TRANSITION_WORDS = 12
_NO_SPACE_BEFORE = {",", ".", "?", "!", ";", ":", "%", ")"}
# A rough stem for telling whether a sentence's words were said before ("helped" = "help"; `content_words`).
_STEM = re.compile(r"(?:ing|ed|es|s)$")
# A single number word that is rarely a count in speech ("the one that", "oh").
_AMBIGUOUS = {"one", "oh", "zero"}
# "twenty-one" is read by the number reader as three words, "twenty", "-", "one".
_HYPHENATED = re.compile(r"^(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-"
                         r"(?:one|two|three|four|five|six|seven|eight|nine)$", re.I)


@dataclass(frozen=True)
class Person:
    """The patient's pronouns: he/she when the sex was said in the consultation, else they."""

    subject: str = "they"
    object: str = "them"
    possessive: str = "their"
    reflexive: str = "themselves"

    @property
    def singular(self) -> bool:
        return self.subject != "they"


HE = Person("he", "him", "his", "himself")
SHE = Person("she", "her", "her", "herself")
THEY = Person()


def phrases_pattern(phrases: list[str]) -> re.Pattern[str]:
    """Any of `phrases` as whole words, any case, longest first; never matches when empty."""
    if not phrases:
        return re.compile(r"(?!)")
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w'-])(?:" + "|".join(re.escape(p) for p in ordered) + r")(?![\w'-])", re.IGNORECASE)


def _sequences(phrases: list[str]) -> dict[str, list[tuple[str, ...]]]:
    """Token sequences by their first token, longest first: a lookup per token, not a scan of every phrase."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for seq in sorted({tuple(_TOKEN.findall(p.lower())) for p in phrases}, key=len, reverse=True):
        if seq:
            by_first.setdefault(seq[0], []).append(seq)
    return by_first


class Writer:
    """Compiled from a Register once; `clauses` and `write` are pure."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self._assistant = phrases_pattern(register.assistant_cues)
        self._fillers = _sequences(register.fillers)
        self._openers = _sequences(register.openers)
        self._greetings = _sequences(register.greetings)
        self._clinician_openers = _sequences(register.clinician_openers)
        self._we_kept = _sequences(register.we_kept_before)
        self._tags = _sequences(register.tags)
        # by their last token, longest first: a clause's last word is looked up, not every tag tried
        self._tags_by_last: dict[str, list[tuple[str, ...]]] = {}
        for seq in sorted((seq for seqs in self._tags.values() for seq in seqs), key=len, reverse=True):
            self._tags_by_last.setdefault(seq[-1], []).append(seq)
        self._pleasantries = {" ".join(seq) for seqs in _sequences(register.pleasantries).values() for seq in seqs}
        self._questions = _sequences(register.question_openers)
        self._asking = _sequences(register.questions_whatever_the_mark)
        self._instructed = {verb.lower() for verb in register.instructed}
        self._asks_within = phrases_pattern(register.asks_within)
        self._markers = phrases_pattern(register.clause_markers)
        self._subject_after = {w.lower() for w in register.subject_after}
        self._subject_before = {w.lower() for w in register.subject_before}
        self._dangling = {w.lower() for w in register.dangling}
        self._observed = {w.lower() for w in register.observed}
        self._broken_off = {w.lower() for w in register.broken_off}
        self._paused_after = {w.lower() for w in register.paused_after}
        self._restarts = {w.lower() for w in register.restarts}
        self._negators = {w.lower() for w in register.negators}
        self._not_content = (set(STOP_WORDS) | {w.lower() for w in register.repeat_ignored}) - self._negators
        self._meta = phrases_pattern(register.meta)
        openers = "|".join(re.escape(w) for w in sorted(register.openers, key=len, reverse=True))
        self._report_opener = re.compile(r"^(?:\W*(?:" + openers + r")\b)*\W*(?:" + "|".join(re.escape(w) for w in sorted(
            register.report_openers, key=len, reverse=True)) + r")\b", re.I) if register.report_openers else None
        self._reported = phrases_pattern(register.reported)
        self._identity = phrases_pattern(register.identity_checks)
        self._transitions = _sequences(register.transitions)
        self._qualifiers = _sequences(register.answer_qualifiers)
        marks = {r"n't": " not"}
        self._contractions = [(re.compile(r"(?<=\w) ?" + re.escape(k), re.I) if k.startswith(("'", "n'")) else
                               re.compile(r"(?<![\w'])" + re.escape(k) + r"(?![\w'])", re.I), v)
                              for k, v in sorted({**marks, **register.contractions}.items(),
                                                 key=lambda kv: len(kv[0]), reverse=True)]
        self._written = [(re.compile(r"(?<![\w'])" + re.escape(k) + r"(?![\w'])", re.I), v)
                         for k, v in sorted(register.written.items(), key=lambda kv: len(kv[0]), reverse=True)]
        # as `write` compares them: "you're welcome" is "you are welcome" by then
        self._pleasantries |= {" ".join(self._tokens(self._expanded(p))).lower() for p in register.pleasantries}

    def _expanded(self, text: str) -> str:
        """Contractions written out ("you're" -> "you are")."""
        for pattern, replacement in self._contractions:
            text = pattern.sub(replacement, text)
        return text

    def content_words(self, text: str) -> frozenset[str]:
        """The words that say something, roughly stemmed ("helped" = "help"), negations included."""
        words = (w for w in re.findall(r"[a-z][a-z'-]*|\d+(?:\.\d+)?", text.lower()) if w not in self._not_content)
        return frozenset(_STEM.sub("", w) if len(w) > 5 else w for w in words)

    # Clauses ------------------------------------------------------------------------------------

    def clauses(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the clauses of one turn, stripped of surrounding spaces."""
        spans = []
        masked = _SPELLED_POINT.sub(lambda m: m.group(0).replace(".", "_") if _spelled_before(text, m.start())
                                    else m.group(0), text)
        masked = _PAUSE.sub("___", masked)
        masked = _TITLE.sub(lambda m: m.group(0)[:-1] + "_", masked)
        for match in _CLAUSE.finditer(masked):
            start, end = match.start(), match.end()
            while start < end and text[start] in " ,":
                start += 1
            while end > start and text[end - 1] == " ":
                end -= 1
            if end > start:
                spans.extend(self._cut_long(text, start, end))
        return self._opened(text, spans)

    def _opened(self, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """"on this x-ray ." and the clause after it are one clause: the phrase says what the next one reads."""
        joined: list[tuple[int, int]] = []
        for start, end in spans:
            if joined and self._opens_report(text[joined[-1][0]:joined[-1][1]]):
                joined[-1] = (joined[-1][0], end)
            else:
                joined.append((start, end))
        return joined

    def _opens_report(self, clause: str) -> bool:
        words = clause.rstrip(" .").split()
        return self._report_opener is not None and clause.rstrip().endswith(".") and not clause.rstrip().endswith(
            "...") and len(words) <= self.register.report_opener_words \
            and bool(self._report_opener.search(clause)) and bool(self._reported.search(clause))

    def _cut_long(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """An unpunctuated run of many words, cut before its discourse markers ("okay", "so", "alright")."""
        words = len(text[start:end].split())
        if words <= _LONG or ("," in text[start:end] and words <= 2 * _LONG):
            return [(start, end)]
        cuts = [start]
        for m in self._markers.finditer(text, start, end):
            at = m.start()
            if len(text[cuts[-1]:at].split()) >= 6:
                cuts.append(at)
        cuts.append(end)
        return [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]

    # Writing ------------------------------------------------------------------------------------

    def is_assistant(self, text: str) -> bool:
        return bool(self._assistant.search(text))

    def is_question(self, text: str) -> bool:
        """A real question (not a tag question "..., okay?"), by its mark or, unpunctuated, by its opener."""
        tokens = self._strip(self._tokens(text))
        if not tokens:
            return False
        if self._starts(tokens, self._asking) > 0:
            return True  # "any , have you passed out at all ." and "have you had any ..., anything like that?" ask
        if text.rstrip().endswith("?"):
            body = self._tokens(text.rstrip(" ?"))
            tag = self._tail_tag(body)
            return not (tag and len(body) > tag and body[-tag - 1] == ",")  # "..., okay?" states
        return not text.rstrip().endswith(".") and self._starts(tokens, self._questions) > 0

    def asks_within(self, text: str) -> bool:
        """Whether a clinician's clause asks somewhere inside it ("... could you tell me what happened")."""
        return bool(self._asks_within.search(text))

    def is_meta(self, text: str) -> bool:
        """The clinician managing the visit ("let me take a look", "any questions") rather than reporting."""
        return bool(self._meta.search(text))

    def checks_identity(self, text: str) -> bool:
        """The clinician checking who the patient is ("and your date of birth?")."""
        return bool(self._identity.search(text))

    def is_greeting(self, text: str) -> bool:
        """A clause that opens with a greeting ("hi there carolyn it is nice to see you again ...")."""
        return bool(self._starts(self._drop_fillers(self._tokens(text)), self._greetings))

    def is_transition(self, text: str) -> bool:
        """A turn to the next topic and nothing more: "Let's talk a little bit about your migraines." """
        tokens = self._cleaned(text)
        words = [t for t in tokens if t[0].isalnum()]
        return bool(self._starts(tokens, self._transitions)) and len(words) <= _TRANSITION_WORDS

    def qualifies(self, text: str) -> bool:
        """An answer that says when, and no more: "Just when I'm doing the projects." """
        return bool(self._starts(self._cleaned(text), self._qualifiers))

    def _cleaned(self, text: str) -> list[str]:
        """The tokens as said, without fillers, false starts, openers and tags ("so let- let's ..." -> "let's")."""
        return self._strip(self._drop_false_starts(self._drop_fillers(self._tokens(text))))

    def write(self, text: str, speaker: str, person: Person) -> str | None:
        """A clause in the note's register, or None when nothing clinical is left."""
        if self.is_assistant(text):
            return None
        text = self._expanded(text)
        tokens = self._drop_fillers(self._tokens(text))
        if speaker != "patient":
            # before the false starts: "looking at you , you do n't appear ..." is no "you" said twice
            tokens = self._strip(tokens)
            tokens = tokens[self._starts(tokens, self._clinician_openers):]
        tokens = self._drop_broken_off(self._drop_false_starts(tokens))
        stop = tokens.index(".") if "." in tokens[:-1] else -1
        if stop > 0 and self._opens_report(" ".join(tokens[:stop + 1])):
            tokens[stop] = ","  # "on this x-ray . everything looks normal": one sentence (`clauses`)
        tokens = self._strip(tokens)
        object_you = len(tokens) >= 2 and tokens[-1].lower() == "you" and tokens[-2][0].isalpha() \
            and tokens[-2].lower() not in self._subject_after  # "a time that suits you", "convenient for you"
        if tokens and tokens[-1].lower() in self._dangling and not object_you:
            tokens = self._strip(tokens[:-1])  # a clause cut off mid-phrase ends before its dangling word
        if speaker != "patient":
            tokens = self._imperative(tokens)
        words = [t for t in tokens if t[0].isalnum()]
        if len(words) < 3 or " ".join(words).lower() in self._pleasantries:
            return None
        if speaker != "patient":
            tokens = self._observed_none(tokens)  # after the length check: "no fractures" says enough
        tokens = self._digits(tokens)
        tokens = self._third_person(tokens, speaker, person)
        tokens = ["an" if t == "a" and i + 1 < len(tokens) and tokens[i + 1][:1].lower() in "aeio" and
                  tokens[i + 1][:1].isalpha() else t for i, t in enumerate(tokens)]
        sentence = self.spelled(self._join(tokens))
        sentence = re.sub(r"(?<![\w'])i(?![\w'])", "I", sentence)
        return sentence[:1].upper() + sentence[1:] + "."

    def spelled(self, text: str) -> str:
        """Spoken forms as a note writes them ("milligrams" -> "mg", "copd" -> "COPD", "3 out of 6" -> "3/6",
        "one plus pitting edema" -> "1+ pitting edema")."""
        for pattern, replacement in self._written:
            text = pattern.sub(replacement, text)
        text = _AGED.sub(r"\1-", text)
        text = _OUT_OF.sub(r"\1/\2", text)
        return _GRADE_PLUS.sub(lambda m: f"{_SMALL.get(m.group(1).lower(), m.group(1))}+ ", text)

    def _observed_none(self, tokens: list[str]) -> list[str]:
        """"I do not see any fractures" -> "no fractures": a negative finding as a note writes it."""
        lower = [t.lower() for t in tokens]
        for i in range(len(lower) - 4):
            if lower[i] in ("i", "we") and lower[i + 1] in ("do", "did") and lower[i + 2] == "not" \
                    and lower[i + 3] in self._observed and lower[i + 4] == "any" \
                    and i + 5 < len(tokens) and tokens[i + 5][:1].isalnum():  # "I do not see any, there is": broken off
                return [*tokens[:i], "no", *self._observed_none(tokens[i + 5:])]
        return tokens

    def _imperative(self, tokens: list[str]) -> list[str]:
        """"we are going to have you continue your aspirin" -> "continue your aspirin": an instruction reads as
        one, not as "have she continues"."""
        lower = [t.lower() for t in tokens]
        for i in range(len(lower) - 2):
            if lower[i:i + 2] == ["have", "you"] and lower[i + 2] in self._instructed:
                # Only the lead-in since the last comma goes: "put you in a knee brace, and we'll go ahead and
                # have you use some crutches" keeps the brace.
                cut = max((k for k in range(i) if lower[k] in (",", ";")), default=None)
                if cut is None:
                    return tokens[i + 2:]
                joined = [tokens[cut + 1]] if cut + 1 < i and lower[cut + 1] in _LINKS else []
                return [*tokens[:cut + 1], *joined, *tokens[i + 2:]]
        for i in range(len(lower) - 2):
            # "let us continue him on the imitrex" -> "continue him on the imitrex"; "let us we will increase"
            # is a restart -> "we will increase"
            after = i + 2 + (lower[i + 2] == ",")
            if lower[i:i + 2] == ["let", "us"] and after < len(lower) and \
                    (lower[after] in self._instructed or lower[after] in _SUBJECTS):
                return tokens[:i] + tokens[after:]
        return tokens

    @staticmethod
    def _tokens(text: str) -> list[str]:
        return _TOKEN.findall(text)

    @staticmethod
    def _starts(tokens: list[str], sequences: dict[str, list[tuple[str, ...]]], at: int = 0) -> int:
        """Length of the longest sequence starting at `at` (lower-case), 0 when none does."""
        if at >= len(tokens) or tokens[at].lower() not in sequences:
            return 0
        lowered = [t.lower() for t in tokens[at:at + 6]]
        for seq in sequences[lowered[0]]:
            if tuple(lowered[:len(seq)]) == seq:
                return len(seq)
        return 0

    def _drop_fillers(self, tokens: list[str]) -> list[str]:
        kept: list[str] = []
        i = 0
        while i < len(tokens):
            n = self._starts(tokens, self._fillers, i)
            if n:
                i += n
                if i < len(tokens) and tokens[i] == ",":
                    i += 1
                continue
            kept.append(tokens[i])
            i += 1
        return kept

    @staticmethod
    def _drop_false_starts(tokens: list[str]) -> list[str]:
        """"s- uh" and "i , i" and "the the": a cut word or a word said twice is said once."""
        kept: list[str] = []
        for index, token in enumerate(tokens):
            if token.endswith("-") and len(token) > 1:
                if index + 1 < len(tokens) and tokens[index + 1][0].isalpha():
                    continue  # a word cut off and said again
                token = token.rstrip("-")  # the speaker was interrupted; the word stands
            if token == "...":
                token = ","
            lower = token.lower()
            if kept and token[0].isalpha() and kept[-1].lower() == lower:
                continue
            if len(kept) >= 2 and kept[-1] == "," and token[0].isalpha() and kept[-2].lower() == lower:
                kept.pop()
                continue
            if token in {",", ".", "..."} and kept and kept[-1] in {",", ".", "..."}:
                continue
            kept.append(token)
            # "it could , you could be nervous": a subject and its verb said again with another subject
            comma = int(len(kept) >= 5 and kept[-3] == ",")
            if len(kept) >= 4 + comma and kept[-1].lower() == kept[-3 - comma].lower() and kept[-1][0].isalpha() \
                    and kept[-4 - comma].lower() in _RESTARTED_FIRST and kept[-2].lower() in _RESTARTED \
                    and kept[-2].lower() != kept[-4 - comma].lower():
                del kept[-4 - comma:-2]
                continue
            for n in (5, 4, 3, 2):  # "i want , i want him": a phrase said twice, with a comma between
                # the last words compared first: most tokens end no repeated phrase, and the lists cost
                if len(kept) >= 2 * n + 1 and kept[-n - 1] == "," and lower == kept[-n - 2].lower() and \
                        [t.lower() for t in kept[-n:]] == [t.lower() for t in kept[-2 * n - 1:-n - 1]]:
                    del kept[-n - 1:]
                    break
                # "it is it is going": a phrase of words said twice at once
                if n <= 3 and len(kept) >= 2 * n and lower == kept[-n - 1].lower() and \
                        all(t[0].isalpha() for t in kept[-2 * n:]) and \
                        [t.lower() for t in kept[-n:]] == [t.lower() for t in kept[-2 * n:-n]]:
                    del kept[-n:]
                    break
        return kept

    def _drop_broken_off(self, tokens: list[str]) -> list[str]:
        """A phrase broken off at a comma and said again is said once, and a comma inside a phrase is a pause
        (register.yaml `broken_off`): "there is no , there is a little ..." -> "there is a little ...";
        "when i flex your , when i do ..." -> "when i do ..."; "a bit of , fluid" -> "a bit of fluid"."""
        kept: list[str] = []
        start = 0  # where the clause being kept began
        for index, token in enumerate(tokens):
            last = kept[-1].lower() if kept else ""
            cut, paused = last in self._broken_off, last in self._paused_after
            if token == "," and (cut or paused) and len(kept) - start >= 2:
                after = [t.lower() for t in tokens[index + 1:index + 3]]
                reach = self.register.broken_off_words if cut else self.register.paused_words
                again = next((at for at in range(len(kept) - 2, max(start, len(kept) - reach) - 1, -1)
                              if [t.lower() for t in kept[at:at + 2]] == after), None)
                restarted = bool(after) and after[0] in self._restarts
                if again is None and cut and restarted and len(kept) - start <= reach:
                    again = start  # "he can , i can not": an answer may end on a word of `paused_after`
                if again is not None:
                    del kept[again:]  # the speaker starts again from there
                    continue
                if not restarted:
                    continue  # the comma is a pause inside a phrase
            kept.append(token)
            if token in {",", ".", "?", "!", ";"}:
                start = len(kept)
        return kept

    def _tail_tag(self, tokens: list[str]) -> int:
        """How many tokens at the end are a tag ("okay", "you know", commas)."""
        if not tokens:
            return 0
        lowered = [t.lower() for t in tokens[-6:]]
        for seq in self._tags_by_last.get(lowered[-1], ()):
            if len(seq) < len(tokens) and tuple(lowered[-len(seq):]) == seq:
                return len(seq)
        return 0

    def _strip(self, tokens: list[str]) -> list[str]:
        """Openers off the start and tags off the end, with the punctuation between them."""
        changed = True
        while changed and tokens:
            changed = False
            while tokens and not tokens[0][0].isalnum() and tokens[0] != "$":
                tokens, changed = tokens[1:], True
            n = self._starts(tokens, self._openers)
            if n and n < len(tokens):
                tokens, changed = tokens[n:], True
            while tokens and not tokens[-1][0].isalnum() and tokens[-1] not in {"%", ")"}:
                tokens, changed = tokens[:-1], True
            n = self._tail_tag(tokens)
            if n:
                tokens, changed = tokens[:-n], True
        return tokens

    @staticmethod
    def _digits(tokens: list[str]) -> list[str]:
        tokens = [part for token in tokens for part in (
            [token[:token.index("-")], "-", token[token.index("-") + 1:]] if _HYPHENATED.match(token) else [token])]
        runs = scan([t.lower() for t in tokens])
        out, i = [], 0
        for run in runs:
            words = [t.lower() for t in tokens[run.start:run.end]]
            if run.end - run.start == 1 and (words[0] in _AMBIGUOUS or words[0][0].isdigit()):
                continue
            out.extend(tokens[i:run.start])
            out.append(f"{run.value:g}")
            i = run.end
        return out + tokens[i:]

    def _third_person(self, tokens: list[str], speaker: str, person: Person) -> list[str]:
        mapping = self.register.patient_person if speaker == "patient" else self.register.clinician_person
        out: list[str] = []
        for index, token in enumerate(tokens):
            lower = token.lower()
            form = mapping.get(lower)
            if lower == "we" and speaker == "patient" and self._starts(tokens, self._we_kept, index + 1):
                form = None  # "we both take metformin": the patient and another, not the patient alone
            if form is None:
                out.append(self._agree(token, out, person) if out else token)
                continue
            previous = out[-1].lower() if out else ""
            at_end = index + 1 >= len(tokens) or not tokens[index + 1][0].isalnum()
            after_word = bool(previous) and previous[0].isalpha() and previous not in self._subject_after
            before_verb = not at_end and tokens[index + 1].lower() in self._subject_before
            infinitive = not at_end and tokens[index + 1].lower() == "to"  # "i'd like you to come in"
            if form == "{subject}" and speaker != "patient" and not before_verb and (after_word or at_end or infinitive):
                form = "{object}"
            out.append(form.format(subject=person.subject, object=person.object,
                                   possessive=person.possessive, reflexive=person.reflexive))
        return out

    def _agree(self, token: str, out: list[str], person: Person) -> str:
        """The verb after a replaced subject agrees with it: "she has", "they are", "he takes"."""
        if out[-1] != person.subject:
            return token
        lower = token.lower()
        if not person.singular:
            return {"am": "are", "was": "were"}.get(lower, token)
        if lower in {"am", "are"}:
            return "is"
        if lower == "were":
            return "was"
        if lower in self.register.agreement:
            return self.register.agreement[lower]
        return token

    @staticmethod
    def _join(tokens: list[str]) -> str:
        text = ""
        for token in tokens:
            if not text or token in _NO_SPACE_BEFORE or text.endswith(("$", "(")):
                text += token
            else:
                text += " " + token
        return text


def _spelled_before(text: str, at: int) -> bool:
    """Whether the word before position `at` is a spelled number ("ninety seven . seven", "a hundred . four")."""
    words = text[:at].split()
    return bool(words) and re.fullmatch(_NUMBER_WORD, words[-1], re.IGNORECASE) is not None
