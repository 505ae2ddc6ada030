"""The dialogue steps of the findings: what one speaker's turn says about the mentions of another's.

The spaCy pipeline (nlp/components/) reads each segment alone; here the segments are read as a conversation,
in the order `Extractor.extract` calls these steps:

0. `followed_up`: a question followed by the same speaker's "Where are they?" asks that, as one question would;
   `results_referred`: "I checked your CK." "It was 150.": the result said next is the test's.
1. `manoeuvred`: the patient's reply to what the examiner does ("if I bend your knee" ... "that hurts") is an exam
   finding.
2. `sites_asked`: an answer's symptom said without a place takes the place the question asked about.
3. `sited_by_reply`: a reply gives the site of a symptom ("Both legs?" "Just the right foot.").
4. `onsets_answered`: the time answering "when did this start?" is the asked symptom's onset.
5. `examined`: symptoms the clinician names while examining are exam findings; exam words in a question asked
   outside the examination make none; `examined_part`: a finding said with no place while the examiner is at one
   part of a limb is of that part and side.
6. `allergies_asked`: an answer's allergies said without their kind are the kind asked; `alike`: a relative who has
   "something similar" has the patient's complaint; `family_replies`: the patient's reply to a question about the
   family speaks of the family.
7. `place`: a question's mentions take their assertion from the answer ("Any fever?" "No."), or from the answer the
   asker echoes ("Any rash? No, OK.": `echoed`).
8. `planned`: what the clinician proposes is a plan (orders, follow-up, decisions about a drug).

`answer_to` finds the turn that answers another; every step uses it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from nlp.attributes import fit
from nlp.components.sites import DENIED_SIDE
from nlp.lexicon import any_phrase, normalise
from nlp.components.values import AskedVital, SaidReading
from nlp.pipeline import Answer, Echo, Mention
from nlp.types import Evidence, Segment
from nlp.words import span_times

ANSWER_REACH = 2  # an answer is one of the next two segments
REASK_REACH = 3  # a question asked again within this many segments is asked again because the answer did not settle it
ONSET_LOOKBACK = 8  # "When did this happen?" asks about a symptom said at most this many turns before the answer
ONSET_PASSES = frozenset({"condition", "exam"})  # said since the symptom, these do not change what "this" is
HESITATION_WORDS = 2  # a reply this short that answers nothing and names nothing ("Um", "Uh, well") is a hesitation
BRIEF_ANSWER_WORDS = 12  # a patient's turn this short ("okay", "yes that hurts") does not end an examination
MANOEUVRE_TAIL = 20  # the reply answers a manoeuvre said in the examiner's last this many words, not one of a dictation
PAIN = "pain"  # the generic pain code; a pain by its place ends in "_pain"
PAIN_WORDS = frozenset({"hurt", "hurts", "hurting", "pain", "painful", "sore", "tender", "tenderness", "ouch"})
OUCH = frozenset({"ouch", "ow", "owww", "ooh"})  # a reply that says the pain without the word
# The words of a list of symptoms asked with no question's words ("That, or vomiting or headaches."): `listed_alone`
LIST_ALONE = frozenset({"or", "and", "a", "an", "you", "mean", "any", "like", "that", "those", "the", "your", "some",
                        "also", "such", "as", "maybe", "okay", "ok", "so", "what", "about", "how", "other", "things",
                        "stuff", "anything", "else"})
NO_WORDS = frozenset({"no", "nope", "nah"})  # a reply opening with one of these denies what was asked
# ... and, in an answer's opening, these: "Not specifically, apart from the dizziness" denies what was asked as "No,
# apart from the dizziness" does, where "I don't ..." opens a clause that says what it denies
DENYING_WORDS = NO_WORDS | {"not", "never", "none", "nothing"}
# The first sentence of a reply that only agrees with what was put to it, whatever that was: after a question put
# as a denial ("No fever?") it denies
AGREEMENT = r"(?:yes|yeah|yep|yup|yea|uh-huh|mm-hmm|correct|right|exactly|true|that's right|that's correct|that is right|that is correct|that's true|that is true)"
AGREEMENT_SENTENCE = re.compile(
    rf"^\W*(?:(?:um|uh|oh|so|well|mm|hmm)\W+)*({AGREEMENT}(?:[\s,]+{AGREEMENT})*)\s*(?:[.!]|$)(?!\w)"
    # ... and the sentence after it does not say the thing: "And no dizziness?" "Yes. I do."
    r"(?!\s*(?:i do|i have|i am|i did|i get|i've|i'm|i had|i feel|a little|a bit|some|sometimes|occasionally)\b)",
    re.IGNORECASE)
# A negative question put with its verb first: its yes says the thing ("Don't you smoke?" "Yes.")
NEGATED_QUESTION = re.compile(
    r"(?:^|[\s,])(?:(?:do|does|did|have|has|are|is|were|was|can|could|would)n't|(?:do|does|did|have|has|are|is) you not)"
    r"\s+(?:you|he|she|they|it|there)?\b", re.IGNORECASE)
SETTLED = frozenset({"present", "absent"})  # a reply that names what was asked so says it, whatever its opening
GENERIC_SITES = frozenset({"leg"})  # a site said in a reply replaces one of these
# A plan said plainly ("I'd like to get an X-ray", "see you in two weeks") is placed today: present, unless said
# under a condition ("if it gets worse").
PLAN_KINDS = ("order", "follow_up")
# ... and the clinician's safety net is today's plan though said under a condition: "if it isn't settling in two
# days, give me a call back" is the follow-up advised, where "if it gets worse we'll get an MRI" orders nothing yet.
SAFETY_NET_KINDS = ("follow_up",)
ORDERABLE = {"lab": "lab", "imaging": "imaging"}  # a test proposed by the clinician is an order of this type
# A decision about a drug says the patient takes it ("keep taking your lisinopril", "let's stop the statin").
TAKEN_ACTIONS = frozenset({"continue", "change", "stop"})
# ... unless said under a condition: "if you notice black stools, we'll stop the aspirin" decides for later (a
# condition's reach in unpunctuated speech may run on to "continue the cozaar", which says it taken whatever came before)
LATER_ACTIONS = frozenset({"change", "stop"})
# A drug the clinician starts or proposes is not taken yet (unless the patient says otherwise elsewhere).
PROPOSED_ACTIONS = frozenset({"start", "consider", "decline"})
# A problem or symptom offered by name ("something called gastroenteritis") is a possibility, not a plan.
NAMED_KINDS = frozenset({"condition", "symptom"})
OTHERS_KINDS = NAMED_KINDS | {"medication"}  # what other people have or take is no finding of the patient's
# Allergy words that name no allergen: worth a finding only when denied ("Any allergies?" "No."); "I'm allergic to
# clindamycin" answering "any allergies to medications?" is the clindamycin allergy.
ANY_ALLERGY = "any_allergy"
GENERIC_ALLERGY = frozenset({ANY_ALLERGY, "drug_allergy"})
# Marks of a hypothetical that is no proposal: a drug asked about under them ("if you have any antibiotics at home?")
# is taken when the answer says so.
MARKS = frozenset({"conditional", "risk", "others"})
# What the patient asks about ("Can I get the antibiotics at any pharmacy?", "Do I take the tablets with food?") is
# not said taken: the question asserts nothing, what the clinician says of it does. Asked so, in the first person (a
# "?" alone may be the patient's doubt of a name: "what's it called? Salbutamol inhalers?").
ASKED_OF_PLAN = frozenset({"medication"})
PATIENT_ASKS = re.compile(r"\b(?:(?:can|could|do|does|should|shall|will|would|am|may|must) i|is it|is that|are they)\b")
# Asked with an open question ("who do you live with?"), these are said by any answer that is not a no.
OPEN_KINDS = frozenset({"social"})
# A procedure named as the patient's own ("your knee replacement", "my stent"), or said had ("you had a stent
# placed", "a history of a lobectomy"), within this many words before it, is one they have had.
OWNERS = {"clinician": ("your",), "patient": ("my",)}
HAD = ("you had", "you've had", "you have had", "you underwent", "history of", "status post")
HAD_REACH = 4


@dataclass
class Placed:
    """A mention in its segment, with the assertion it contributes (None: an unanswered question)."""

    segment: Segment
    mention: Mention
    assertion: str | None
    extra: list[Evidence] = field(default_factory=list)
    historical: bool | None = None  # set by an answer ("Do you smoke?" "I quit."), else the mention's own

    @property
    def in_past(self) -> bool:
        return self.mention.historical if self.historical is None else self.historical


def answer_to(segments: list[Segment], index: int) -> int | None:
    """The index of the segment that answers segment `index`: the next one from another speaker."""
    asker = segments[index].speaker
    for reply in range(index + 1, min(len(segments), index + 1 + ANSWER_REACH)):
        if segments[reply].speaker != asker or asker == "other":
            return reply
    return None


def opens_with_no(segment: Segment) -> bool:
    """Whether a reply opens with a no ("No, but my back pain is bad"; "No, penicillin was fine")."""
    return says_no(segment.text)


def says_no(text: str) -> bool:
    """Whether the words open with a no ("no", "nope", "nah")."""
    return normalise(text).partition(" ")[0] in NO_WORDS


def denies(text: str) -> bool:
    """Whether an answer's opening is a no, outright or put gently ("No", "Not specifically", "Never")."""
    return normalise(text).partition(" ")[0] in DENYING_WORDS


