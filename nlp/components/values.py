"""Numbers and what they measure: lab values for electrolytes and labs, doses and frequency for drugs."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.attributes import fit
from nlp.components.extensions import MODIFIERS, NUMBERS, TARGETS, details, register
from nlp.components.spans import first_dose, starting_at, within
from nlp.lexicon import (ACTION, ALLERGY, ALLERGY_CUE, DOSE_UNIT, FREQUENCY, INTAKE, INTERPRETATION, INTERVAL_UNIT,
                         LAB_UNIT, ORDER_CUE, ORDER_LIST, TermPattern)
from nlp.numbers import scan

ANALYTE_KINDS = ("electrolyte", "lab", "vital", "follow_up")
ORDER = "order"  # a referral, procedure or therapy (tests and studies are lab and imaging until ordered)
ORDERABLE_KINDS = ("lab", "imaging", ORDER)  # said after an order cue, these are ordered today
ORDERED = "ordered"  # the order cue that orders; another ("reviewed") looks at a result already there
REVIEWED = "reviewed"
CONTINUED = "continued"  # a therapy the patient goes on with; said of a test, it orders it
DEFERRED = "deferred"  # a test put off or declined: "we'll hold off on the MRI", whatever other cue is beside it
ORDERED_AFTER = "ordered_after"  # the cue said after what it orders: "your mammogram, I'll order that"
THERAPY = "therapy"  # an order_type: advice the patient follows (ice, rest, fluids)
# Words that may stand before an instruction that opens its sentence ("So, drink plenty of fluids.")
INSTRUCTION_LEAD_WORDS = frozenset({"so", "and", "also", "just", "then", "okay", "ok", "alright", "now", "please",
                                    "um", "uh", "well", "but", "again", "definitely"})
SPECIFIED_REACH = 15  # "a blood test done. We can check your full blood count": the tests named this near are the test
RANGE_WORDS = ("to", "or", "-")  # "four to six weeks": the first number, in the unit said after the second
# ... and, of an interval, a comma between a smaller number and a larger one: "in four, five days"
INTERVAL_RANGE_WORDS = (*RANGE_WORDS, ",")
PAIRED = ("over", "/")  # a value said as a pair: a blood pressure
FOLLOW_UP = "follow_up"
AHEAD_WORDS = frozenset({"in", "next", "within"})  # an interval said before its follow-up is a time to come
# "in a week", "in a couple of weeks", "next week"
COUNTING_WORDS = {"a": 1, "an": 1, "one": 1, "couple": 2, "next": 1}
MEDICATION = "medication"
BARE_ALLERGENS = "bare_allergens"  # span group: allergens said with no talk of allergy
ALLERGY_NOUNS = frozenset({"allergy", "allergies"})  # "an amoxicillin allergy": the drug before it is the allergen
# The action cue of a drug said taken, no decision ("I see you take metformin", "Dr. Lee put you on sertraline"): it hides
# the decision its words hold ("take", "put you on"), and decides nothing (cues.yaml `action`).
NO_DECISION = "none"
LIST_DETERMINERS = frozenset({"the", "your", "his", "her", "their"})  # drugs listed as the patient's own
# "I checked your CK. It was 150.": a result said in the sentence after its test, opening with one of these
REFERRING = (("it", "was"), ("that", "was"), ("it", "came", "back", "at"), ("it", "came", "back", "as"),
             ("it", "came", "back"), ("it", "is"), ("it", "'s"), ("that", "is"), ("that", "'s"))
CLAUSE_OPENERS = frozenset({",", ";", "but", "and", "so", "that"})
# "weigh yourself daily and call me if you gain three pounds": a number in a vital's unit after one of these is a
# threshold to act on, not a reading
CONDITIONAL = frozenset({"if", "unless", "when"})
# ... and a number said after "if" or "unless" anywhere in a vital's reach is one too ("weigh yourself and call me if
# it's over 200"); "when" is not, there: "your blood pressure when you came in was 150 over 70"
THRESHOLD = frozenset({"if", "unless"})
VITAL = "vital"
RESULT_KINDS = ("lab", "electrolyte")
# "not elevated", "isn't high", "wasn't too low": a reading negated right before it (within two words) is normal
NEGATION_WORDS = frozenset({"not", "n't", "never"})
NEGATION_REACH = 3
LOW, HIGH, NORMAL = "low", "high", "normal"
UNREAD = "unread"  # span group: the vitals an utterance names without a number ("What was your temperature?")
READING_REACH = 20  # a reply's reading is said in its first words ("Uh, yes, I checked, it was about thirty seven")
# "you've gained about ten pounds", "I've lost 5 kilos", "put on two pounds", "up by 3": a change, not a reading
CHANGE_WORDS = frozenset({"gain", "gained", "gaining", "gains", "lose", "lost", "losing", "loses", "dropped", "by"})
PUT_ON = (frozenset({"put", "puts", "putting"}), "on")
APPROXIMATE = frozenset({"about", "around", "like", "roughly", "maybe", "nearly", "almost", "over", "just", "another",
                         "some", "only", "approximately", "probably"})
REFERRED_REACH = 3  # the number starts at most this many words after the referring words ("it was only about 150")
# Readings that double as a discourse tag ("we'll order a lipid panel okay"), and the words that, said right before
# one, make it a reading of the result ("it's okay", "came back ok", "looks pretty okay").
TAG_WORDS = frozenset({"okay", "ok"})
LINKING_WORDS = frozenset({"is", "'s", "was", "are", "'re", "were", "be", "been", "being", "look", "looks", "looked",
                           "looking", "seem", "seems", "seemed", "back", "all", "pretty", "quite", "perfectly", "totally",
                           "completely", "fairly", "very", "really", "still", "just", "everything", "came", "come"})
JUDGED_AT = frozenset({"at", "of", "to"})  # "normal at 1.7", "elevated to 156": the result after its reading
FEET, INCHES = "[ft_i]", "[in_i]"  # "five feet, six inches", "five foot six": one height, in inches
INCHES_PER_FOOT = 12


@Language.factory("soapscribe_numbers")
def make_number_finder(nlp: Language, name: str) -> NumberFinder:
    register()
    return NumberFinder()


class NumberFinder:
    """Writes `doc.spans["numbers"]`, each span's value in `span._.number` ("three point one" -> 3.1)."""

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for run in scan([token.lower_ for token in doc]):
            span = Span(doc, run.start, run.end, label="NUMBER")
            span._.number = run.value
            spans.append(span)
        doc.spans[NUMBERS] = spans
        return doc


