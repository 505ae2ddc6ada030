"""Where a symptom is felt, or a problem, image or order is: site (calf, thigh, ...), laterality (left, right,
bilateral) and frequency."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.extensions import MODIFIERS, TARGETS, details, register
from nlp.components.spans import distance, within
from nlp.lexicon import CORRECTION, FREQUENCY, LATERALITY, SITE

SYMPTOM = "symptom"
CONDITION = "condition"
# Findings said of a place: a symptom, an exam finding ("tenderness of the right knee"), an image or an order
# of it ("an x-ray of your foot"), and a problem of a place ("a sprain of the left knee": `placed`, or its own
# `site` in the general pack's problems).
PLACED_KINDS = frozenset({SYMPTOM, "exam", "imaging", "order", CONDITION})
# ... of which these have a side only with their place, one of a side ("an x-ray of the right knee"; "a CT of the
# abdomen" said beside left-sided pain has none: the site's `midline`)
SIDED_BY_SITE = frozenset({"imaging", "order", CONDITION})
_POINTING_BACK = {"they", "it", "these", "this", "that", "those"}
MEDICATION = "medication"
SIDE_GAP = 2  # words at most between a side and its site ("left lower leg")

# places() / place_said: the side a speaker denies ("not the right knee"), which a reply corrects
DENIED_SIDE = "denied_laterality"
DENIAL_WORDS = 2  # "not the right", "isn't my left": the negation this close before the side
FREQUENCY_GAP = 12  # words at most between a symptom and the frequency said of it ("cramps ... three times a week")
# A pain said of two places joined by a list word ("pain in my knee and hip", "lower back and neck pain", "my back and
# neck hurt") is a pain of each; these are the only words between them (the side beside the second place is its own).
PAIN_CODE = "pain"
PAIN_CODES = frozenset({PAIN_CODE, "ache"})  # said without a place: named by it (symptoms.yaml `by_site`)
ALSO_SITES = "also_sites"  # the other places of one pain, each a pain of its own (nlp.pipeline.mentions)
LIST_WORDS = frozenset({"and", "or", ","})
BETWEEN_PLACES = LIST_WORDS | {"my", "the", "his", "her", "your", "their", "both", "also", "in", "left", "right", "a",
                               "bit", "of", "up", "into"}
# ... and a place that opens a statement of its own is no place of the pain: "pain in my knee and my hip is swollen"
STATED_AFTER = frozenset({"is", "are", "was", "were", "has", "have", "had", "feels", "feel", "felt", "looks", "seems",
                          "gets", "got", "'s", "swells", "swelled", "is n't", "does", "did"})


@Language.factory("soapscribe_sites", default_config={"site_gap": SIDE_GAP})
def make_site_attacher(nlp: Language, name: str, site_gap: int) -> SiteAttacher:
    register()
    return SiteAttacher(site_gap)


class SiteAttacher:
    """Give each symptom, exam finding, image and order the site and laterality said in its sentence, nearest
    first.

    A specific site beats a generic one ("my legs ... mostly the left thigh" -> thigh). A bare
    laterality word whose pattern `needs_site` ("left", "right") counts only just before a site,
    so "that's right" is not a side. A frequency goes to a symptom when no drug shares the sentence.
    A correction later in the utterance ("No wait, it's the right leg") replaces the site and side said.
    """

    def __init__(self, site_gap: int) -> None:
        self.site_gap = site_gap

    def __call__(self, doc: Doc) -> Doc:
        modifiers = list(doc.spans[MODIFIERS])
        targets = list(doc.spans[TARGETS])
        for target in targets:
            if target.label_ not in PLACED_KINDS or target.label_ == CONDITION and not _of_a_place(target):
                continue  # hypertension is of no place and has no side
            sentence = target.sent
            corrected = within(modifiers, sentence.start, len(doc), CORRECTION)
            if corrected and (within(modifiers, corrected[-1].end, corrected[-1].sent.end, SITE)
                              or within(modifiers, corrected[-1].end, corrected[-1].sent.end, LATERALITY)):
                sentence = doc[corrected[-1].end:corrected[-1].sent.end]
            # A site inside another symptom's words is that symptom's ("sore throat", "my chest feels tight"):
            # the runny nose and the fever said beside them are not of the throat or the chest.
            placeless = bool(target._.pattern.attributes.get("placeless"))
            sites = [site for site in within(modifiers, sentence.start, sentence.end, SITE)
                     if not any(other is not target and other.start <= site.start and site.end <= other.end
                                for other in targets)
                     and not placeless]
            said = place_said(sites, within(modifiers, sentence.start, sentence.end, LATERALITY), self.site_gap,
                              target)
            if "site" in said and not target._.pattern.attributes.get("site"):  # a knee sprain stays the knee's
                details(target)["site"] = said["site"]
                if target.label_ == SYMPTOM and _a_pain(target._.pattern.code):
                    others = _listed_with(preferred_site(sites, target), sites)
                    if others:
                        details(target)[ALSO_SITES] = others
            if "laterality" in said and not target._.pattern.attributes.get("sideless") \
                    and (target.label_ not in SIDED_BY_SITE or _of_a_side(target, said, sites)):
                details(target)["laterality"] = said["laterality"]
            has_drug = any(t.label_ == MEDICATION and sentence.start <= t.start < sentence.end for t in targets)
            # near the symptom: an unpunctuated turn is one long "sentence", whose "three times a week" of the
            # physical therapy is not the wrist injury's
            frequency = [f for f in within(modifiers, sentence.start, sentence.end, FREQUENCY)
                         if SYMPTOM in f._.pattern.attributes.get("applies_to", ())
                         and min(abs(f.start - target.end), abs(target.start - f.end)) <= FREQUENCY_GAP]
            if frequency and not has_drug and target.label_ == SYMPTOM:
                details(target)["frequency"] = frequency[0]._.pattern.code
        self._carry_frequency(doc, modifiers, targets)
        return doc

    @staticmethod
    def _carry_frequency(doc: Doc, modifiers: list[Span], targets: list[Span]) -> None:
        """"I get cramps in my calf. They wake me up three times a week.": a sentence that opens with a word
        pointing back and names no symptom or drug of its own gives its frequency to the last symptom before it
        (a timing such as "wake me up" may be there: it says when, not what)."""
        sentences = list(doc.sents)
        for previous, sentence in zip(sentences, sentences[1:]):
            if sentence[0].lower_ not in _POINTING_BACK or any(
                    t.label_ in (SYMPTOM, MEDICATION) and sentence.start <= t.start < sentence.end for t in targets):
                continue
            frequency = [f for f in within(modifiers, sentence.start, sentence.end, FREQUENCY)
                         if SYMPTOM in f._.pattern.attributes.get("applies_to", ())]
            symptoms = [t for t in targets if t.label_ == SYMPTOM and previous.start <= t.start < previous.end]
            if frequency and symptoms and "frequency" not in details(symptoms[-1]):
                details(symptoms[-1])["frequency"] = frequency[0]._.pattern.code


def _a_pain(code: str) -> bool:
    """A pain of a place or of none yet ("knee_pain", "pain"): said of two places, it is the pain of each."""
    return code in PAIN_CODES or code.endswith("_" + PAIN_CODE)


def _listed_with(site: Span, sites: list[Span]) -> list[str]:
    """The codes of the other places listed with `site` ("my knee and hip", "lower back and neck"), either side of it:
    only list words, possessives and sides between, and the later place opening no statement of its own."""
    doc = site.doc
    chain = [site]
    for later in sorted((s for s in sites if s.start >= site.end), key=lambda s: s.start):
        if _joins(doc[chain[-1].end:later.start]) and not (later.end < len(doc) and doc[later.end].lower_ in STATED_AFTER):
            chain.append(later)
        else:
            break
    first = site
    for earlier in sorted((s for s in sites if s.end <= site.start), key=lambda s: -s.start):
        if _joins(doc[earlier.end:first.start]):
            chain.append(earlier)
            first = earlier
        else:
            break
    codes = []
    for other in chain[1:]:
        code = other._.pattern.code
        if code != site._.pattern.code and code not in codes:
            codes.append(code)
    return codes


def _joins(between: Span) -> bool:
    """Whether the words between two places list them: a list word, and nothing but the words of a list."""
    words = [token.lower_ for token in between]
    return any(word in LIST_WORDS for word in words) and all(word in BETWEEN_PLACES for word in words)


def _of_a_place(target: Span) -> bool:
    """A problem of one place (its `site`: a knee sprain) or of the place said with it (`placed`: a fracture)."""
    attributes = target._.pattern.attributes
    return bool(attributes.get("site") or attributes.get("placed"))


def _of_a_side(target: Span, said: dict[str, str], sites: list[Span]) -> bool:
    """Whether the place of an image, order or problem has sides: its own (a knee sprain's) or the one said with it,
    not of the middle of the body."""
    site = target._.pattern.attributes.get("site") or said.get("site")
    return site is not None and not any(s._.pattern.code == site and s._.pattern.attributes.get("midline") for s in sites)


def place_said(sites: list[Span], sides: Iterable[Span], gap: int, target: Span | None = None) -> dict[str, str]:
    """The site and laterality said among `sites` and `sides` (each in text order), as codes: those nearest to
    `target`, or for an utterance with no symptom of its own (`target` None) the preferred site and the first side.
    A side said only to be denied ("not the right knee") is no side said; it is given as `DENIED_SIDE`.

    One reading for a symptom's sentence (the SiteAttacher) and for a reply that names only a place
    (nlp.pipeline.places: "Yes, both calves.").
    """
    found: dict[str, str] = {}
    site = preferred_site(sites, target) if sites else None
    if site is not None:
        found["site"] = site._.pattern.code
    said = [side for side in sides if says_side(side, sites, gap) and of_the_site(side, site)]
    denied = [side for side in said if _denied(side)]
    said = [side for side in said if side not in denied]
    if denied:
        found[DENIED_SIDE] = denied[0]._.pattern.code  # "it's not the right knee, it's the left"
    if said:
        found["laterality"] = min(said, key=lambda s: distance(target, s) if target is not None else s.start)._.pattern.code
    return found


def of_the_site(side: Span, site: Span | None) -> bool:
    """Whether a side said by the words of a site (`of_site`: "your lower extremities", both legs) is that of the site
    given: not of a finding placed elsewhere in the sentence ("crackles at the bases, and your lower extremities have
    edema": the crackles are not of both sides)."""
    if not side._.pattern.attributes.get("of_site"):
        return True
    return site is not None and site.start <= side.start and side.end <= site.end


def _denied(side: Span) -> bool:
    """A side said only to be denied: "not the right knee", "isn't my left"."""
    before = [token.lower_ for token in side.doc[max(0, side.start - DENIAL_WORDS):side.start]]
    return any(word in ("not", "n't") for word in before)


def preferred_site(sites: list[Span], target: Span | None = None) -> Span:
    """The site meant: a specific one before a generic one ("my legs ... the left thigh" -> thigh), then the
    nearest to the target, or the first said when there is none."""
    return min(sites, key=lambda s: (bool(s._.pattern.attributes.get("generic")),
                                     distance(target, s) if target is not None else s.start))


def says_side(side: Span, sites: list[Span], gap: int) -> bool:
    """Whether a laterality word says a side: one that `needs_site` ("left", "right") only just before a site,
    with no punctuation between ("left calf", "right lower leg"; not "that's right")."""
    if not side._.pattern.attributes.get("needs_site"):
        return True
    for site in within(sites, side.end, side.end + gap + 1):
        if not any(token.is_punct for token in side.doc[side.end:site.start]):
            return True
    return False