def followed_up(segments: list[Segment], found: list[list[Mention]], follow_ups: list[bool]) -> list[list[Mention]]:
    """Consecutive questions of one speaker are one question: "And the cramps?" "Where are they?" asks where the
    cramps are, as "And the cramps, where are they?" does, so the cramps are said, not asked."""
    result = [list(mentions) for mentions in found]
    for index in range(len(segments) - 1):
        if follow_ups[index + 1] and segments[index + 1].speaker == segments[index].speaker:
            result[index] = [replace(m, in_question=False) if m.in_question else m for m in result[index]]
    return result


RESULT_KINDS = frozenset({"lab", "electrolyte"})  # a test whose result the speaker's next turn may say ("It was 150.")


def results_referred(segments: list[Segment], found: list[list[Mention]],
                     referred: list[tuple[float, str | None] | None]) -> list[list[Mention]]:
    """A result said at the opening of a turn ("It was 150, which is normal.") is that of the test the same speaker
    named last in the turn before, when nothing was named after it and it has no result yet."""
    result = [list(mentions) for mentions in found]
    for index in range(1, len(segments)):
        said = referred[index]
        if said is None or segments[index].speaker != segments[index - 1].speaker or not result[index - 1]:
            continue
        last = max(range(len(result[index - 1])), key=lambda n: result[index - 1][n].start)
        mention = result[index - 1][last]
        if mention.kind in RESULT_KINDS and mention.value is None and not mention.in_question:
            result[index - 1][last] = replace(mention, value=said[0], unit=said[1])
    return result


def readings_answered(segments: list[Segment], found: list[list[Mention]], asked: list[AskedVital | None],
                      said: list[SaidReading | None]) -> list[list[Mention]]:
    """A vital asked ("What was your temperature?", "Have you checked your temperature?") and a number the patient's
    reply says without naming a measure ("Um, thirty eight point two.") is that vital's reading, the patient's, when
    the vital can take it in the unit said."""
    result = [list(mentions) for mentions in found]
    for index, question in enumerate(asked):
        if question is None or segments[index].speaker == "patient":
            continue
        reply = answer_to(segments, index)
        if reply is None or segments[reply].speaker != "patient" or (reading := said[reply]) is None:
            continue
        if reading.unit is not None and reading.unit not in question.units or question.plausible is not None \
                and not question.plausible[0] <= reading.value <= question.plausible[1]:
            continue
        attributes = {question.paired: reading.second} if question.paired and reading.second is not None else {}
        result[reply].append(Mention(kind="vital", code=question.code, start=reading.start, end=reading.end,
                                     text=segments[reply].text[reading.start:reading.end], sentence=reading.sentence,
                                     value=reading.value, unit=reading.unit, attributes=attributes))
    return result


# What the examiner names may be in words a symptom or a problem lists first: "an enlarged prostate" on the prostate
# exam is the finding, not the diagnosis of hyperplasia.
EXAMINED_KINDS = frozenset({"symptom", "condition"})
EXAMINED_PLACES = frozenset({"exam", "symptom"})  # what the examiner names at a place: the part examined
ONE_SIDE = frozenset({"left", "right"})  # the side of a part examined; both sides said of one finding stay its own


def examined(segments: list[Segment], found: list[list[Mention]], cues: list[int | None],
             exam_codes: Mapping[str, str]) -> list[list[Mention]]:
    """Symptoms and problems the clinician names while examining are exam findings ("on exam I see some swelling").

    The examination runs from an exam cue (`cues`: its character offset in each segment) to the end of that
    turn and through the clinician's turns that follow while the patient only answers briefly ("okay",
    "ouch"). Only words the exam lexicon knows (`exam_codes`, by normalised text) change ("edema",
    "tenderness"): a fever the clinician asks about meanwhile stays a symptom, and so does what the examiner says of
    what might be ("with a chest infection you would have a wheeze"), which is no observation.
    """
    result = [list(mentions) for mentions in found]
    for index, examining in enumerate(examining_turns(segments, cues)):
        if segments[index].speaker != "patient" and not examining:
            # "Any problems just walking normally?" asks the history: the examiner observes, and asks no exam finding
            result[index] = [m for m in result[index] if not (m.kind == "exam" and m.in_question)]
    examining = False
    for index, segment in enumerate(segments):
        if segment.speaker == "patient":
            examining = examining and len(segment.text.split()) <= BRIEF_ANSWER_WORDS
            continue
        start = 0 if examining else cues[index]
        examining = start is not None
        if start is None:
            continue
        result[index] = [replace(m, kind="exam", code=exam_codes[normalise(m.text)], attributes=fit("exam", m.attributes))
                         if m.kind in EXAMINED_KINDS and m.start >= start and normalise(m.text) in exam_codes
                         and m.assertion != "hypothetical"
                         else m for m in found[index]]
    return result


LOOKS = re.compile(r"\b(?:looks?|seems?|appears?)(?: to be)? like\b|\b(?:looks?|seems?|appears?)(?: to)?\s*$"
                   r"|\bi think i (?:do |did |can |could )?(?:see|saw|appreciate|appreciated|feel|felt|notice|noticed|hear|heard)\b")
STILL_IN_DOUBT = re.compile(r"\b(?:might|may|could|possibly|probably|maybe|perhaps|suggest\w*|consistent|think|"
                            r"believe|if|whether|pointing)\b")
LOOKS_REACH = 60  # characters before an exam finding where "it looks like" says how it looks


def observed(segments: list[Segment], found: list[list[Mention]]) -> list[list[Mention]]:
    """An exam finding the clinician says something "looks like" or "seems" to have is what they see, not a doubt
    ("your right knee looks like it has some swelling", "looks like you have some tenderness over the bone"), or
    thinks they saw ("I think I did appreciate a slight limp"); a
    modal or a diagnosis's words between keep it doubted ("it looks like it might be swollen")."""
    result = [list(mentions) for mentions in found]
    for index, segment in enumerate(segments):
        if segment.speaker == "patient":
            continue
        for position, mention in enumerate(found[index]):
            if mention.kind != "exam" or mention.assertion != "possible":
                continue
            before = segment.text[max(0, mention.start - LOOKS_REACH):mention.start].lower()
            said = [match.end() for match in LOOKS.finditer(before)]
            if said and not STILL_IN_DOUBT.search(before[said[-1]:]) and not re.search(r"[.?!]", before[said[-1]:]):
                result[index][position] = replace(mention, assertion="present")
    return result