@Language.factory("soapscribe_values", default_config={"window": 8, "intake_window": 4, "action_window": 8})
def make_value_attacher(nlp: Language, name: str, window: int, intake_window: int,
                        action_window: int) -> ValueAttacher:
    register()
    return ValueAttacher(window, intake_window, action_window)


class ValueAttacher:
    """Attach a number said after an analyte ("potassium was 3.1") and a dose after a drug.

    An analyte with no value that is taken ("we could try magnesium") becomes the medication its
    term names in `as_medication`; one whose term `requires_value` ("K") is dropped without one.
    """

    def __init__(self, window: int, intake_window: int, action_window: int = 8) -> None:
        self.window = window
        self.intake_window = intake_window
        self.action_window = action_window

    def __call__(self, doc: Doc) -> Doc:
        numbers = list(doc.spans[NUMBERS])
        modifiers = list(doc.spans[MODIFIERS])
        targets = sorted(doc.spans[TARGETS], key=lambda span: span.start)
        kept: list[Span] = []
        unread: list[Span] = []
        for index, target in enumerate(targets):
            following = targets[index + 1].start if index + 1 < len(targets) else len(doc)
            if target.label_ in ANALYTE_KINDS:
                # "your magnesium, which the water pills wash out, but it was 1.7": a drug named between a test and
                # its result does not cut off the test's referring clause
                unrelated = next((t.start for t in targets[index + 1:] if t.label_ != MEDICATION), len(doc))
                analyte = next((t.start for t in targets[index + 1:] if t.label_ in ANALYTE_KINDS), len(doc))
                read = self._analyte(doc, target, numbers, modifiers, following, unrelated, analyte)
                if read is None and target.label_ == VITAL:
                    unread.append(target)
                target = read
            if target is not None:
                kept.append(target)
        kept = [self._allergen(doc, span, modifiers) for span in kept]
        # an allergen said with no allergy words ("Just latex.") is kept aside: a reply to an allergy question names it
        doc.spans[BARE_ALLERGENS] = [span for span in kept if span.label_ == ALLERGY
                                     and not self._said_as_allergy(span, modifiers, kept)]
        kept = [span for span in kept if span.label_ != ALLERGY or self._said_as_allergy(span, modifiers, kept)]
        orderable = [span for span in kept if span.label_ in ORDERABLE_KINDS]
        for index, span in enumerate(orderable):
            following = orderable[index + 1].start if index + 1 < len(orderable) else len(doc)
            cue = self._order_cue(span, modifiers, following, orderable[index - 1].end if index else 0)
            if cue is not None:
                details(span)[cue] = True
        # "a CA-125 and an AFP and an LDH", "an echo, a lipid panel, a CBC and a TSH": the tests listed after an ordered
        # one are ordered, however far back its cue was said
        for index, (first, then) in enumerate(zip(orderable, orderable[1:])):
            if details(first).get(ORDERED) and not details(then).get(REVIEWED) \
                    and (_listed(doc, first.end, then.start, modifiers)
                         or _listed(doc, first.end, then.start, modifiers, owned=True)
                         and _list_closes(doc, orderable[index + 1:], modifiers)):
                details(then)[ORDERED] = True
        kept = [span for span in kept if not _specified(span, orderable)]
        medications = [span for span in kept if span.label_ == MEDICATION]
        for index, drug in enumerate(medications):
            before = medications[index - 1].end if index else 0
            after = medications[index + 1].start if index + 1 < len(medications) else len(doc)
            self._dose(drug, numbers, modifiers, before, after)
            # "continue you on the lipitor forty milligrams a day and the aspirin and the metoprolol": a drug listed
            # after one with a decision, its cue too far back to see, is decided alike
            earlier = medications[index - 1] if index else None
            if earlier is not None and "action" in details(earlier) and "action" not in details(drug) \
                    and _drugs_listed(doc, earlier, drug, numbers, modifiers):
                details(drug)["action"] = details(earlier)["action"]
        doc.spans[TARGETS] = kept
        doc.spans[UNREAD] = unread
        return doc

    def _analyte(self, doc: Doc, target: Span, numbers: list[Span], modifiers: list[Span],
                 following: int, unrelated: int, analyte: int) -> Span | None:
        read = self._analyte_read(doc, target, numbers, modifiers, following, unrelated, analyte)
        if read is None or read.label_ not in RESULT_KINDS or read._.value is None \
                or "interpretation" in details(read):
            return read
        # "your hemoglobin was low, it was 9.1", "your cholesterol was 240, which is high": the reading said beside the
        # value is the clinician's, kept where the reference ranges have none
        end = min(_run_end(doc, target), target.end + self.window, following)
        said = [m for m in within(modifiers, max(target.sent.start, target.start), end, INTERPRETATION)
                if not _tag(doc, m)]
        if said and (code := _interpretation(doc, said[0])) is not None:
            details(read)["interpretation"] = code
        return read

    def _analyte_read(self, doc: Doc, target: Span, numbers: list[Span], modifiers: list[Span],
                      following: int, unrelated: int, analyte: int) -> Span | None:
        run_end = _run_end(doc, target)
        end = min(run_end, target.end + self.window, following)
        if target.label_ == FOLLOW_UP:
            return self._interval(doc, target, numbers, modifiers, end)
        if self._reading(doc, target, numbers, modifiers, target.end, end):
            return target
        # "I checked your CK. It was 150, which is normal.": the next sentence says the result of the test named last;
        # "your blood sugar is a little bit high, it was 169 today": a later clause of its own sentence does
        referred = _referring_clause(doc, target.end, min(target.sent.end, unrelated))
        if referred is None and unrelated >= target.sent.end:
            referred = referred_from(doc, target.sent.end)
        if referred is not None:
            reach = min(referred + REFERRED_REACH, len(doc),
                        next((t for t in (following, unrelated) if t >= referred), len(doc)))
            if self._reading(doc, target, numbers, modifiers, referred, reach, doses=True):
                return target
        # "your pulse, so that's interesting, you're going at about sixty beats a minute": a number in the analyte's
        # own unit later in its statement, no other analyte between, is its reading however far
        own = self._in_own_unit(target, within(numbers, end, min(run_end, analyte)), modifiers)
        if own is not None and any(token.lower_ in CONDITIONAL for token in doc[target.end:own.start]):
            own = None
        if own is not None and self._reading(doc, target, numbers, modifiers, own.start, own.end):
            return target
        # "your blood pressure is a little high, we're seeing like a hundred and forty over eighty": a pair said later in
        # the statement is the pressure's reading however far, as a number in its own unit is
        pair = self._pair(doc, target, within(numbers, end, min(run_end, analyte)), numbers)
        if pair is not None and self._reading(doc, target, numbers, modifiers, pair.start, pair.end):
            return target
        # "your vitamin d level was at the high end of normal at 94": a result said right after its reading ("normal at",
        # "elevated to") later in the statement, no other target between
        readings = within(modifiers, target.end, min(run_end, following), INTERPRETATION)
        if self._judged(doc, target, numbers, modifiers, readings):
            return target
        # "who is five feet, six inches in height", "six feet tall": a measure in the vital's own unit just before it
        before = self._said_before(doc, target, within(numbers, target.sent.start, target.start), modifiers)
        if before is not None and self._reading(doc, target, numbers, modifiers, before.start, before.end):
            return target
        said = [m for m in within(modifiers, target.end, end, INTERPRETATION) if not _tag(doc, m)]
        if said and (code := _interpretation(doc, said[0])) is not None:
            details(target)["interpretation"] = code
        term: TermPattern = target._.pattern
        medication = term.attributes.get("as_medication")
        if medication and not said and within(modifiers, max(target.sent.start, target.start - self.intake_window),
                                 target.start, INTAKE):
            drug = Span(doc, target.start, target.end, label=MEDICATION)
            drug._.pattern = TermPattern(kind=MEDICATION, code=medication, phrases=())
            return drug
        if term.attributes.get("requires_value") and not said or term.attributes.get("requires_number"):
            return None  # "K" needs a value or a reading; a vital ("your blood pressure looks good") its number
        return target

    @staticmethod
    def _in_own_unit(target: Span, numbers: list[Span], modifiers: list[Span]) -> Span | None:
        """The first of `numbers` said with a unit the analyte's term names as its own (`units`), if any."""
        allowed = target._.pattern.attributes.get("units")
        if not allowed:
            return None
        for number in numbers:
            unit = starting_at(modifiers, number.end, LAB_UNIT)
            if unit is not None and unit._.pattern.code in allowed:
                return number
        return None

    @staticmethod
    def _pair(doc: Doc, target: Span, candidates: list[Span], numbers: list[Span]) -> Span | None:
        """The first of `candidates` said as a pair ("130 over 80"), when the target's reading is one (`paired`) and
        no "if" or "unless" makes it a threshold."""
        if not target._.pattern.attributes.get("paired"):
            return None
        for number in candidates:
            if _second(doc, number, numbers) is not None:
                threshold = any(token.lower_ in THRESHOLD for token in doc[target.end:number.start])
                return None if threshold else number
        return None

    @classmethod
    def _judged(cls, doc: Doc, target: Span, numbers: list[Span], modifiers: list[Span], said: list[Span]) -> bool:
        """Give the analyte the number said right after one of the readings `said` and "at", "of" or "to", a word
        of approximation between at most ("higher at about one thirty")."""
        for reading in said:
            at = reading.end + 1
            while at < len(doc) and doc[at].lower_ in APPROXIMATE and at - reading.end <= 2:
                at += 1
            if at < len(doc) and doc[reading.end].lower_ in JUDGED_AT and \
                    cls._reading(doc, target, numbers, modifiers, at, at + 1):
                return True
        return False

    @classmethod
    def _said_before(cls, doc: Doc, target: Span, numbers: list[Span], modifiers: list[Span]) -> Span | None:
        """The number whose measure, in the analyte's own unit, ends right before it (or before "in" and it)."""
        for number in numbers:  # in text order: the feet of "five feet, six inches" before its inches
            if cls._in_own_unit(target, [number], modifiers) is None:
                continue
            unit = starting_at(modifiers, number.end, LAB_UNIT)
            inches = _inches(doc, unit, numbers, modifiers) if unit is not None else None
            end = inches[1] if inches is not None else unit.end if unit is not None else number.end
            if end == target.start or end + 1 == target.start and doc[end].lower_ == "in":
                return number
        return None

    @staticmethod
    def _reading(doc: Doc, target: Span, numbers: list[Span], modifiers: list[Span], start: int, end: int,
                 doses: bool = False) -> bool:
        """Give the analyte the first number said in tokens [start, end) that can be its result; whether one was.
        With `doses`, a number in a drug's unit is skipped: it is the dose of a drug named on the way."""
        attributes = target._.pattern.attributes
        for number in within(numbers, start, end):
            if starting_at(modifiers, number.end, INTERVAL_UNIT) is not None or _ranged_time(doc, number, numbers,
                                                                                             modifiers):
                continue  # "recheck your magnesium in four weeks", "for six to eight weeks": a time, not the result
            if _changed(doc, number):
                continue  # "call me if you gain three pounds", "I've lost about five kilos": a change, not a reading
            plausible = attributes.get("plausible")
            if plausible and not plausible[0] <= number._.number <= plausible[1]:
                continue  # "a two over six murmur" is no blood pressure, "a 3 out of 10" no pulse
            if target.label_ == VITAL and any(token.lower_ in THRESHOLD for token in doc[target.end:number.start]):
                continue  # "weigh yourself and call me if it's over 200": a threshold to act on
            if doses and starting_at(modifiers, number.end, DOSE_UNIT) is not None \
                    and starting_at(modifiers, number.end, LAB_UNIT) is None:
                continue  # "... the water pills, it was 40 milligrams": the drug's dose
            unit = starting_at(modifiers, number.end, LAB_UNIT)
            allowed = target._.pattern.attributes.get("units")
            if unit is not None and allowed and unit._.pattern.code not in allowed:
                continue  # "temperature ... not a hundred percent sure": a number in another measure's unit
            target._.value = number._.number
            if unit is None and number.end < len(doc) and doc[number.end].lower_ in RANGE_WORDS:
                second = next((n for n in numbers if n.start == number.end + 1), None)
                unit = starting_at(modifiers, second.end, LAB_UNIT) if second is not None else None
            target._.unit = unit._.pattern.code if unit is not None else None
            inches = _inches(doc, unit, numbers, modifiers) if unit is not None else None
            if inches is not None:
                target._.value, target._.unit = number._.number * INCHES_PER_FOOT + inches[0], INCHES
                details(target)["said_as"] = f"{number._.number:g} ft {inches[0]:g} in"
            paired = attributes.get("paired")  # "130 over 80", "130/80": a diastolic
            second = _second(doc, number, numbers) if paired else None
            if second is not None:
                details(target)[paired] = second._.number
            return True
        return False

    def _allergen(self, doc: Doc, span: Span, modifiers: list[Span]) -> Span:
        """A drug said after an allergy cue in its sentence ("allergic to penicillin and codeine"), or naming the
        allergy it comes before ("an amoxicillin allergy", "penicillin allergies"), is an allergen."""
        if span.label_ != MEDICATION:
            return span
        cues = within(modifiers, max(span.sent.start, span.start - self.window), span.start, ALLERGY_CUE)
        if not cues and not (span.end < len(doc) and doc[span.end].lower_ in ALLERGY_NOUNS):
            return span
        allergen = Span(doc, span.start, span.end, label=ALLERGY)
        allergen._.pattern = span._.pattern
        allergen._.assertion = span._.assertion
        allergen._.details = fit(ALLERGY, span._.details) if span._.details else None
        return allergen

    @staticmethod
    def _interval(doc: Doc, target: Span, numbers: list[Span], modifiers: list[Span], end: int) -> Span:
        """A follow-up's interval: a number or a counting word before the first interval unit after it ("in two
        weeks", "in a couple of weeks", "in a month", "in four to six weeks": the first number); else the nearest one
        said before it in its sentence as a time to come ("if it isn't settling in the next couple of days, give me a
        call back"), not a time gone ("I've had it for two weeks, so come back")."""
        after = within(modifiers, target.end, end, INTERVAL_UNIT)
        before = reversed(within(modifiers, target.sent.start, target.start, INTERVAL_UNIT))
        # from the phrase's start: its last word may count the unit ("see you again next | week")
        for unit, start, ahead in [(unit, target.start, False) for unit in after] + \
                [(unit, target.sent.start, True) for unit in before]:
            said = _interval_before(doc, unit, numbers, start)
            if said is None:
                continue
            value, first = said
            if ahead and (first == 0 or doc[first - 1].lower_ not in AHEAD_WORDS):
                continue
            target._.value = value
            target._.unit = unit._.pattern.code
            break
        return target

    @staticmethod
    def _said_as_allergy(span: Span, modifiers: list[Span], targets: list[Span]) -> bool:
        """An allergen ("milk", "peanut") is one only in a sentence about allergy ("allergic to", "allergies"); a term
        that names the kind itself (`names_kind`: "allergies", "no known drug allergies") always is."""
        if span._.pattern.attributes.get("names_kind"):
            return True
        sentence = span.sent
        return bool(within(modifiers, sentence.start, sentence.end, ALLERGY_CUE)) or any(
            t.label_ == ALLERGY and t._.pattern.attributes.get("names_kind")
            and sentence.start <= t.start < sentence.end for t in targets)

    def _order_cue(self, span: Span, modifiers: list[Span], following: int, previous: int = 0) -> str | None:
        """The last order cue before the test in its sentence: `ordered` ("we'll get an MRI", "I want you to ice it"),
        `reviewed`, a look at a result already there ("let's take a look at your x-rays"), or `continued`, a therapy
        gone on with ("continue with the exercises"; a test so said is ordered). `ordered` too when the sentence
        orders it after naming it ("your mammogram, I'll order that"; no other test between, `following` is the next
        one's start), or, without a cue, when a therapy opens the sentence as an instruction ("Drink plenty of
        fluids."); `deferred` when a cue puts it off after the test before it (`previous`, its end); else None."""
        end = min(span.sent.end, following)  # "that" names the test said last, however far back in its sentence
        if any(cue._.pattern.code == ORDERED_AFTER for cue in within(modifiers, span.end, end, ORDER_CUE)):
            return ORDERED  # "your last x-ray was years ago, so we'll repeat that"
        cues = [cue for cue in within(modifiers, max(span.sent.start, span.start - self.window), span.start, ORDER_CUE)
                if cue._.pattern.code != ORDERED_AFTER]
        if not cues:
            return ORDERED if span.label_ == ORDER and _instructs(span) else None
        if any(cue._.pattern.code == DEFERRED and cue.start >= previous for cue in cues):
            # "let's hold off on getting an x-ray": "getting" orders nothing here; "no need for an MRI, we'll get an
            # x-ray" puts off the MRI only
            return DEFERRED
        code: str = cues[-1]._.pattern.code
        if code == CONTINUED and (span.label_ != ORDER or _instructed(cues)):
            return ORDERED
        return code

    def _dose(self, drug: Span, numbers: list[Span], modifiers: list[Span], before: int, after: int) -> None:
        sentence = drug.sent
        end = min(sentence.end, after)
        found = first_dose(within(numbers, drug.end, end), modifiers, DOSE_UNIT)
        if found is None:
            start = max(sentence.start, before)
            preceding = [n for n in within(numbers, start, drug.start) if n.end >= drug.start - 3]
            found = first_dose(preceding, modifiers, DOSE_UNIT)
        if found is not None:
            details(drug)["dose"] = found
        frequency = [f for f in within(modifiers, drug.end, end, FREQUENCY)
                     if MEDICATION in f._.pattern.attributes.get("applies_to", (MEDICATION,))]
        if frequency:
            details(drug)["frequency"] = frequency[0]._.pattern.code
        action = self._action(drug, modifiers, after)
        if action is not None:
            details(drug)["action"] = action

    def _action(self, drug: Span, modifiers: list[Span], following: int | None = None) -> str | None:
        """What is decided about the drug: the nearest action cue before it in its sentence, else just after it
        ("Let's stop the simvastatin.", "The metformin, we'll increase that."), unless the next drug (starting at
        `following`) is said close after the cue: "you've tried naproxen, so let's start you on celecoxib" starts the
        celecoxib only."""
        sentence = drug.sent
        # a cue is near by where it ends: "the medications I'm gonna give you are gonna be meloxicam" starts far back
        before = [cue for cue in within(modifiers, sentence.start, drug.start, ACTION)
                  if cue.end > drug.start - self.action_window]
        if before:
            code: str = before[-1]._.pattern.code
            return None if code == NO_DECISION else code
        following = len(drug.doc) if following is None else following
        end = min(sentence.end, drug.end + self.action_window, following)
        # a cue the next drug follows closely is that drug's ("start you on celecoxib")
        after = [cue for cue in within(modifiers, drug.end, end, ACTION)
                 if following >= sentence.end or following - cue.end > self.action_window]
        return after[0]._.pattern.code if after and after[0]._.pattern.code != NO_DECISION else None


