"""A consultation's vocabulary checked against the audio (nlp/asr/rescore.py): drug names tiny.en heard as words too
far from them to be corrected by their letters are written when Whisper, reading the audio again, finds them
likelier; sound-alike drugs nobody said are not (issue 17; benchmarks.vocabulary_recall measures it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.asr.correct import Corrector
from nlp.asr.faster_whisper import MAX_PROMPT_TOKENS, FasterWhisperBackend
from nlp.asr.rescore import MAX_PROMPT_CHARS, candidates, missing_terms, prompt_terms, runs
from nlp.audio import decode
from nlp.types import Segment, Word
from scripts.render_consultation import render
from service.scribe import Scribe
from service.settings import Settings
from tests.conftest import Models

GOLD = Path(__file__).resolve().parents[2] / "gold"
CHART = ["bendroflumethiazide", "simvastatin", "omeprazole", "magnesium"]


def heard(*words: tuple[str, float]) -> Segment:
    """A segment of the words Whisper wrote, with the probability it gave each."""
    spoken = [Word(w=text, start=index * 0.4, end=index * 0.4 + 0.3, p=p) for index, (text, p) in enumerate(words)]
    return Segment(id=0, text=" ".join(word.w for word in spoken), start=0.0, end=len(words) * 0.4, words=spoken)


# What tiny.en wrote (hotwords, espeak-ng at 160 words a minute) for "Bendroflumethiazide 2.5 mg, simvastatin
# 40 mg and omeprazole 20 mg." in tests/gold/long_mixed_visit.txt.
TABLETS = heard(("Mende", 0.18), ("with", 0.89), ("Lumithy,", 0.37), ("I", 0.75), ("like", 0.59), ("2", 0.43),
                (".5", 0.99), ("mg,", 0.17), ("sin", 0.09), ("must", 0.70), ("have", 0.49), ("been", 0.89),
                ("for", 0.90), ("the", 0.92), ("mg,", 0.78), ("and", 0.96), ("don't", 0.91), ("preload", 0.19),
                ("2070.", 0.07))


@pytest.fixture(scope="module")
def corrector(tmp_path_factory: pytest.TempPathFactory, models: Models) -> Corrector:
    return models.scribe(Settings(data_dir=tmp_path_factory.mktemp("var"))).corrector()


def test_only_the_vocabulary_terms_no_word_names_are_looked_for() -> None:
    segment = heard(("Your", 0.95), ("magnesium", 0.75), ("is", 1.0), ("low.", 0.98))
    chart = ["magnesium", "Simvastatin", "vitamin d", "iron", "mefenamic acid", "B12"]
    assert missing_terms([segment], chart) == ["Simvastatin", "vitamin d", "mefenamic acid"]  # 'iron': under 5 letters
    vitamin = heard(("and", 0.9), ("vitamin", 0.8), ("D.", 0.6))
    assert missing_terms([segment, vitamin], chart) == ["Simvastatin", "mefenamic acid"]


def test_the_runs_that_may_be_a_term_are_unsure_words_without_numbers_or_drug_names(corrector: Corrector) -> None:
    found = candidates(runs([TABLETS], corrector), "simvastatin")
    spans = [" ".join(word.w for word in TABLETS.words[c.first:c.last + 1]) for c in found]
    assert "sin must have been" in spans, spans
    assert not any(any(ch.isdigit() for ch in run) for run in spans), spans
    assert [c.distance for c in found] == sorted(c.distance for c in found)
    drug = heard(("I", 1.0), ("take", 0.99), ("simvastatin", 0.3), ("daily.", 0.4))
    assert [c for c in candidates(runs([drug], corrector), "sumatriptan") if c.first <= 2 <= c.last] == []
    sure = heard(("sin", 0.9), ("must", 0.95), ("have", 0.9), ("been", 0.99))
    assert candidates(runs([sure], corrector), "simvastatin") == []


def test_the_terms_looked_for_are_those_the_prompt_holds_the_first_given_first() -> None:
    clinic = [f"brand{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(200)]
    listed = prompt_terms(["simvastatin", "Simvastatin", "simvastatin", *clinic])
    assert listed[:2] == ["simvastatin", "Simvastatin"] and len(listed) < 80
    assert len(", ".join(listed)) <= MAX_PROMPT_CHARS


@pytest.fixture(scope="module")
def tablets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/gold/long_mixed_visit.txt spoken by espeak-ng at 160 words a minute, 50 s."""
    out = tmp_path_factory.mktemp("rescore") / "long_mixed_visit.wav"
    render((GOLD / "long_mixed_visit.txt").read_text(encoding="utf-8"), out, speed=160, engine="espeak")
    return out