def manoeuvred(segments: list[Segment], found: list[list[Mention]], cues: list[int | None],
               done: list[list[Mention]]) -> list[list[Mention]]:
    """What the examiner does to a part, and the patient's reply, make an exam finding ("if I bend your knee, does
    that hurt?" "Yes, that hurts.": pain with movement of the knee; "ouch"; "no": absent).

    `done`: each segment's manoeuvres (nlp.pipeline.manoeuvres), read while examining (as `examined`) and only
    where the examiner's turn speaks of pain. A reply that says its pain ("that hurts a lot") is the finding, in
    the patient's words; a bare yes or no answers the examiner's question (`place`) when it speaks of pain. A place
    left unsaid is the one the examination was at.
    """
    result = [list(mentions) for mentions in found]
    site: str | None = None
    for index, examining in enumerate(examining_turns(segments, cues)):
        if not examining or not done[index]:
            continue
        reply = answer_to(segments, index)
        text = segments[index].text
        last = [m for m in done[index] if len(text[m.end:].split()) <= MANOEUVRE_TAIL]
        if reply is None or segments[reply].speaker != "patient" or not last:
            continue
        site = last[-1].attributes.get("site", site)
        manoeuvre = replace(last[-1], attributes={"site": site} if site else {})
        # the pain of the part examined ("that hurts", "my knee hurts there"), not another ("no, but my back pain
        # is bad"), and never in a reply that opens with a no
        pains = [n for n, m in enumerate(result[reply]) if m.kind == "symptom" and not m.in_question
                 and (m.code == PAIN or site is not None and m.code == f"{site}_{PAIN}")]
        denied = opens_with_no(segments[reply])
        if pains and not denied:
            said = result[reply][pains[0]]
            result[reply][pains[0]] = replace(said, kind="exam", code=manoeuvre.code, attributes=manoeuvre.attributes)
        elif OUCH & words(segments[reply].text) and not denied:
            result[index].append(replace(manoeuvre, in_question=False))
        elif PAIN_WORDS & words(segments[index].text):  # "does that hurt?" "Yes.": the answer settles it
            result[index].append(manoeuvre)
    return result


def words(text: str) -> set[str]:
    return set(normalise(text).split())


def examined_part(segments: list[Segment], found: list[list[Mention]], cues: list[int | None],
                  placeless: Callable[[Mention], bool] = lambda _: False,
                  of_the_part: Callable[[Mention], bool] = lambda _: False,
                  midline: frozenset[str] = frozenset(),
                  places: list[list[tuple[int, dict[str, str]]]] | None = None) -> list[list[Mention]]:
    """An exam finding said with no place, while the examiner is at one part of a limb ("on your right foot exam
    there is some bruising" ... "it's also warm to touch"), is of that part and its side: the last place of a side
    said while examining, in the clinician's turns, for the findings of a part (`of_the_part`: warmth, tenderness, range
    of motion; not the pupils or the sinuses). The heart, the lungs or the whole person (`placeless` findings) and a
    place of the middle of the body (`midline`: the neck, the abdomen) end the part; so does the examination's end.
    The part is also the one the examiner says they examine, naming no finding (`places`: nlp.pipeline.examined_places,
    "let me take a look at your right ankle" ... "there's some swelling")."""
    result = [list(mentions) for mentions in found]
    part: tuple[str, Any] | None = None
    for index, examining in enumerate(examining_turns(segments, cues)):
        if segments[index].speaker == "patient":
            continue
        if not examining:
            part = None
            continue
        said = places[index] if places is not None else []
        events = sorted([(found[index][n].start, 1, n) for n in range(len(found[index]))]
                        + [(offset, 0, n) for n, (offset, _) in enumerate(said)])
        for _, is_mention, position in events:
            if not is_mention:
                examined = said[position][1]
                part = None if examined["site"] in midline else (examined["site"], examined.get("laterality"))
                continue
            mention = found[index][position]
            site = mention.attributes.get("site")
            if mention.kind in EXAMINED_PLACES and isinstance(site, str):
                part = None if site in midline else (site, mention.attributes.get("laterality"))
            elif mention.kind == "exam" and placeless(mention):
                part = None
            elif of_the_part(mention) and part is not None:
                given = {"site": part[0]} | ({"laterality": part[1]} if part[1] in ONE_SIDE
                                             and "laterality" not in mention.attributes else {})
                result[index][position] = replace(mention, attributes=mention.attributes | given)
    return result


def examining_turns(segments: list[Segment], cues: list[int | None]) -> list[bool]:
    """Whether each segment is the clinician's, in the examination: from an exam cue through the clinician's turns
    that follow while the patient only answers briefly."""
    turns = []
    examining = False
    for index, segment in enumerate(segments):
        if segment.speaker == "patient":
            examining = examining and len(segment.text.split()) <= BRIEF_ANSWER_WORDS
            turns.append(False)
            continue
        examining = examining or cues[index] is not None
        turns.append(examining)
    return turns


def sites_asked(segments: list[Segment], found: list[list[Mention]],
                site_of: Callable[[Mention], str | None] = lambda mention: None,
                takes_site: Callable[[Mention], bool] = lambda mention: False) -> list[list[Mention]]:
    """An answer's symptom said without a place takes the place the question asked about ("Any swelling in your
    ankles?" "No swelling at all." is about the ankles). A generic symptom that answers a question about another
    one takes that one's place ("Do you have any chest pain?" "Slight cramps." are cramps of the chest):
    `site_of` reads a sited code's place ("chest_pain"), `takes_site` tells a generic symptom."""
    result = [list(mentions) for mentions in found]
    for index in range(1, len(segments)):
        if segments[index].speaker != "patient" or segments[index - 1].speaker != "clinician":
            continue
        question = [m for m in found[index - 1] if m.kind == "symptom"]
        asked = {m.code: m.attributes for m in question if "site" in m.attributes}
        places = {m.attributes.get("site") or site_of(m) for m in question} - {None}
        answer = []
        for m in found[index]:
            if m.kind == "symptom" and "site" not in m.attributes:
                if m.code in asked:
                    m = replace(m, attributes=m.attributes | {key: asked[m.code][key] for key in ("site", "laterality")
                                                              if key in asked[m.code]})
                elif len(places) == 1 and m.code not in {q.code for q in question} and takes_site(m):
                    m = replace(m, attributes=m.attributes | {"site": next(iter(places))})
            answer.append(m)
        result[index] = answer
    return result


def onsets_answered(segments: list[Segment], found: list[list[Mention]], said: list[str | None],
                    asked: list[bool]) -> list[list[Mention]]:
    """The time a patient's reply says ("It was yesterday.") is the onset of what the clinician asked began when
    ("When did this happen?"): the symptom the question names, else the one said last before it (`ONSET_LOOKBACK`
    turns at most). `said`: each segment's onset said without a symptom; `asked`: whether it asks when."""
    result = [list(mentions) for mentions in found]
    for index in range(1, len(segments)):
        onset = said[index]
        if onset is None or segments[index].speaker != "patient" or segments[index - 1].speaker != "clinician" \
                or not asked[index - 1]:
            continue
        for earlier in range(index - 1, max(-1, index - 1 - ONSET_LOOKBACK), -1):
            symptoms = [n for n, m in enumerate(result[earlier]) if m.kind == "symptom"]
            if symptoms:
                position = symptoms[-1]
                mention = result[earlier][position]
                if "onset" not in mention.attributes:
                    result[earlier][position] = replace(mention, attributes=mention.attributes | {"onset": onset})
                break
            question = earlier == index - 1
            if any(question or m.kind not in ONSET_PASSES for m in result[earlier]):
                # "Microgynon." "When did you start that one?": a drug was said last, not a symptom; "When were you
                # diagnosed with diabetes?": what the question names is what began then
                break
    return result