def _drugs_listed(doc: Doc, first: Span, then: Span, numbers: list[Span], modifiers: list[Span]) -> bool:
    """Whether two drugs of one sentence are listed: between them only list words (`order_list`), a possessive or
    article ("your lisinopril and your lasix"), and the first one's dose and frequency ("forty milligrams a day")."""
    if first.sent.start != then.sent.start:
        return False
    joined = {index for span in within(numbers, first.end, then.start) for index in range(span.start, span.end)}
    for span in within(modifiers, first.end, then.start):
        if span.label_ in (ORDER_LIST, DOSE_UNIT, FREQUENCY):
            joined.update(range(span.start, span.end))
    return all(index in joined or doc[index].lower_ in LIST_DETERMINERS for index in range(first.end, then.start))


def _interpretation(doc: Doc, said: Span) -> str | None:
    """The code of a reading said, turned by a negation just before it: "not elevated", "isn't low" say normal; "not
    normal" says neither which way, no reading."""
    code: str = said._.pattern.code
    before = {token.lower_ for token in doc[max(0, said.start - NEGATION_REACH):said.start]}
    if not before & NEGATION_WORDS:
        return code
    return NORMAL if code in (LOW, HIGH) else None


def _second(doc: Doc, number: Span, numbers: list[Span]) -> Span | None:
    """The number said after `number` and "over" or "/", the word said once or twice ("a hundred and forty over over
    seventy"), if any."""
    at = number.end
    while at < len(doc) and at - number.end < 2 and doc[at].lower_ in PAIRED:
        at += 1
    return next((n for n in numbers if n.start == at), None) if at > number.end else None


