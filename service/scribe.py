"""The pipeline's stages behind one object: the CLI and the job worker both call these.

A Scribe holds its models (Whisper, the voice encoder, spaCy's English words, the Extractor's pipeline); each is
loaded on first use, under a lock, so a server starts fast, and the process's one Scribe (the Runtime's) never
loads one twice. They are constructor arguments (providers called on first use), so tests and benchmarks hand
several Scribes the same loaded models.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

import numpy as np

from knowledge.base import KnowledgeBase
from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.errors import KnowledgeError
from knowledge.note import Note
from knowledge.render import NoteFormat, render
from knowledge.vocabulary import asr_prompt, vocabulary
from nlp.asr.base import AsrBackend, AsrProgress, DecodeOptions, for_one_recording
from nlp.asr.correct import Corrector, english_words
from nlp.asr.registry import BackendName, Backends
from nlp.asr.rescore import TextScorer, rescore
from nlp.asr.sentences import sentences
from nlp.asr.windows import transcribe_windows
from nlp.audio import decode_windows, duration_seconds, probe
from nlp.diarize.roles import speaker_roles
from nlp.diarize.speakers import diarize
from nlp.diarize.voices import ResemblyzerEncoder, VoiceEncoder
from nlp.transcript_io import parse
from nlp.types import Findings, Role, Transcript
from service.errors import BadInput, as_scribe_error
from service.settings import Settings
from service.vocabulary import recognition_text

TRANSCRIPT_SUFFIXES = {".txt", ".json"}

ProgressCallback = Callable[[AsrProgress], None]
T = TypeVar("T")


class StageTimes:
    """Seconds one `Scribe.transcribe` spent in each of its stages: decode, recognise (VAD included), correct,
    rescore (a consultation's vocabulary checked against the audio), diarize, sentences. Pass one to see where the
    time goes (benchmarks.pipeline)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def timed(self, name: str, items: Iterator[T]) -> Iterator[T]:
        """`items`, the time spent producing each counted as stage `name`."""
        while True:
            with self.stage(name):
                item = next(items, None)
            if item is None:
                return
            yield item


class Once(Generic[T]):
    """`load()` run on the first call only, under a lock; later calls return what it gave."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._value: T | None = None

    def __call__(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._load()
            return self._value


@dataclass(frozen=True)
class Drafted:
    """What `Scribe.write_note` gives: the findings, the note and the note rendered."""

    findings: Findings
    note: Note
    text: str


class Scribe:
    """`voice_encoder`, `extractor` and `english_words` are providers, called when the model is first needed
    (each at most once: the Scribe keeps what they give); `backends` keeps the Whisper models loaded. By default
    the Scribe loads its own: the settings' topic's Extractor, resemblyzer's encoder, spaCy's English words."""

    def __init__(self, settings: Settings, *, voice_encoder: Callable[[], VoiceEncoder] | None = None,
                 extractor: Callable[[], Extractor] | None = None,
                 english_words: Callable[[], frozenset[str]] = english_words,
                 backends: Backends | None = None) -> None:
        self.settings = settings
        self.voice_encoder = Once(voice_encoder or ResemblyzerEncoder)  # the speaker-embedding model
        self.backends = backends or Backends()
        self._extractor = Once(extractor or (lambda: Extractor(knowledge=self.knowledge())))
        self._english_words = english_words
        self._lock = threading.Lock()
        self._knowledge: KnowledgeBase | None = None
        self._prompt: str | None = None
        self._vocabulary: list[str] | None = None
        self._corrector: Corrector | None = None

    # -- speech ---------------------------------------------------------------------------

    def backend(self, name: BackendName | None = None, model: str | None = None) -> AsrBackend:
        return self.backends.get(name or self.settings.asr_backend, model or self.settings.asr_model,
                                 self.settings.model_cache_dir, compute_type=self.settings.asr_compute_type)

    def vocabulary_prompt(self) -> str:
        """A short list of the topic's terms that primes Whisper to spell them right."""
        if self._prompt is None:
            self._prompt = asr_prompt(self.settings.topic, root=self.settings.topics_dir)
        return self._prompt

    def vocabulary_hotwords(self) -> str:
        """The same terms as faster-whisper `hotwords`, which (unlike the initial prompt) every 30 s window reads."""
        return self.vocabulary_prompt()

    def decode_options(self, prompt: bool | None = None, hotwords: bool | None = None,
                       vocabulary: Sequence[str] = ()) -> DecodeOptions:
        """`vocabulary`: the consultation's own terms (clinic, upload, chart), given before the topic's."""
        use_prompt = self.settings.asr_vocabulary_prompt if prompt is None else prompt
        use_hotwords = self.settings.asr_vocabulary_hotwords if hotwords is None else hotwords
        return DecodeOptions(beam_size=self.settings.asr_beam_size,
                             initial_prompt=recognition_text(vocabulary, self.vocabulary_prompt()) if use_prompt
                             else None,
                             hotwords=recognition_text(vocabulary, self.vocabulary_hotwords()) if use_hotwords
                             else None)

    def topic_vocabulary(self) -> list[str]:
        """The topic's drug, electrolyte and symptom words: a cue to who is the clinician."""
        if self._vocabulary is None:
            self._vocabulary = vocabulary(self.settings.topic, root=self.settings.topics_dir)
        return self._vocabulary

    def corrector(self) -> Corrector:
        """Corrects misheard drug names to the topic's drug names, brands and synonyms."""
        if self._corrector is None:
            lexicon = self.knowledge().lexicon
            drugs = [(name, drug.code) for drug in lexicon.drugs.drugs
                     for name in (drug.display_name, *drug.brands, *drug.synonyms)]
            units = [phrase for entry in lexicon.lexicon.modifiers.dose_unit for phrase in entry.phrases]
            self._corrector = Corrector.build(drugs, self._english_words(), dose_units=units)
        return self._corrector

    def transcribe(self, audio: Path | BinaryIO, *, backend: BackendName | None = None,
                   model: str | None = None, prompt: bool | None = None, correct: bool | None = None,
                   speakers: Mapping[str, Role] | None = None, vocabulary: Sequence[str] = (),
                   on_progress: ProgressCallback | None = None, times: StageTimes | None = None) -> Transcript:
        """Decode, recognise, correct drug names (settings.asr_vocabulary_correction), diarize
        (settings.diarization) and make each segment one whole sentence (`nlp.asr.sentences`).

        `speakers` (voice -> role, e.g. {"ch1": "clinician"} or {"S2": "patient"}) overrides the roles
        decided from what each voice said. `vocabulary` (the clinic's, the upload's and the chart's terms) goes to
        Whisper before the topic's terms and is preferred by the drug-name correction. `times` gets each stage's
        seconds.
        """
        times = times or StageTimes()
        engine = self.backend(backend, model)  # a bad model name fails before any decoding work
        engine = for_one_recording(engine)  # the same audio heard alike in every job, whatever ran before it
        expected = probe(audio)  # 0 when the container does not say; progress then waits for the end
        # Diarization looks at the words' audio after recognition: a half-precision copy (2 bytes a sample
        # and channel, 115 MB for an hour of mono) instead of the float32 decode (4) and Whisper's features.
        kept: list[np.ndarray] = []
        # Windows are decoded as recognition asks for them: the decoder's time is the decode stage's.
        windows = times.timed("decode", decode_windows(audio, self.settings.asr_window_seconds, mono=False))

        def decoded_to(seconds: float) -> None:
            if on_progress is not None:
                on_progress(AsrProgress(done=seconds, total=expected))

        started = time.perf_counter()
        decoded = list(transcribe_windows(engine, windows, self.decode_options(prompt, vocabulary=vocabulary),
                                          on_decoded=decoded_to,
                                          on_window=lambda window: kept.append(window.samples.astype(np.float16))))
        times.add("recognise", time.perf_counter() - started - times.seconds.get("decode", 0.0))
        channels = np.concatenate(kept, axis=1)
        kept.clear()
        total = duration_seconds(channels[0])
        if self.settings.asr_vocabulary_correction if correct is None else correct:
            with times.stage("correct"):
                decoded = self.corrector().preferring(vocabulary).correct(decoded)
            if vocabulary and self.settings.asr_vocabulary_rescoring and isinstance(engine, TextScorer):
                with times.stage("rescore"):
                    decoded = rescore(decoded, channels, vocabulary, self.corrector(), engine)
        with times.stage("diarize"):
            turns = diarize(decoded, channels, method=self.settings.diarization, encoder=self.voice_encoder,
                            vocabulary=self.topic_vocabulary(), speakers=speakers,
                            min_speakers=self.settings.diarization_min_speakers,
                            max_speakers=self.settings.diarization_max_speakers,
                            threshold=self.settings.diarization_threshold)
        with times.stage("sentences"):
            segments = sentences(turns)
        if on_progress is not None:
            on_progress(AsrProgress(done=total, total=total))
        return Transcript(language="en", duration=round(total, 3), segments=segments,
                          speakers=speaker_roles(segments, speakers or {}))

    # -- language ---------------------------------------------------------------------------

    def knowledge(self) -> KnowledgeBase:
        """The general pack, the topic pack and the drug dictionary, loaded once for the process."""
        with self._lock:
            if self._knowledge is None:
                self._knowledge = KnowledgeBase.load(self.settings.topic, self.settings.topics_dir)
            return self._knowledge

    def extractor(self) -> Extractor:
        """The settings' topic's Extractor (or the one given to the constructor), made on first use."""
        return self._extractor()

    def extract(self, transcript: Transcript) -> Findings:
        return self.extractor().extract(transcript)

    def draft(self, transcript: Transcript, findings: Findings) -> Note:
        return draft_note(transcript, findings, topic=self.settings.topic, root=self.settings.topics_dir,
                          plan_dir=self.settings.note_plan_dir)

    def write_note(self, transcript: Transcript, fmt: NoteFormat = "markdown", *,
                   on_findings: Callable[[Findings], None] | None = None) -> Drafted:
        """Extract, draft and render in the clinic's templates: the one flow of a job, a speakers correction and
        the CLI. `on_findings` hears the findings before drafting (a job stores them and says "drafting")."""
        findings = self.extract(transcript)
        if on_findings is not None:
            on_findings(findings)
        note = self.draft(transcript, findings)
        try:
            text = render(note, fmt, templates_dir=self.settings.templates_dir)
        except KnowledgeError as exc:
            # A broken clinic template: its file and line (retrying cannot fix it), not "internal error".
            raise as_scribe_error(exc) from exc
        return Drafted(findings, note, text)

    # -- inputs ---------------------------------------------------------------------------

    def read_input(self, path: Path, *, on_progress: ProgressCallback | None = None) -> Transcript:
        """A transcript file (.txt, .json) is parsed; anything else is treated as audio."""
        if not path.is_file():
            raise BadInput(f"{path}: no such file")
        if path.suffix.lower() in TRANSCRIPT_SUFFIXES:
            return read_transcript_bytes(path.read_bytes())
        return self.transcribe(path, on_progress=on_progress)


def read_transcript_bytes(data: bytes) -> Transcript:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"the transcript is not UTF-8 text (bad byte at offset {exc.start})") from exc
    if "\x00" in text:
        raise BadInput("the transcript is not text (it contains NUL bytes)")
    return parse(text)