def allergies_asked(segments: list[Segment], found: list[list[Mention]],
                    bare: list[list[Mention]] | None = None) -> list[list[Mention]]:
    """An answer's allergies said without their kind are the kind asked about ("Do you have any allergies to any
    medications?" "I don't have any allergies that I know of." denies drug allergies), and a drug the answer names,
    unless it opens with a no, is an allergen ("Any allergies?" "Penicillin."); so is what `bare` holds, the
    allergens each segment names with no talk of allergy ("Any allergies?" "Just latex.")."""
    result = [list(mentions) for mentions in found]
    bare = bare if bare is not None else [[] for _ in segments]
    for index in range(1, len(segments)):
        if segments[index].speaker != "patient" or segments[index - 1].speaker != "clinician":
            continue
        allergies = [m for m in found[index - 1] if m.kind == "allergy"]
        asked = {m.code for m in allergies if m.code != ANY_ALLERGY}
        question = any(m.in_question for m in allergies)
        denied = opens_with_no(segments[index])
        answer = []
        for m in found[index]:
            if m.kind == "allergy" and m.code == ANY_ALLERGY and len(asked) == 1:
                m = replace(m, code=next(iter(asked)))
            elif m.kind == "medication" and question and not denied and not m.in_question:
                m = replace(m, kind="allergy", attributes=fit("allergy", m.attributes), assertion="present")
            answer.append(m)
        if question and not denied:
            answer = sorted(answer + [m for m in bare[index] if not m.in_question], key=lambda m: m.start)
        result[index] = answer
    return result


def sited_by_reply(segments: list[Segment], found: list[list[Mention]], said: list[dict[str, str]],
                   placeless: Callable[[Mention], bool] = lambda _: False,
                   sideless: Callable[[Mention], bool] = lambda _: False,
                   nowhere: Callable[[Mention], bool] = lambda _: False) -> list[list[Mention]]:
    """Give symptoms the site and side said in the reply ("Both legs?" "Just the right foot.").

    The reply is the next utterance from another speaker, or the answer to a clinician's question that
    follows ("My feet cramp." "Is that in both feet?" "Yes, both feet."); a specific site replaces a generic one.
    `said`: the site and laterality each segment names (nlp.pipeline.places). A symptom of the whole body takes
    no place (`placeless`: "I got real nauseated ..." "Does it radiate?" "Down to my groin.") or no side
    (`sideless`). A pain of no place yet (`nowhere`: "Where's the pain?", "Any pain?" "Yes, in my lower back.") takes
    the reply's; said beside a symptom of its own place, it does not count as another symptom asked.
    """
    result = [list(mentions) for mentions in found]
    for index, mentions in enumerate(found):
        symptoms = [m for m in mentions if m.kind == "symptom"]
        asked = {m.code for m in symptoms if not nowhere(m)} or {m.code for m in symptoms}
        if not asked or (len(asked) > 1 and segments[index].speaker != "patient"):
            continue  # "any shortness of breath, cough, muscle aches?" "... pounding in my chest": whose chest?
        reply = answer_to(segments, index)
        asker = index if segments[index].speaker != "patient" else None
        if reply is not None and segments[reply].speaker == "clinician" \
                and not any(m.kind == "symptom" for m in found[reply]):
            asker = reply
            reply = answer_to(segments, reply)  # "Which leg?": the answer says where
        if reply is None or not said[reply] or any(m.kind == "symptom" for m in found[reply]):
            continue
        place = said[reply]
        # a pain of no place takes only the place a question asks for ("Where?" "My knee."), not one said next
        # after an acknowledgement ("My muscles were hurting." "Yeah." "And my arms were cold.")
        asks = asker is not None and ("?" in segments[asker].text or "where" in words(segments[asker].text))
        for position, mention in enumerate(mentions):
            if mention.kind != "symptom" or (nowhere(mention) and not asks):
                continue
            update = dict(mention.attributes)
            if "site" in place and update.get("site") in (None, *GENERIC_SITES) and not placeless(mention):
                update["site"] = place["site"]
            if "laterality" in place and not sideless(mention) and ("laterality" not in update
                                                                   or update["laterality"] == place.get(DENIED_SIDE)):
                update["laterality"] = place["laterality"]  # "Right knee pain?" "It's not the right, it's the left."
            result[index][position] = replace(mention, attributes=update)
    return result


COMPLAINT_ASSERTIONS = frozenset({"present", "possible"})  # "I think it's diarrhoea" is the complaint too


def alike(segments: list[Segment], found: list[list[Mention]], phrases: Iterable[str],
          relatives: Iterable[str]) -> list[list[Mention]]:
    """A relative who has what the patient has ("my brother has been having similar symptoms", "my sister had something
    like this") has the patient's complaint: the first symptom the patient said before, as a family finding, its
    evidence the words that say so. Not where the patient names the relative's illness itself."""
    result = [list(mentions) for mentions in found]
    alike_words = [re.compile(rf"\b{re.escape(p.lower())}\b") for p in phrases]
    relative_words = [re.compile(rf"\b{re.escape(p.lower())}\b") for p in relatives]
    complaint: Mention | None = None
    for index, segment in enumerate(segments):
        if segment.speaker != "patient":
            continue
        text = segment.text.lower()
        said = next((match for pattern in alike_words if (match := pattern.search(text))), None)
        if complaint is not None and said is not None and any(p.search(text) for p in relative_words) \
                and not any(m.assertion == "family" for m in found[index]):
            result[index].append(replace(complaint, start=said.start(), end=said.end(),
                                         text=segment.text[said.start():said.end()], assertion="family",
                                         sentence=len(re.findall(r"[.?!]", text[:said.start()])), in_question=False,
                                         historical=False, attributes={}))
        complaint = complaint or next((m for m in found[index] if m.kind == "symptom" and not m.in_question
                                       and m.assertion in COMPLAINT_ASSERTIONS), None)
    return result


# The patient's reply to a question about the family ("Any family history of cancer?" "Yes, breast cancer.") speaks of
# the family in its first sentences, unless the patient speaks of themselves there ("No, but I have high blood pressure")
FAMILY_REPLY_SENTENCES = 2
SPEAKERS_OWN = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "myself", "mine", "we", "our"})
LISTENERS_OWN = frozenset({"you", "you're", "you've", "yourself", "your"})
THIRD_PERSON = frozenset({"he", "she", "they", "him", "her", "them", "his", "their"})
FAMILY_WORDS = ("family", "relative", "relatives")  # a relative's word that needs no "your" to ask about the family


# A question about the family goes on over the next questions that ask on ("What about heart disease?", "Anything
# else?", "Does anyone have diabetes?", "Do you know what kind of cancer?"), naming nothing of the listener's own but
# what they know; the first question of the listener's own ("Do you smoke?") ends it
FOLLOWS_ON = re.compile(r"\b(?:what|how) about\b|\banything else\b|\bany others?\b|\bany other\b|\banyone\b|"
                        r"\banybody\b|\bsomeone\b|\bsomebody\b|\bwho\b|\bwhat (?:kind|type|sort)\b|\bwhich\b|"
                        r"\bany of them\b")
KNOWING = re.compile(r"\b(?:do|did|can|could|would) you (?:happen to )?(?:know|remember|recall|think of)(?: of)?\b|"
                     r"\bare you aware(?: of)?\b|\bthat you know(?: of)?\b|\bthat you're aware of\b|"
                     r"\bdoes that (?:sound|ring)\b|\byou mentioned\b")
NAMED_ONLY_WORDS = 5  # "Oh, coronary heart disease?": a term guessed back, in the family's talk, is the family's
# what the patient knows or thinks is no word of their own illness ("Yes, I know someone had heart disease"); "we" in a
# reply about the family is the family ("We have high blood pressure and blood sugar")
EPISTEMIC = re.compile(r"\bi (?:know|think|believe|remember|recall|guess|'m not sure|am not sure|don't know|do n't know)"
                       r"\b|\bi'm pretty sure\b")
REPLY_OWN = SPEAKERS_OWN - {"we", "our"}