def _ranged_time(doc: Doc, number: Span, numbers: list[Span], modifiers: list[Span]) -> bool:
    """Whether the number opens a range of time ("six to eight weeks")."""
    if number.end >= len(doc) or doc[number.end].lower_ not in RANGE_WORDS:
        return False
    second = next((n for n in numbers if n.start == number.end + 1), None)
    return second is not None and starting_at(modifiers, second.end, INTERVAL_UNIT) is not None


def _changed(doc: Doc, number: Span) -> bool:
    """Whether the number is a change said with its verb ("gained about ten pounds", "put on two", "down by 3")."""
    at = number.start - 1
    while at >= 0 and doc[at].lower_ in APPROXIMATE:
        at -= 1
    if at < 0:
        return False
    word = doc[at].lower_
    return word in CHANGE_WORDS or word == PUT_ON[1] and at > 0 and doc[at - 1].lower_ in PUT_ON[0]


def _instructs(span: Span) -> bool:
    """A therapy said first in its sentence, after lead words at most, is said as an instruction ("Drink plenty of
    fluids.", "So, ice it twice a day."); the clinician's, it is advised today."""
    if span._.pattern.attributes.get("order_type") != THERAPY:
        return False
    return all(token.is_punct or token.lower_ in INSTRUCTION_LEAD_WORDS for token in span.doc[span.sent.start:span.start])


