"""Which voice is the clinician and which the patient, from what each says; a caller may say it instead.

A clinician asks (questions), addresses the patient ("you", "your"), plans and instructs ("I will",
"we could", "keep taking") and names more of the topic's vocabulary; a patient talks about themselves
("I", "my"). Each voice gets a clinician score from the rates of these cues; the highest is the
clinician; the voice that answers the clinician's questions most often is the patient; anyone else
is "other".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from nlp.types import Role, Segment, SpeakerRole, Transcript

QUESTION_OPENERS = {"what", "how", "when", "where", "which", "why", "who", "do", "does", "did", "are", "is",
                    "have", "has", "any", "can", "could", "would", "tell"}
SECOND_PERSON = {"you", "your", "you're", "yours", "yourself", "you've", "you'll"}
FIRST_PERSON = {"i", "my", "me", "i'm", "mine", "myself", "i've"}
THIRD_PERSON = {"she", "her", "he", "his", "him", "mum", "mom", "dad", "mother", "father"}
INSTRUCTIONS = ("i will", "i'll", "we will", "we'll", "we could", "let's", "let us", "i recommend", "i'd like",
                "i would like", "please", "keep taking", "stop taking", "i suggest", "we should", "you should")
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class VoiceCues:
    """What one voice said, counted for the role decision."""

    words: int
    sentences: int
    questions: int
    second_person: int
    first_person: int
    third_person: int
    instructions: int
    vocabulary: int
    spoke_first: bool

    @property
    def clinician_score(self) -> float:
        per_word = max(self.words, 1)
        per_sentence = max(self.sentences, 1)
        return (2.0 * self.questions / per_sentence + 1.5 * self.instructions / per_sentence
                + 10.0 * (self.second_person - self.first_person) / per_word + 10.0 * self.vocabulary / per_word
                + (0.3 if self.spoke_first else 0.0))

    @property
    def patient_score(self) -> float:
        return (self.first_person - self.third_person - self.second_person) / max(self.words, 1)


def voice_cues(segments: Sequence[Segment], vocabulary: Iterable[str] = ()) -> dict[str, VoiceCues]:
    """The cues of every voice in the segments (segments without a voice are not counted)."""
    terms = {term.lower() for term in vocabulary}
    sentences: dict[str, list[str]] = {}
    for segment in segments:
        if segment.voice is not None:
            parts = [part.strip() for part in re.split(r"(?<=[.?!])\s+", segment.text) if part.strip()]
            sentences.setdefault(segment.voice, []).extend(parts)
    first = next((segment.voice for segment in segments if segment.voice is not None), None)
    cues = {}
    for voice, said in sentences.items():
        words = [word for sentence in said for word in _WORD.findall(sentence.lower())]
        text = " ".join(words)
        cues[voice] = VoiceCues(
            words=len(words), sentences=len(said),
            questions=sum(1 for s in said if s.endswith("?") or (_first_word(s) in QUESTION_OPENERS)),
            second_person=sum(1 for w in words if w in SECOND_PERSON),
            first_person=sum(1 for w in words if w in FIRST_PERSON),
            third_person=sum(1 for w in words if w in THIRD_PERSON),
            instructions=sum(len(re.findall(rf"\b{re.escape(phrase)}\b", text)) for phrase in INSTRUCTIONS),
            vocabulary=sum(1 for w in words if w in terms),
            spoke_first=voice == first)
    return cues


def decide_roles(segments: Sequence[Segment], cues: Mapping[str, VoiceCues]) -> dict[str, Role]:
    """The clinician is the voice with the highest clinician score; the patient is who answers the
    clinician's questions most often (then the most self-referring); anyone else is "other"."""
    roles: dict[str, Role] = {voice: "other" for voice in cues}
    if not cues:
        return roles
    clinician = max(cues, key=lambda voice: cues[voice].clinician_score)
    roles[clinician] = "clinician"
    rest = [voice for voice in cues if voice != clinician]
    if rest:
        answers = answers_to(segments, clinician)
        roles[max(rest, key=lambda voice: (answers.get(voice, 0), cues[voice].patient_score))] = "patient"
    return roles


def answers_to(segments: Sequence[Segment], asker: str) -> dict[str, int]:
    """How many times each other voice spoke right after `asker` ended a turn with a question."""
    counts: dict[str, int] = {}
    turns = [(segment.voice, segment.text) for segment in segments if segment.voice is not None]
    for (before, said), (after, _) in zip(turns, turns[1:]):
        if before == asker and after != asker and said.rstrip().endswith("?"):
            counts[after] = counts.get(after, 0) + 1
    return counts


def merge_roles(inferred: Mapping[str, Role], given: Mapping[str, Role]) -> dict[str, Role]:
    """`inferred` roles overridden by the caller's `given` ones, without two clinicians by accident.

    A voice the caller did not name keeps its inferred role unless the caller gave that role (clinician or
    patient) to another voice: it then takes the first of clinician, patient that no voice holds, else
    "other". So {"S2": "clinician"} on an inferred {S1: clinician, S2: patient} swaps the two.
    """
    roles: dict[str, Role] = dict(inferred) | dict(given)
    for voice, role in inferred.items():
        if voice in given or role == "other":
            continue
        if any(v != voice and given_role == role for v, given_role in given.items()):
            held = {r for v, r in roles.items() if v != voice}
            roles[voice] = next((free for free in ("clinician", "patient") if free not in held), "other")
    return roles


def speaker_roles(segments: Sequence[Segment], given: Mapping[str, Role] = {}) -> list[SpeakerRole]:  # noqa: B006
    """One entry per voice, in order of first speaking: its role in the segments and who decided it."""
    seen: dict[str, Role] = {}
    for segment in segments:
        if segment.voice is not None and segment.voice not in seen:
            seen[segment.voice] = segment.speaker
    return [SpeakerRole(voice=voice, role=role, source="caller" if voice in given else "inferred")
            for voice, role in seen.items()]


def assign_roles(transcript: Transcript, speakers: Mapping[str, Role]) -> Transcript:
    """The transcript with the caller's roles (voice -> role) for the voices it names.

    How a caller says or corrects who is who: `{"S2": "clinician", "S1": "patient"}`, or for a stereo
    recording `{"ch1": "clinician", "ch2": "patient"}`. Voices not named keep their role (see
    `merge_roles`); roles the caller gave earlier stay the caller's. A voice the transcript does not
    have, or a transcript without diarized voices, is a ValueError naming the problem.
    """
    voices = {segment.voice for segment in transcript.segments if segment.voice is not None}
    if not voices:
        raise ValueError("the transcript has no diarized voices (a text transcript names its speakers in its "
                         "lines); there is nothing to assign roles to")
    unknown = sorted(set(speakers) - voices)
    if unknown:
        raise ValueError(f"no voice {', '.join(unknown)} in this transcript; its voices are "
                         f"{', '.join(sorted(voices))}")
    given = {entry.voice: entry.role for entry in transcript.speakers if entry.source == "caller"} | dict(speakers)
    current: dict[str, Role] = {}
    for segment in transcript.segments:
        if segment.voice is not None:
            current.setdefault(segment.voice, segment.speaker)
    roles = merge_roles({voice: role for voice, role in current.items() if voice not in given}, given)
    segments = [segment.model_copy(update={"speaker": roles[segment.voice]}) if segment.voice in roles else segment
                for segment in transcript.segments]
    return transcript.model_copy(update={"segments": segments, "speakers": speaker_roles(segments, given)})


def _first_word(sentence: str) -> str:
    found = _WORD.search(sentence.lower())
    return found.group(0) if found else ""
