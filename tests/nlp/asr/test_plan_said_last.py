"""Rendered consultations whose last sentences are the plan: no speech is lost under any vocabulary setting,
and the note quotes whole sentences (issue 17). Real espeak-ng audio, real tiny.en, no mocks."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer
import numpy as np
import pytest

from knowledge.note import Note
from nlp.asr.base import AsrBackend, DecodeOptions
from nlp.asr.coverage import skipped, speech_spans
from nlp.asr.sentences import PAUSE_SECONDS, ends_sentence
from nlp.asr.windows import transcribe_windows
from nlp.audio import AudioWindow, decode, decode_windows
from nlp.transcript_io import parse_text
from nlp.types import Findings, Segment, Transcript
from service.scribe import Scribe
from service.settings import Settings
from tests.conftest import ROOT, Models

PLANS = ROOT / "tests" / "data" / "plan_consultations"
NAMES = sorted(path.stem for path in PLANS.glob("*.txt"))
# The renderer's default speed: at it tiny.en with hotwords stacked the plan of furosemide_recheck_plan on the
# end of a 30 s chunk and skipped the first 20 s of statin_stretch_plan.
SPEED = 160
VOCABULARY = {"hotwords": dict(prompt=False, hotwords=True), "prompt": dict(prompt=True, hotwords=False),
              "both": dict(prompt=True, hotwords=True)}
# Letters of the script heard (right or misheard), against recognition without a vocabulary. The target for
# the default (hotwords) is 0.98 of the words (benchmarks.speech_coverage measures it); the test leaves slack because
# a re-recognised stretch Whisper finds hard is decoded again with temperature fallback, which samples: one run in
# five heard 84 words of statin_stretch_plan against 86. With the prompt Whisper also mishears a greeting as fewer
# words ("Don't have to do it"): 305 letters of omeprazole_switch_plan against 317 with both (ctranslate2 4.8.5).
SHARE_HEARD = {"hotwords": 0.97, "prompt": 0.95, "both": 0.95}


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The plan consultations spoken by espeak-ng, rendered once for the module."""
    from scripts.render_consultation import render

    out = tmp_path_factory.mktemp("plans")
    audio = {}
    for name in NAMES:
        audio[name] = out / f"{name}.wav"
        render((PLANS / f"{name}.txt").read_text(encoding="utf-8"), audio[name], speed=SPEED)
    return audio


@pytest.fixture(scope="module")
def tiny(model_cache: Path, models: Models) -> AsrBackend:
    return models.backends.get("faster-whisper", "tiny.en", model_cache)


@pytest.fixture(scope="module")
def scribe(model_cache: Path, tmp_path_factory: pytest.TempPathFactory, models: Models) -> Scribe:
    return models.scribe(Settings(data_dir=tmp_path_factory.mktemp("data"), models_dir=model_cache))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", text.lower())).strip()


def heard(segments: list[Segment], script: str) -> int:
    """Letters of the script the transcript has a letter for, right or misheard (not deleted in the alignment).
    Letters, not words: words heard run together ("crampatite" for "cramp at night", "Longus" for "long use of")
    are speech heard, which a word alignment counts as lost."""
    said = normalise(" ".join(segment.text for segment in parse_text(script).segments)).replace(" ", "")
    aligned = jiwer.process_characters(said, normalise(" ".join(s.text for s in segments)).replace(" ", ""))
    return aligned.hits + aligned.substitutions


def recognise(engine: AsrBackend, audio: np.ndarray, options: DecodeOptions) -> list[Segment]:
    return list(transcribe_windows(engine, [AudioWindow(offset=0.0, samples=audio[np.newaxis, :])], options))


@pytest.fixture(scope="module")
def unbiased(plans: dict[str, Path], tiny: AsrBackend) -> dict[str, list[Segment]]:
    return {name: recognise(tiny, decode(path), DecodeOptions()) for name, path in plans.items()}


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARY))
@pytest.mark.parametrize("name", NAMES)
def test_the_plan_said_last_is_recognised_under_every_vocabulary_setting(
        name: str, vocabulary: str, plans: dict[str, Path], tiny: AsrBackend, scribe: Scribe,
        unbiased: dict[str, list[Segment]]) -> None:
    audio = decode(plans[name])
    script = (PLANS / f"{name}.txt").read_text(encoding="utf-8")
    segments = recognise(tiny, audio, scribe.decode_options(**VOCABULARY[vocabulary]))

    assert skipped(speech_spans(audio), segments) == []  # no detected speech of 2 s or more without a word
    assert heard(segments, script) >= SHARE_HEARD[vocabulary] * heard(unbiased[name], script)
    last_words = normalise(script.splitlines()[-1]).split()[-4:]  # "calves before bed", "you go to sleep"
    transcript = normalise(" ".join(segment.text for segment in segments))
    assert sum(word in transcript.split() for word in last_words) >= 3, transcript
    assert [segment.start for segment in segments] == sorted(segment.start for segment in segments)