def _instructed(cues: list[Span]) -> bool:
    """Whether the last cue, a therapy gone on with, is itself what the clinician tells the patient to do today ("I
    want you to continue to ice it", "we're gonna continue to brace the knee", "go ahead and keep up your exercise
    routine"): an ordering cue right before it (a word between at most) makes it today's plan, as the gold writes it;
    "I would just continue with the exercises" stays the patient's own."""
    return len(cues) > 1 and cues[-2]._.pattern.code == ORDERED and cues[-1].start - cues[-2].end <= 1


def _listed(doc: Doc, start: int, end: int, modifiers: list[Span], owned: bool = False) -> bool:
    """Whether tokens [start, end) only join a list ("and", "like a", ", a"): the list's words (`order_list`); `owned`,
    a possessive or article too (", your kidney function")."""
    joined: set[int] = set()
    for span in within(modifiers, start, end, ORDER_LIST):
        joined.update(range(span.start, span.end))
    return all(index in joined or owned and doc[index].lower_ in LIST_DETERMINERS for index in range(start, end))


def _list_closes(doc: Doc, rest: list[Span], modifiers: list[Span]) -> bool:
    """Whether the tests from `rest[0]` on are listed to the end of their sentence ("a full blood count, your kidney
    function and your thyroid levels."): a test said with "your" is then listed, not a result said of it ("we'll
    order an MRI and your x-ray showed ..." goes on past the test: no list)."""
    for index, span in enumerate(rest):
        if all(token.is_punct for token in doc[span.end:span.sent.end]):
            return True
        if index + 1 == len(rest) or not _listed(doc, span.end, rest[index + 1].start, modifiers, owned=True):
            return False
    return False