def family_replies(segments: list[Segment], found: list[list[Mention]], answers: list[Answer | None],
                   relatives: Iterable[str]) -> list[list[Mention]]:
    """Mark `relative_again` (the family's, in the patient's words: `planned`) what the patient's reply to a question
    about the family names: the question's last sentence names the family ("anyone in the family", "family history")
    or the listener's relative ("your father"), with nothing said of the listener after it ("your mom had cancer, and
    do you have any pain?" asks the patient); the reply's first sentences, up to a word of the patient's own.

    A reply that names a relative and no problem, opening with no yes or no ("Any family history of colon cancer?" "My
    grandfather had it."), says the family has what was asked. A question that asks on about the family (`asks_on`)
    asks about it too: what it names is the family's ("What about heart disease?" "Yes.")."""
    result = [list(mentions) for mentions in found]
    phrases = relatives_said(tuple(relatives))
    topic = False
    for index, segment in enumerate(segments):
        if segment.speaker != "clinician":
            continue
        reply = answer_to(segments, index)
        family = asks_family(segment.text, phrases) or asks_of_relative(segments, index, phrases)
        on = not family and topic and asks_on(segment.text)
        topic = family or on or (topic and not listeners_own(last_sentence(segment.text)))
        if family or on:  # "Do you know what kind of heart problem he had?": the relative's
            last = len(re.split(r"[.?!]", segment.text.rstrip(" ?.!"))) - 1
            result[index] = [replace(m, assertion="family") if m.kind in NAMED_KINDS and m.in_question
                             and m.assertion == "present" and m.sentence >= last else m for m in result[index]]
        if reply is None or segments[reply].speaker != "patient" or not (family or on):
            continue
        text = segments[reply].text
        if answers[reply] is None and not any(m.kind in NAMED_KINDS for m in found[reply]) \
                and phrases.search(text.lower()):
            result[index] = [replace(m, in_question=False) if m.in_question and m.assertion == "family" else m
                             for m in result[index]]
        for position, mention in enumerate(result[reply]):
            before = re.split(r"[.?!]", text[:mention.start].lower())
            if mention.kind in NAMED_KINDS and mention.assertion in ("present", "possible", "absent") \
                    and len(before) <= FAMILY_REPLY_SENTENCES and not mention.in_question \
                    and not REPLY_OWN & set(normalise(EPISTEMIC.sub(" ", before[-1])).split()):
                result[reply][position] = replace(mention, attributes=mention.attributes | {"relative_again": True})
    return result


def listeners_own(sentence: str) -> bool:
    """Whether a sentence names the listener's own, past what it asks them to know ("do you know of anyone")."""
    return bool(LISTENERS_OWN & set(normalise(KNOWING.sub(" ", sentence)).split()))


def asks_on(text: str) -> bool:
    """Whether a clinician's turn asks on about what was being asked ("What about heart disease?", "Does anyone have
    that?", "Oh, coronary heart disease?"), naming nothing of the listener's own."""
    if "?" not in text:
        return False
    last = last_sentence(text)
    return not listeners_own(last) and (bool(FOLLOWS_ON.search(last)) or len(normalise(last).split()) <= NAMED_ONLY_WORDS)