def test_speech_at_the_end_of_a_window_is_recognised(tiny: AsrBackend, scribe: Scribe, tmp_path: Path) -> None:
    """Two plan consultations one after the other (about 70 s), recognised in 60 s windows as the service does:
    the first window ends inside the second consultation, the second at the end of the recording."""
    from scripts.render_consultation import render

    script = "\n".join((PLANS / f"{name}.txt").read_text(encoding="utf-8")
                       for name in ("furosemide_recheck_plan", "statin_stretch_plan"))
    render(script, tmp_path / "two.wav", speed=SPEED)
    windows = list(decode_windows(tmp_path / "two.wav", 60.0))
    assert len(windows) == 2
    segments = list(transcribe_windows(tiny, windows, scribe.decode_options()))

    assert skipped(speech_spans(decode(tmp_path / "two.wav")), segments) == []
    transcript = normalise(" ".join(segment.text for segment in segments))
    assert "electrolytes" in transcript and "before you go to sleep" in transcript
    assert heard(segments, script) >= 0.98 * heard(recognise(tiny, decode(tmp_path / "two.wav"), DecodeOptions()),
                                                   script)


@pytest.fixture(scope="module")
def drafted(plans: dict[str, Path], scribe: Scribe) -> dict[str, tuple[Transcript, Findings, Note]]:
    """Each plan consultation as the service turns a recording into a note: transcript, findings, note."""
    out = {}
    for name, path in plans.items():
        transcript = scribe.transcribe(path)
        findings = scribe.extract(transcript)
        out[name] = (transcript, findings, scribe.draft(transcript, findings))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_no_transcript_segment_stops_inside_a_sentence_its_speaker_goes_on_with(
        name: str, drafted: dict[str, tuple[Transcript, Findings, Note]]) -> None:
    transcript = drafted[name][0]
    assert [segment.text for segment in transcript.segments
            if fragment_of_a_longer_sentence(transcript, segment.id)] == []


@pytest.mark.parametrize("name", NAMES)
def test_no_note_sentence_or_quote_is_a_fragment_of_a_longer_sentence(
        name: str, drafted: dict[str, tuple[Transcript, Findings, Note]]) -> None:
    transcript, findings, note = drafted[name]
    quoted = {evidence.segment for section in note.sections for sentence in section.sentences
              for evidence in sentence.evidence}
    quoted |= {evidence.segment for finding in findings.findings for evidence in finding.evidence}
    assert quoted
    assert sorted(segment for segment in quoted if fragment_of_a_longer_sentence(transcript, segment)) == []
    texts = {segment.id: segment.text for segment in transcript.segments}
    for finding in findings.findings:
        for evidence in finding.evidence:  # evidence spans stay exact after joining
            assert texts[evidence.segment][evidence.start:evidence.end] == evidence.text


def test_a_plan_sentence_cut_by_the_recogniser_is_quoted_whole(
        drafted: dict[str, tuple[Transcript, Findings, Note]]) -> None:
    transcript = drafted["omeprazole_switch_plan"][0]
    consider = [segment.text for segment in transcript.segments if "consider" in segment.text.lower()]
    assert consider and all("switch" in text.lower() for text in consider), consider


def fragment_of_a_longer_sentence(transcript: Transcript, segment_id: int) -> bool:
    """Whether the segment stops inside a sentence its speaker goes on with: no sentence end, and the same
    speaker's next segment follows within the pause that ends an utterance."""
    by_id = {segment.id: index for index, segment in enumerate(transcript.segments)}
    index = by_id[segment_id]
    segment = transcript.segments[index]
    if ends_sentence(segment.text) or index + 1 == len(transcript.segments):
        return False
    after = transcript.segments[index + 1]
    return (after.speaker, after.voice) == (segment.speaker, segment.voice) and bool(segment.words) \
        and bool(after.words) and after.words[0].start - segment.words[-1].end < PAUSE_SECONDS