def _specified(span: Span, orderable: list[Span]) -> bool:
    """Words that name no one test ("some blood tests", "a blood test done"), ordered, with a named lab test ordered
    right after them ("like a CA-125", ". We can check your full blood count"): the tests they are, no order of
    their own."""
    if not (span._.pattern.attributes.get("unnamed") and details(span).get(ORDERED)):
        return False
    return any(span.end <= other.start <= span.end + SPECIFIED_REACH and other.label_ == span.label_
               and not other._.pattern.attributes.get("unnamed") and details(other).get(ORDERED)
               for other in orderable)


def referred_from(doc: Doc, start: int) -> int | None:
    """Where the words after "it was", "that was", "it came back at" end, when the sentence at token `start` opens
    with them; None otherwise."""
    words = [token.lower_ for token in doc[start:start + max(len(phrase) for phrase in REFERRING)]]
    for phrase in REFERRING:
        if tuple(words[:len(phrase)]) == phrase:
            return start + len(phrase)
    return None


def _referring_clause(doc: Doc, start: int, end: int) -> int | None:
    """Where the referring words of a clause in tokens [start, end) end ("..., it was 169", "but it was normal at
    1.7"): a clause opens after a comma, a conjunction or "that" ("it showed that it was 7.1"); None when no clause
    there opens with them."""
    for index in range(max(start, 1), end):
        if doc[index - 1].lower_ in CLAUSE_OPENERS:
            found = referred_from(doc, index)
            if found is not None and found < end:
                return found
    return None