@pytest.fixture(scope="module")
def scribes(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, models: Models) -> dict[bool, Scribe]:
    """The default Scribe, and one that does not check the vocabulary against the audio."""
    return {on: models.scribe(Settings(data_dir=tmp_path_factory.mktemp("var"), models_dir=model_cache,
                                       asr_vocabulary_rescoring=on)) for on in (True, False)}


def words(scribe: Scribe, audio: Path, vocabulary: list[str]) -> list[Word]:
    return [word for segment in scribe.transcribe(audio, vocabulary=vocabulary).segments for word in segment.words]


@pytest.mark.audio
def test_chart_drugs_heard_as_other_words_are_written_where_the_audio_says_them(scribes: dict[bool, Scribe],
                                                                               tablets: Path) -> None:
    without = " ".join(word.w for word in words(scribes[False], tablets, CHART)).lower()
    assert "bendroflumethiazide" not in without and "simvastatin" not in without, without
    rescored = words(scribes[True], tablets, CHART)
    written = {word.w.strip(",.").lower(): word for word in rescored}
    # Which of the two tiny.en garbles past its letters depends on the decoder build: with ctranslate2 4.8.5
    # "sin must have been" became "since I'm starting" (simvastatin, +9.7 nats) and "Mende with Lumithy, I like"
    # "And with Lumithi, I'd like to point" (bendroflumethiazide +2.0, under the gate). At least one is written.
    found = [drug for drug in ("bendroflumethiazide", "simvastatin") if drug in written]
    assert found, list(written)
    for drug in found:
        assert written[drug].original and drug not in written[drug].original.lower()  # what Whisper wrote is kept
    assert [word.start for word in rescored] == sorted(word.start for word in rescored)


@pytest.mark.audio
def test_sound_alike_drugs_nobody_said_are_not_written(scribes: dict[bool, Scribe], tablets: Path) -> None:
    decoys = ["hydrochlorothiazide", "fluvastatin", "esomeprazole"]  # benchmarks.vocabulary_recall's decoys
    written = " ".join(word.w for word in words(scribes[True], tablets, decoys)).lower()
    assert not any(decoy in written for decoy in decoys), written


@pytest.fixture(scope="module")
def tablet_list(scribes: dict[bool, Scribe], tablets: Path) -> tuple[FasterWhisperBackend, np.ndarray]:
    """The default Scribe's faster-whisper engine, and the clip's 19.8-26.7 s: the patient's list of tablets."""
    engine = scribes[True].backend(None, None)
    assert isinstance(engine, FasterWhisperBackend)
    return engine, decode(tablets)[int(19.8 * 16_000):int(26.7 * 16_000)]


@pytest.mark.audio
def test_whisper_scores_the_drugs_said_above_the_words_it_wrote_for_them(
        tablet_list: tuple[FasterWhisperBackend, np.ndarray]) -> None:
    engine, piece = tablet_list
    prompt = ", ".join(CHART)
    script, named, garbled = engine.log_probabilities(piece, [
        (prompt, "Bendroflumethiazide 2.5 mg, simvastatin 40 mg, and omeprazole 20 mg."),
        (prompt, "Bendroflumethiazide 2.5 mg, simvastatin for the mg, and don't preload 2070."),
        (prompt, "Mende with Lumithy, I like 2.5 mg, sin must have been for the mg, and don't preload 2070.")])
    # Greedy decoding wrote the last; the words said, and the two drug names alone in place of the words written
    # for them, are far likelier for the same audio.
    assert script > named > garbled + 10


@pytest.mark.audio
def test_a_prompt_longer_than_whisper_reads_is_cut_to_its_last_tokens(
        tablet_list: tuple[FasterWhisperBackend, np.ndarray]) -> None:
    engine, piece = tablet_list
    text = "Bendroflumethiazide 2.5 mg, simvastatin for the mg, and don't preload 2070."
    long = ", ".join(["hydroxychloroquine"] * 200 + CHART)  # far over 223 tokens
    tokens = engine._tokenizer.encode(" " + long)[-MAX_PROMPT_TOKENS:]
    [cut, whole] = engine.log_probabilities(piece, [(engine._tokenizer.decode(tokens), text), (long, text)])
    assert whole == pytest.approx(cut, abs=0.5)