@functools.lru_cache(maxsize=4)
def relatives_said(relatives: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern of every relative's word, the longest first ("half brother" before "brother"): one pass of a turn
    rather than one per word (5 ms of the 0.1 s the findings of a 15-minute visit take)."""
    return any_phrase(phrase.lower() for phrase in relatives)


def asks_of_relative(segments: list[Segment], index: int, phrases: re.Pattern[str]) -> bool:
    """Whether the clinician's last sentence speaks of someone ("he", "she", "they") right after the patient named their
    relative ("Yes, my mum." "What did she have?")."""
    last = last_sentence(segments[index].text)
    if index == 0 or segments[index - 1].speaker != "patient" or not THIRD_PERSON & set(normalise(last).split()):
        return False
    before = segments[index - 1].text.lower()
    return any(before[:match.start()].split()[-1:] == ["my"] for match in phrases.finditer(before))


def sentence_before(text: str, start: int) -> str:
    """The words of `text`'s sentence said before `start`, from the last end mark before it."""
    return re.split(r"[.?!]", text[:start])[-1]


def last_sentence(text: str) -> str:
    """The last sentence of `text` that holds any words, in lower case, without its end mark."""
    return next((part for part in reversed(re.split(r"[.?!]", text.lower())) if part.strip()), "")


def asks_family(text: str, phrases: re.Pattern[str]) -> bool:
    """Whether the last sentence of `text` asks about the patient's family (a relative's word with "your" before it,
    or a word of the family), saying nothing of the listener after it."""
    last = last_sentence(text)
    said = [match for match in phrases.finditer(last)
            if any(word in match.group() for word in FAMILY_WORDS) or last[:match.start()].split()[-1:] == ["your"]]
    if not said:
        return False
    after = normalise(last[max(match.end() for match in said):]).split()
    return not LISTENERS_OWN & set(after)


def place(segments: list[Segment], found: list[list[Mention]], answers: list[Answer | None],
          echoes: list[list[Echo]] | None = None) -> list[Placed]:
    """Give every mention its assertion; a clinician's question's mentions take theirs from the answer.

    The answer is also evidence ("Any fever?" "No."), and may give the asked drug its dose ("Yes, 40 mg.").
    A question left unanswered contributes no assertion (None). An answer the asker echoes right after the question
    ("Any discharge? No, OK. Any fever?") answers it (`echoed`).
    """
    echoes = echoes if echoes is not None else [[] for _ in segments]
    placed = []
    for index, segment in enumerate(segments):
        for mention in found[index]:
            if not (mention.in_question and segment.speaker != "patient") \
                    and not named_alone(segments, answers, index, mention) \
                    and not listed_alone(segments, found, answers, index, mention):
                # "Do I need to take the antihistamines with food?": the patient asks about the plan, takes nothing yet;
                # "Should I keep taking my metformin?", "Should I stop the Nexium?" name one taken
                asks = mention.in_question and mention.kind in ASKED_OF_PLAN and mention.assertion == "present" \
                    and mention.attributes.get("action") not in TAKEN_ACTIONS \
                    and not owned_by_patient(Placed(segment, mention, None)) and patient_asks(segment.text, mention.start)
                # "Like fever or chills?": the patient asks what the question means, and has none of them yet
                asks = asks or (segment.speaker == "patient" and mention.in_question and mention.kind in NAMED_KINDS
                                and only_listed(segment, found[index]))
                # "Do I look like I smoke? I've never smoked.": the patient's own question is rhetorical when their
                # statement in the same turn settles what it named
                asks = asks or (segment.speaker == "patient" and mention.in_question
                                and any((m.kind, m.code) == (mention.kind, mention.code) and not m.in_question
                                        and m.assertion != mention.assertion for m in found[index]))
                assertion = None if asks else mention.assertion
                if mention.in_question and mention.kind == "condition" and assertion == "present" \
                        and segment.speaker == "patient" and not owned_by_patient(Placed(segment, mention, None)) \
                        and not asks_own_or_meaning(sentence_before(segment.text, mention.start)):
                    # "So, is it cancer?", "Could this be a stroke?": the patient asks what it is, a doubt ("Is my
                    # asthma worse?", "I have diabetes, you know that?" speak of their own; "have you had any allergies?"
                    # is the clinician's, misheard; "What is C diff?" asks what the word means)
                    assertion = "possible"
                placed.append(Placed(segment, mention, assertion))
                continue
            echo = echoed(segments, echoes, index, mention)
            reply = answer_to(segments, index) if echo is None else echo[0]
            if reply is None or mention.attributes.get("circumstance") or asked_again(segments, found, index, mention) \
                    or (echo is None and narrowed(found[index], mention)):
                # "Does it hurt more if you cough?" "Yes.": the answer is about the pain, not the circumstance
                placed.append(Placed(segment, mention, proposed_asked(mention)))
                continue
            interjected = interjection(segments, index, reply) if echo is None else None
            if interjected is not None:
                # "... you mean you feel sick? OK. Any neck pain?" "Yeah." (said over the question) "No.": the reply said
                # while the clinician was still talking answers what came before the last question, the next the last
                # a mention named alone in its turn may be the turn's only one: then its own sentence is the last
                last_asked = max((m.sentence for m in found[index] if m.in_question), default=mention.sentence)
                reply = interjected if mention.sentence == last_asked else reply
            elif echo is None:
                reply = second_thought(segments, found, answers, reply)
            opening = answers[reply] if echo is None else echo[1]
            replied = found[reply] if echo is None else []  # an echo is the answer alone: it names nothing
            agreed = agrees(segments[reply].text, opening) if echo is None else None
            if agreed is not None and mention.assertion == "absent" and denial_put(segment.text, mention.start) \
                    and not any((m.code, m.assertion) == (mention.code, "present") for m in replied):
                # "No fever?" "Yeah." / "You don't smoke?" "Correct.": agreeing with a question put as a denial
                # denies; "Yes, I do", "Yeah, a bit" say it (their words go past the agreement) and "Don't you
                # smoke?" asks as "Do you smoke?" does
                answered = segments[reply]
                t0, t1 = span_times(answered, agreed[0], agreed[1]) or (answered.start, answered.end)
                extra = Evidence(segment=answered.id, start=agreed[0], end=agreed[1],
                                 text=answered.text[agreed[0]:agreed[1]], t0=t0, t1=t1)
                placed.append(Placed(segment, mention, "absent", [extra]))
                continue
            own_kinds = {m.kind for m in replied}
            named = {m.code for m in replied if m.kind == mention.kind}
            if opening is None and mention.kind in OPEN_KINDS and segments[reply].text.strip() \
                    and mention.code not in named:  # "Do you take any drugs?" "I don't take drugs.": its own words say
                # "What do you do for work?" "I'm an accountant.": an open question answered with what it asked
                answered = segments[reply]
                extra = Evidence(segment=answered.id, start=0, end=len(answered.text), text=answered.text,
                                 t0=answered.start, t1=answered.end)
                placed.append(Placed(segment, replace(mention, assertion="present"), "present", [extra]))
                continue
            asked = {m.code for m in found[index] if m.kind == mention.kind and m.in_question}
            listed = len(asked) > 1
            # "Are you taking your metformin?" "Yes yes, that's along with the blood pressure medicine.": another drug
            # named beside the yes does not take it back; another symptom may ("Chest pain?" "Yes, short of breath")
            own = mention.code not in {m.code for m in replied} if mention.kind == "medication" \
                else mention.kind not in own_kinds
            # a "no" before a new clause denies what was asked ("Do you feel sick at all?" "no i have a little bit of a
            # stuffy nose"), unless the clause names what it denies ("coughing up anything, any fevers?" "no no fever
            # ... bringing a whole bunch of yuck up")
            # (the opening is read past the hesitations before it: "hmmm no i had diarrhea last week")
            denied = opening is not None and opening.assertion == "absent" \
                and denies(opening.text) and not asked & named
            if opening is None or not (opening.bare or own or denied) \
                    or (listed and not opening.bare and opening.assertion == "present"):
                # "Any shortness of breath, cough, muscle aches?" "Sometimes when I run I struggle a bit ...": a
                # qualified yes to a list says which in its own words, and affirms none wholesale ("No other
                # symptoms" denies them all)
                placed.append(Placed(segment, mention, proposed_asked(mention)))
                continue
            said = {m.assertion for m in replied if (m.kind, m.code) == (mention.kind, mention.code)}
            if said & SETTLED and opening.assertion not in said:
                # "Any nausea or vomiting?" "Yeah, I get nauseated, but I don't vomit.": the reply's own words settle
                # what they name, whatever its opening says of the rest
                placed.append(Placed(segment, mention, None))
                continue
            if listed and opening.assertion == "present" and asked & named and mention.code not in named:
                # "Any stroke or mini-strokes in the family?" "Yes, my father had a stroke.": the yes is for the one
                # the reply names
                placed.append(Placed(segment, mention, None))
                continue
            assertion, historical = opening.assertion, None
            if assertion == "historical":  # "Do you smoke?" "I quit years ago."
                assertion, historical = "present", True
            if mention.assertion == "family" and assertion == "present":
                assertion = "family"
            if mention.assertion == "family" and assertion in ("absent", "possible"):
                # "Any diabetes in the family?" "No.": what the relatives do not have says nothing of the patient's own
                placed.append(Placed(segment, mention, None))
                continue
            if mention.kind == "medication" and mention.assertion == "hypothetical" and assertion == "present" \
                    and not MARKS & mention.attributes.keys():
                # "Are you happy to take a course of antibiotics?" "Yes I would be.": agreed to, not taken yet
                assertion = "hypothetical"
            asked_drugs = [m for m in found[index] if m.kind == "medication"]
            if opening.dose and asked_drugs == [mention] and "dose" not in mention.attributes:
                mention = replace(mention, attributes=mention.attributes | {"dose": opening.dose})  # "Yes, 40 mg."
            answered = segments[reply]
            t0, t1 = span_times(answered, opening.start, opening.end) or (answered.start, answered.end)
            extra = Evidence(segment=answered.id, start=opening.start, end=opening.end, text=opening.text,
                             t0=t0, t1=t1)
            placed.append(Placed(segment, mention, assertion, [extra], historical))
    return placed


def agrees(reply: str, opening: Answer | None) -> tuple[int, int] | None:
    """Where the reply agrees with the question and says nothing more in its first sentence ("Yeah.", "Correct,
    yeah.", "That's right."), or None."""
    first = AGREEMENT_SENTENCE.match(reply)
    if first is None:
        return None
    if opening is not None and (opening.assertion != "present" or opening.start < first.start(1)):
        return None
    return first.start(1), first.end(1)


def denial_put(text: str, start: int) -> bool:
    """Whether the question whose mention starts at `start` is put as a statement of what is not ("No fever?", "You
    don't smoke?", "And no chest pain, right?"), not as a question opening with its verb ("Don't you smoke?",
    "Do you not have any pain?", whose yes says the thing)."""
    sentence = sentence_before(text, start)
    return NEGATED_QUESTION.search(sentence) is None


def proposed_asked(mention: Mention) -> str | None:
    """The assertion of a clinician's question that no answer settles: a drug it proposes ("How would you feel about
    starting a statin?" "Well, my sister takes one.") is proposed still; anything else asked is unsaid (None)."""
    if mention.kind == "medication" and mention.assertion == "hypothetical" and not MARKS & mention.attributes.keys():
        return "hypothetical"
    return None


def echoed(segments: list[Segment], echoes: list[list[Echo]], index: int,
           mention: Mention) -> tuple[int, Answer] | None:
    """The answer the asker says right after the question that asked the mention, as a sentence alone ("Any discharge
    from the ear? No, OK."): the patient's answer, heard and repeated, or put in the asker's turn by the transcript
    (the question ending its turn, the asker's next turn opening "No."). The segment it is in and the answer."""
    asked = segments[index]
    here = next((e for e in echoes[index] if e.sentence == mention.sentence + 1), None)
    if here is not None:
        return index, Answer(assertion=here.assertion, start=here.start, end=here.end, text=here.text, bare=True)
    following = index + 1
    if following >= len(segments) or segments[following].speaker != asked.speaker \
            or asked.text[mention.end:].partition("?")[2].strip():
        return None
    there = next((e for e in echoes[following] if e.sentence == 0), None)
    if there is None:
        return None
    return following, Answer(assertion=there.assertion, start=there.start, end=there.end, text=there.text, bare=True)


def named_alone(segments: list[Segment], answers: list[Answer | None], index: int, mention: Mention) -> bool:
    """Whether the clinician's turn is the mention alone, answered by a bare yes or no: a question however it was
    written ("any history of what" "endometriosis" "no": the clinician repeats the question, unpunctuated)."""
    if segments[index].speaker == "patient" or normalise(segments[index].text) != normalise(mention.text):
        return False
    reply = answer_to(segments, index)
    if reply is None or segments[reply].speaker != "patient":
        return False
    said = answers[reply]
    return said is not None and said.bare


def listed_alone(segments: list[Segment], found: list[list[Mention]], answers: list[Answer | None], index: int,
                 mention: Mention) -> bool:
    """Whether the clinician's turn is symptoms or problems named in a list and nothing else, answered by the
    patient's yes or no: a question however it was written or cut off ("Tremors or loss of sensation or-" "No.",
    "That, or vomiting or headaches." "Oh, no, nothing like that.")."""
    if segments[index].speaker == "patient" or mention.kind not in NAMED_KINDS \
            or not only_listed(segments[index], found[index]):
        return False
    reply = answer_to(segments, index)
    if reply is None or segments[reply].speaker != "patient":
        return False
    said_back = answers[reply]
    return said_back is not None and (said_back.bare or denies(said_back.text))


def only_listed(segment: Segment, mentions: list[Mention]) -> bool:
    """Whether the turn says nothing but its mentions and the words of a list (`LIST_ALONE`)."""
    words = normalise(segment.text).split()
    for named in mentions:
        said = normalise(named.text).split()
        for at in range(len(words) - len(said) + 1):
            if words[at:at + len(said)] == said:
                del words[at:at + len(said)]
                break
    return bool(mentions) and all(word in LIST_ALONE for word in words)


def asked_again(segments: list[Segment], found: list[list[Mention]], index: int, mention: Mention) -> bool:
    """Whether the same speaker asks about the mention again in the turns right after the answer ("Any change in your
    bowel habit?" "Yeah, I've had spotting in my urine." "... any change in your bowel habit?" "No."): the answer
    to the question asked again settles it."""
    return any(segments[later].speaker == segments[index].speaker
               and any(m.in_question and (m.kind, m.code) == (mention.kind, mention.code) for m in found[later])
               for later in range(index + 1, min(len(segments), index + 1 + REASK_REACH)))


def narrowed(mentions: list[Mention], mention: Mention) -> bool:
    """Whether a later question of the same turn asks again part of what the mention's question asked, leaving the
    mention out ("What about smoking and alcohol? ... Do you smoke at all?" "Not any more."): the reply answers the
    narrower question, and says nothing of the rest."""
    asked = {m.code for m in mentions if m.in_question and m.sentence == mention.sentence}
    later = {m.code for m in mentions if m.in_question and m.sentence > mention.sentence}
    return mention.code not in later and bool(asked & later)


def interjection(segments: list[Segment], index: int, reply: int) -> int | None:
    """The reply said after the question `index` when `reply` was said over it (its speaker's next turn, begun once
    the question was over): two answers to two parts of the question, not a second thought. None: no such reply."""
    asked, said, following = segments[index], segments[reply], reply + 1
    if following >= len(segments) or segments[following].speaker != said.speaker or asked.end is None \
            or said.start is None or segments[following].start is None:
        return None
    over = said.start < asked.end <= (segments[following].start or 0.0)
    return following if over else None


def second_thought(segments: list[Segment], found: list[list[Mention]], answers: list[Answer | None],
                   reply: int) -> int:
    """The reply that settles a question: a bare answer the same speaker takes back in the turn that follows ("Any
    phlegm?" "Yeah." "No, no, it's a dry cough.") gives way to it, and a hesitation ("Um") to what follows it."""
    opening, following = answers[reply], reply + 1
    if following >= len(segments) or segments[following].speaker != segments[reply].speaker:
        return reply
    if opening is None:
        hesitating = not found[reply] and len(segments[reply].text.split()) <= HESITATION_WORDS
        return following if hesitating else reply
    if segments[reply].text[opening.end:].strip(" .,!?"):
        return reply
    later = answers[following]
    return following if later is not None and later.bare and later.assertion != opening.assertion else reply


def says_any(text: str, phrases: Iterable[str]) -> bool:
    """Whether the text says one of the phrases, as whole words."""
    said = f" {normalise(text)} "
    return any(f" {normalise(phrase)} " in said for phrase in phrases)


def patient_asks(text: str, start: int) -> bool:
    """Whether the sentence said around `start` asks as the patient asks ("can I", "do I", "is it")."""
    sentence = sentence_before(text, start) + re.split(r"[.?!]", text[start:])[0]
    return PATIENT_ASKS.search(normalise(sentence)) is not None


# Words only the clinician says: a turn labelled the patient's that says them is the clinician's, its speaker
# mislabelled (ACI-BENCH has such turns: "so i'm going to refer you to physical therapy" under the patient).
CLINICIAN_ONLY = ("refer you", "referring you", "prescribe you", "i'm going to prescribe", "i'll prescribe",
                  "i'm gonna prescribe", "i'm gon na prescribe", "my assessment", "assessment and plan",
                  "on your exam", "on your physical exam", "having you start", "i want you to continue",
                  "i'm going to order", "i'm gon na order", "i'll order", "we'll order", "put an order in")


def by_clinician_of(item: Placed) -> bool:
    """Whether the clinician said the mention: only the clinician makes a plan or a decision."""
    return item.segment.speaker != "patient" or says_any(item.segment.text, CLINICIAN_ONLY)


MEANING = re.compile(r"\bwhat(?: is|'s| s| are| does)\b")


def asks_own_or_meaning(before: str) -> bool:
    """Whether a patient's question, up to what it names, speaks of the speaker or the listener ("I", "my", "you") or
    asks what a word means ("What is ...?")."""
    return bool((LISTENERS_OWN | SPEAKERS_OWN) & set(normalise(before).split()) or MEANING.search(before.lower()))


def owned_by_patient(item: Placed) -> bool:
    """Whether the mention is named as the patient's own ("your" in the clinician's words, "my" in the patient's) or
    said had by them ("I know you had a stent placed")."""
    words = normalise(item.segment.text[:item.mention.start]).split()
    near = " ".join(words[-HAD_REACH - 1:])
    return bool(words) and words[-1] in OWNERS.get(item.segment.speaker, ()) \
        or any(re.search(rf"\b{re.escape(had)}\b", near) for had in HAD)


def planned(item: Placed) -> Placed | None:
    """Read a mention as a plan where the clinician makes one: tests proposed are orders, plans said plainly are
    placed today, and a decision about a drug says whether the patient takes it. The patient decides nothing
    ("I stopped it" is history, not an action). None: no finding ("on the last blood test": a panel with no
    result, not ordered; "your labs look good": a result of no named test; "I had a knee replacement": a past
    procedure, not an order)."""
    mention, assertion = item.mention, item.assertion
    attributes = dict(mention.attributes)
    conditional = attributes.pop("conditional", False)
    attributes.pop("circumstance", None)
    denied = attributes.pop("denied", False)
    if attributes.pop("relative_again", False) and item.segment.speaker == "patient" and mention.kind in NAMED_KINDS \
            and assertion in ("present", "possible", "absent"):
        # "I have one sister. She has diabetes.": the relative spoken of again; "She never had diabetes": the relative's
        # denied (the clinician's "she" is the patient's, in a dictation)
        if assertion == "absent":
            return None
        assertion = "family"
    if mention.kind in OPEN_KINDS and assertion == "family":
        assertion = "present"  # "I live with my brother and my mum": the patient's own situation
    if assertion == "family" and denied and mention.kind in NAMED_KINDS:
        return None  # "no family history of asthma", "my mum never had diabetes": as "Any asthma in the family?" "No."
    if mention.kind == "vital" and mention.value is not None:
        if assertion == "hypothetical" or conditional:
            return None  # "if your temperature goes above 38, call us": a threshold, no reading
        if assertion == "absent":
            assertion = "present"  # "no fever today, your temperature is 98.4": a number read is no denial
    impression = attributes.pop("impression", False)
    after = attributes.pop("after", None)
    asked = attributes.pop("asked", None)
    if asked and mention.kind == "order" and mention.in_question:
        # "Do you monitor your blood sugars at home?": the readings asked about, a result of the test, no order
        attributes.pop("order_type", None)
        mention = replace(mention, kind="lab", code=asked)
        attributes = fit("lab", attributes)
    safety_net: tuple[str, ...] = attributes.pop("safety_net", ())
    attributes.pop("concern", None)
    by_clinician = by_clinician_of(item)
    if attributes.pop("risk", False) and mention.kind in NAMED_KINDS and assertion == "hypothetical":
        return None  # "an increased risk of breast cancer", "to reduce your risk of stroke": not the patient's
    attributive = attributes.pop("attributive", False)
    if attributive and mention.kind in NAMED_KINDS:
        return None  # "moved to the covid ward", "since the covid pandemic": the place or the time, no problem
    if attributes.pop("others", False) and mention.kind in OTHERS_KINDS:
        # "results to patients with covid", "anyone else with diarrhoea?": other people's, whatever the answer; "some
        # people find melatonin helps": a drug explained, no one's
        return None
    option = attributes.pop("option", False)
    if option and mention.kind in NAMED_KINDS and assertion == "hypothetical" and not conditional:
        # "it might be something called Bell's palsy": a diagnosis named, not a plan; "it doesn't look like something
        # called gout": named and denied
        assertion = "absent" if denied else "possible"
    if impression and assertion == "possible" and (mention.value is not None or "interpretation" in attributes):
        assertion = "present"  # "it looks like your a1c has been a little high at 8", "... your kidney function is
        # also very good": the result is said
    if mention.kind in RESULT_KINDS and assertion == "absent" and attributes.get("interpretation") == "normal":
        assertion = "present"  # "your strep test was negative": the result read, no test denied
    if impression and by_clinician and mention.kind == "condition" and assertion == "possible":
        assertion = "present"  # "I think you have a knee sprain": the clinician's assessment
    # "Do you check your blood sugars at home?", "Did you get your flu shot?": a question asks, it orders nothing
    cued = attributes.pop("ordered", False)
    ordered = cued and not mention.in_question
    # "if you want, we can look at your x-rays": a result looked at, never an order, whatever is said around it
    reviewed = attributes.pop("reviewed", False)
    if attributes.pop("deferred", False) and mention.value is None and "interpretation" not in attributes:
        # "we'll hold off on the MRI for now", "I'm not going to order an x-ray", the patient's "I'd rather hold off on
        # the scope": no order today
        return None
    if attributes.pop("continued", False) and mention.kind == "order":
        return None  # "I would just continue with the exercises": the patient's own therapy, no order today
    # "maybe an echocardiogram", "maybe a blood test": a test the clinician says in doubt, with nothing read from it,
    # is a test considered, not a result; an impression is no doubt about a test ("I think this is low calcium
    # after the surgery")
    untold = mention.value is None and "interpretation" not in attributes
    considered = assertion == "possible" and untold and not mention.in_question and not impression \
        and mention.kind in {*ORDERABLE, "order"}
    proposed = by_clinician and not item.in_past and not reviewed and (ordered or assertion == "hypothetical"
                                                                       or considered)
    if attributive and mention.kind in ORDERABLE and not (proposed and ordered):
        return None  # "an outpatient MRI facility downstairs": a place, no study done nor ordered
    if mention.kind in ORDERABLE and cued and mention.in_question and not by_clinician and mention.value is None \
            and "interpretation" not in attributes:
        return None  # "when am I going to get my MRI?": the patient asks about a test to come, no result
    owned = mention.kind == "order" and after is not None and owned_by_patient(item)
    if mention.kind == "order" and after and (item.in_past or not by_clinician or owned) and not proposed \
            and (owned or not mention.in_question) and assertion == "present":
        # "I had my appendix out when I was 18", "how is your knee replacement doing?": surgical history, the state
        # after the procedure, not an order
        mention = replace(mention, kind="condition")
        attributes = fit("condition", attributes | {"icd10": after})  # keeps the place and side said with it
    if mention.kind in ORDERABLE and proposed and mention.value is None and "interpretation" not in attributes:
        # "we'll get an MRI"; "if it gets worse we'll get an MRI" too, an order not placed yet (hypothetical)
        attributes["order_type"] = ORDERABLE[mention.kind]
        mention = replace(mention, kind="order")
        attributes = fit("order", attributes)
    elif mention.kind == "order" and not proposed:
        return None
    elif mention.kind == "lab" and attributes.get("panel") and mention.value is None \
            and "interpretation" not in attributes:
        return None
    elif mention.kind == "lab" and attributes.get("unnamed"):
        return None  # "your labs here all look good": which test is unsaid
    elif mention.kind in ORDERABLE and assertion == "absent" and mention.value is None \
            and "interpretation" not in attributes:
        return None  # "You don't have a peak flow meter with you?" "No.": no study done, no result
    attributes.pop("panel", None)
    attributes.pop("unnamed", None)
    if mention.kind in PLAN_KINDS and assertion in ("hypothetical", "present") \
            and (not conditional or mention.kind in SAFETY_NET_KINDS and by_clinician):
        assertion = "present"
    if mention.kind == "order" and option and by_clinician and assertion == "present" and not mention.in_question:
        assertion = "hypothetical"  # "one option is a cortisone shot", "we can consider an injection": not decided
    if mention.kind == "order" and proposed and assertion == "possible":
        # "we can possibly do an MRI": a plan in doubt is not placed yet; "I think we should get an x-ray" is
        assertion = "present" if impression else "hypothetical"
    if mention.kind == "medication" and conditional and not by_clinician and not mention.in_question \
            and assertion == "hypothetical" and attributes.get("action") == "start":
        # "if I get a headache, I take paracetamol": what the patient takes when it comes (a "take" said with it, where
        # "if my GP didn't call, they don't need to give me morphine" takes nothing)
        assertion = "present"
    if mention.kind == "medication" and item.in_past and not conditional and assertion == "hypothetical" \
            and attributes.get("action") == "start":
        # "we put you on the prozac last year": started before today, so taken, no decision of today's
        assertion = "present"
        del attributes["action"]
    if mention.kind == "medication" and option and by_clinician and assertion == "hypothetical" \
            and not mention.in_question:
        attributes.setdefault("action", "consider")  # "one option would be amitriptyline": put forward, not decided
    if mention.kind == "medication" and "action" in attributes:
        if not by_clinician or mention.in_question \
                or conditional and attributes["action"] in LATER_ACTIONS and assertion == "hypothetical":
            # "if you notice black stools, we'll stop the aspirin": a decision for later, none of today's
            del attributes["action"]
        elif attributes["action"] in TAKEN_ACTIONS and assertion in ("absent", "hypothetical", "possible"):
            assertion = "present"
        elif attributes["action"] in PROPOSED_ACTIONS and assertion == "present" \
                or attributes["action"] == "decline" and assertion == "absent":  # "try not to take any ibuprofen"
            assertion = "hypothetical"
    if mention.kind in PLAN_KINDS and assertion not in ("present", "hypothetical"):
        return None  # "we don't need x-rays", "my mum had an injection", "I hope it doesn't come back": nothing planned
    if mention.kind == "order" and safety_net and (conditional or says_any(item.segment.text, safety_net)):
        return None  # "if it gets any worse, go straight to A&E": the safety net, advice for later, no order
    if mention.kind == "allergy" and mention.code in GENERIC_ALLERGY and assertion in ("present", "possible"):
        return None  # "he's allergic", "a quite severe allergy it seems": the allergen said with it is the finding
    if assertion == item.assertion and mention is item.mention and attributes == mention.attributes:
        return item
    return replace(item, mention=replace(mention, attributes=attributes), assertion=assertion)