def referred_result(doc: Doc) -> tuple[float, str | None] | None:
    """The result an utterance opens with when it says that of the test named before it ("It was 150, which is
    normal."): the value and its unit's code, if said."""
    start = referred_from(doc, 0)
    if start is None or any(span.label_ in ANALYTE_KINDS and span.start < start + REFERRED_REACH
                            for span in doc.spans[TARGETS]):
        return None
    modifiers = list(doc.spans[MODIFIERS])
    for number in within(doc.spans[NUMBERS], start, min(start + REFERRED_REACH, len(doc))):
        if starting_at(modifiers, number.end, INTERVAL_UNIT) is None:
            unit = starting_at(modifiers, number.end, LAB_UNIT)
            return number._.number, unit._.pattern.code if unit is not None else None
    return None


@dataclass(frozen=True)
class AskedVital:
    """A vital a question asks the reading of, and what a reading of it may be (its units, plausible values)."""

    code: str
    units: tuple[str, ...]
    plausible: tuple[float, float] | None
    paired: str | None


@dataclass(frozen=True)
class SaidReading:
    """A number an utterance says without naming what it measures, with its unit and a second value ("140 over 90")."""

    value: float
    unit: str | None
    second: float | None
    start: int  # character offsets of the words said
    end: int
    sentence: int


def vital_asked(doc: Doc) -> AskedVital | None:
    """The vital a question asks the reading of ("What was your temperature?", "Have you checked your temperature?"):
    the last one named without a number in a sentence that ends with a question mark."""
    for span in reversed(doc.spans[UNREAD] if UNREAD in doc.spans else []):
        if span.sent[-1].text == "?":
            attributes = span._.pattern.attributes
            return AskedVital(span._.pattern.code, tuple(attributes.get("units") or ()), attributes.get("plausible"),
                              attributes.get("paired"))
    return None


def reading_said(doc: Doc) -> SaidReading | None:
    """The first number said in an utterance's first words, when it names nothing measured itself ("Uh, thirty seven,
    yeah."): not a time, a range of time or a change."""
    if any(span.label_ in ANALYTE_KINDS for span in doc.spans[TARGETS]):
        return None
    modifiers = list(doc.spans[MODIFIERS])
    numbers = list(doc.spans[NUMBERS])
    for number in within(numbers, 0, min(len(doc), READING_REACH)):
        if starting_at(modifiers, number.end, INTERVAL_UNIT) is not None \
                or _ranged_time(doc, number, numbers, modifiers) or _changed(doc, number):
            continue
        unit = starting_at(modifiers, number.end, LAB_UNIT)
        second = _second(doc, number, numbers)
        last = doc[(unit or second or number).end - 1]
        sentence = next(index for index, sent in enumerate(doc.sents) if sent.start <= number.start < sent.end)
        return SaidReading(number._.number, unit._.pattern.code if unit is not None else None,
                           second._.number if second is not None else None, number.start_char,
                           last.idx + len(last.text), sentence)
    return None


def _inches(doc: Doc, unit: Span, numbers: list[Span], modifiers: list[Span]) -> tuple[float, int] | None:
    """When `unit` is feet and inches follow ("five feet, six inches", "five foot six"), the inches and the token the
    measure ends at; a bare number after the feet counts as inches only below twelve."""
    if unit._.pattern.code != FEET:
        return None
    start = unit.end + 1 if unit.end < len(doc) and doc[unit.end].lower_ in (",", "and") else unit.end
    number = next((n for n in numbers if n.start == start), None)
    if number is None:
        return None
    said = starting_at(modifiers, number.end, LAB_UNIT)
    if said is not None and said._.pattern.code == INCHES:
        return number._.number, said.end
    if said is None and number._.number < INCHES_PER_FOOT:
        return number._.number, number.end
    return None


def _interval_before(doc: Doc, unit: Span, numbers: list[Span], start: int) -> tuple[float, int] | None:
    """The number or counting word said before an interval unit, from token `start` on, and the token it starts at."""
    before = unit.start - 1 if unit.start - 1 > start and doc[unit.start - 1].lower_ == "of" else unit.start
    number = next((n for n in numbers if n.end == before), None)
    if number is not None:
        ranged = next((n for n in numbers if n.end == number.start - 1 and n.start >= start
                       and doc[number.start - 1].lower_ in INTERVAL_RANGE_WORDS
                       and (doc[number.start - 1].text != "," or n._.number < number._.number)),
                      None)  # "four to six weeks", "four, five days"
        return (ranged or number)._.number, (ranged or number).start
    if before - 1 >= start and doc[before - 1].lower_ in COUNTING_WORDS:
        return COUNTING_WORDS[doc[before - 1].lower_], before - 1
    return None


def _tag(doc: Doc, said: Span) -> bool:
    """A word closing a sentence after a comma asks ("order some thyroid labs, okay?"): no interpretation. So does a
    tag word ("okay", "ok") anywhere, unless a verb or an adverb says it of the result ("everything is ok", "it came
    back okay", "looks pretty ok"): unpunctuated, it closes a clause the parser may not cut ("we'll order a lipid
    panel okay do you have any questions")."""
    if said.start == 0:
        return False
    before = doc[said.start - 1]
    if said.text.lower() in TAG_WORDS:
        return before.lower_ not in LINKING_WORDS
    return before.text == "," and (said.end >= said.sent.end or doc[said.end].text in ("?", "."))


def _run_end(doc: Doc, target: Span) -> int:
    """Where the target's statement ends: its sentence's end, or the next sentence's where the parser cut an
    unpunctuated run ("... your blood pressure | i see is one twenty five over seventy")."""
    end = target.sent.end
    if end < len(doc) and not doc[end - 1].is_punct:
        return doc[end].sent.end
    return end
