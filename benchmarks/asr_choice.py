"""The ASR configuration chosen by what reaches the findings, not by WER (issue 17).

    .venv/bin/python -m benchmarks.asr_choice [--out benchmarks/RESULTS.md] [--cache DIR] [--limit N]
        [--only tiny.en/greedy/hotwords --only tiny.en/greedy/chart] [--misses FILE]

Gold-corpus consultations (tests/gold: scripts with hand-written findings) are spoken by Piper (natural
voice) and espeak-ng (robotic), 160 words a minute, joined per voice into one recording (2 s apart, so the
pipeline's fixed costs weigh as on a real visit rather than on a 20 s clip), and run through the whole pipeline
as `Scribe.transcribe` runs it (60 s windows, VAD, coverage repair; drug-name correction; diarization; whole sentences) and on to
extraction and drafting, for each Whisper model that ships in a package here (tiny.en, base), greedy and beam
5, and each vocabulary step. The transcript is cut back into its consultations at the joins. Scored per
configuration: findings F1 against the same consultations' gold (the matching rule of `soapscribe eval`), drug-name recall and WER (as benchmarks.correction), and the pipeline's
real-time factor (decode to drafted note, models loaded and warmed first, on the machine's cores).

Biasing *chart* is the setting of an EHR launch: the hotwords with the consultation's own vocabulary (the drugs its
gold lists, as the chart would list them: `chart_vocabulary`, also benchmarks.vocabulary_recall's) before the
topic's, the correction preferring it and its missing terms looked for in the audio (nlp/asr/rescore.py). A chart
belongs to one consultation, so that row recognises each consultation's clip on its own, not the joined recording.
`--only MODEL/DECODING/BIASING` (repeatable; decoding `greedy` or `beam5`) runs those rows alone and writes no
section; `--misses FILE` writes, per configuration, voice and consultation, the findings missed and added with
the transcript they came from (synthetic consultations: the scripts of tests/gold).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import platform
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import jiwer
import numpy as np

from benchmarks.asr import drug_terms, normalise
from benchmarks.results import RESULTS, write_section
from knowledge.evaluate import Evaluation, GoldConsultation, Score, evaluate, load_corpus
from knowledge.lexicon import TopicLexicon, load_lexicon
from nlp.asr.base import AsrBackend, DecodeOptions
from nlp.asr.registry import load_backend
from nlp.asr.rescore import TextScorer, rescore
from nlp.asr.sentences import sentences
from nlp.asr.windows import transcribe_windows
from nlp.audio import decode, decode_windows, duration_seconds
from nlp.diarize.roles import speaker_roles
from nlp.diarize.speakers import diarize
from nlp.types import Segment, Transcript
from scripts.render_consultation import Engine, render
from service.scribe import Scribe
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold"
CACHE = Path(tempfile.gettempdir()) / "soapscribe-bench" / "asr_choice"
MODELS = ("tiny.en", "base")
BEAMS = (1, 5)
ENGINES: tuple[Engine, ...] = ("piper", "espeak")
# (label, initial prompt, hotwords); correction is tried on and off after each, on the same recognised words.
# "chart": the hotwords with the consultation's own vocabulary first, each consultation's clip on its own.
BIASING = (("none", False, False), ("prompt", True, False), ("hotwords", False, True), ("chart", False, True))
CHART = "chart"
SPEED = 160
CONSULTATIONS = 8  # 32 configurations over 2 x 8 consultations (about 8 min of audio): about 18 min
GAP_S = 2.0
RTF_LIMIT = 0.1


@dataclass(frozen=True)
class Config:
    model: str
    beam: int
    biasing: str
    correction: bool

    @property
    def label(self) -> str:
        return f"{self.model}, {'greedy' if self.beam == 1 else f'beam {self.beam}'}, {self.biasing}" \
               f"{' + correction' if self.correction else ''}"

    @property
    def row(self) -> str:
        """What `--only` names: model/decoding/biasing."""
        return row(self.model, self.beam, self.biasing)


def row(model: str, beam: int, biasing: str) -> str:
    return f"{model}/{'greedy' if beam == 1 else f'beam{beam}'}/{biasing}"


@dataclass
class Result:
    config: Config
    audio_s: float = 0.0
    pipeline_s: float = 0.0
    findings: dict[str, Score] = field(default_factory=dict)  # per voice engine, and "all"
    drug_hits: int = 0
    drug_total: int = 0
    references: list[str] = field(default_factory=list)
    hypotheses: list[str] = field(default_factory=list)
    evaluations: dict[str, Evaluation] = field(default_factory=dict)  # per voice engine
    transcripts: dict[tuple[str, str], Transcript] = field(default_factory=dict)  # (voice engine, consultation)

    @property
    def rtf(self) -> float:
        return self.pipeline_s / self.audio_s if self.audio_s else 0.0

    @property
    def drug_recall(self) -> float:
        return self.drug_hits / self.drug_total if self.drug_total else 1.0

    @property
    def wer(self) -> float:
        return jiwer.wer(self.references, self.hypotheses)


def chosen_consultations(limit: int = CONSULTATIONS) -> list[GoldConsultation]:
    """The gold consultations with the most drugs in their gold (drug names are what vocabulary is for).

    `asr_*` are left out: their scripts are already misheard text, which no voice says as written.
    """
    corpus = [c for c in load_corpus(GOLD) if not c.name.startswith("asr_")]
    drugs = {c.name: sum(1 for f in c.findings if f.kind == "medication") for c in corpus}
    return sorted(corpus, key=lambda c: (-drugs[c.name], c.name))[:limit]


def drug_names(lexicon: TopicLexicon) -> tuple[dict[str, str], dict[str, list[str]]]:
    """drugs.yaml's drugs: code -> display name, and code -> its one-word brands and synonyms (a chart's entry is a
    drug's name, not "magnesium supplement")."""
    names = {drug.code: drug.display_name for drug in lexicon.drugs.drugs}
    aliases = {drug.code: [name for name in (*drug.brands, *drug.synonyms) if name.isalpha()]
               for drug in lexicon.drugs.drugs}
    return names, aliases


def chart_vocabulary(consultation: GoldConsultation, names: dict[str, str],
                     aliases: dict[str, list[str]] | None = None) -> list[str]:
    """The drugs the consultation's gold lists (drug classes and codes that are no drug are left out), each by the
    name the script says when `aliases` (code -> brands and synonyms) holds it, as a chart lists the drug prescribed
    ("prednisolone", which drugs.yaml files under prednisone), else by its display name."""
    script = said(consultation)

    def listed(code: str) -> str:
        spoken = drug_terms(script, (aliases or {}).get(code, []))
        return spoken[0] if spoken else names[code]

    return list(dict.fromkeys(listed(f.code) for f in consultation.findings
                              if f.kind == "medication" and f.code in names))


@dataclass(frozen=True)
class Recording:
    """The consultations spoken by one voice engine, one after another, and where each lies in it."""

    engine: Engine
    path: Path
    spans: dict[str, tuple[float, float]]
    clips: dict[str, Path] = field(default_factory=dict)  # each consultation's clip alone


def clip(cache: Path, name: str, engine: str) -> Path:
    """Where one consultation rendered by one voice engine is kept in `cache`."""
    return cache / f"{name}-{engine}-{SPEED}.wav"


def arguments(description: str, limit: int = CONSULTATIONS) -> argparse.Namespace:
    """The options of the benchmarks that render the gold consultations: --out, --cache, --limit."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--cache", type=Path, default=CACHE, help="rendered audio kept here between runs")
    parser.add_argument("--limit", type=int, default=limit, help="how many gold consultations")
    parser.add_argument("--only", action="append", default=[], metavar="MODEL/DECODING/BIASING",
                        help="run only these rows (e.g. tiny.en/greedy/hotwords); no section is written")
    parser.add_argument("--misses", type=Path, help="write the findings missed and added per consultation here")
    return parser.parse_args()


def bench_scribe(cache: Path) -> Scribe:
    """The service's Scribe with default settings, its data beside the cached audio."""
    return Scribe(Settings(data_dir=cache / "var", models_dir=ROOT / "var" / "models"))


def rendered(consultations: list[GoldConsultation], cache: Path) -> list[Recording]:
    """Per voice engine, one recording of the consultations (rendered once into `cache`: rendering is
    deterministic), GAP_S of silence between them."""
    cache.mkdir(parents=True, exist_ok=True)
    names = [c.name for c in consultations]
    key = hashlib.sha1(" ".join(names).encode()).hexdigest()[:8]
    recordings = []
    for engine in ENGINES:
        pieces, spans, clock = [], {}, 0.0
        for name in names:
            piece = clip(cache, name, engine)
            if not piece.is_file():
                render((GOLD / f"{name}.txt").read_text(encoding="utf-8"), piece, speed=SPEED, engine=engine)
            length = float(subprocess.run(["soxi", "-D", str(piece)], check=True, capture_output=True,
                                          text=True).stdout)
            spans[name] = (clock, clock + length)
            pieces.append(piece)
            clock += length + GAP_S
        joined = cache / f"joined-{engine}-{SPEED}-{key}.wav"
        if not joined.is_file():
            gap = cache / "gap.wav"
            subprocess.run(["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(gap), "trim", "0",
                            str(GAP_S)], check=True, capture_output=True)
            joined_with_gaps = [str(path) for piece in pieces for path in (piece, gap)][:-1]
            subprocess.run(["sox", "-R", *joined_with_gaps, str(joined)], check=True, capture_output=True)
        recordings.append(Recording(engine, joined, spans, dict(zip(names, pieces, strict=True))))
    return recordings


def cut(transcript: Transcript, spans: dict[str, tuple[float, float]]) -> dict[str, Transcript]:
    """The transcript of a joined recording cut back into its consultations (a segment goes where its middle is)."""
    parts: dict[str, list[Segment]] = {name: [] for name in spans}
    for segment in transcript.segments:
        middle = (segment.start + segment.end) / 2
        name = min(spans, key=lambda n: 0.0 if spans[n][0] <= middle <= spans[n][1]
                   else min(abs(middle - spans[n][0]), abs(middle - spans[n][1])))
        parts[name].append(segment)
    return {name: Transcript(language=transcript.language, duration=round(spans[name][1] - spans[name][0], 3),
                             segments=segments, speakers=transcript.speakers)
            for name, segments in parts.items()}


def said(consultation: GoldConsultation) -> str:
    return " ".join(segment.text for segment in consultation.transcript.segments)


def measure(consultations: list[GoldConsultation], recordings: list[Recording], scribe: Scribe,
            progress: Callable[[str], None] = lambda _: None, only: Collection[str] = ()) -> list[Result]:
    """Every configuration's pipeline over every recording (or the rows `only` names): times, and the findings
    scored against the gold."""
    settings = scribe.settings
    lexicon = load_lexicon(settings.topic)
    drugs = list(dict.fromkeys(word for drug in lexicon.drugs.drugs for word in (drug.display_name, *drug.brands)))
    names, aliases = drug_names(lexicon)
    charts = {c.name: chart_vocabulary(c, names, aliases) for c in consultations}
    by_name = {c.name: c for c in consultations}
    corrector, extractor = scribe.corrector(), scribe.extractor()
    encoder = scribe.voice_encoder()
    results: list[Result] = []
    for model in MODELS:
        rows = [(beam, biasing) for beam in BEAMS for biasing in BIASING
                if not only or row(model, beam, biasing[0]) in only]
        if not rows:
            continue
        engine = load_backend("faster-whisper", model, settings.model_cache_dir, compute_type=settings.asr_compute_type)
        warm = decode(recordings[0].path)[: 16_000 * 5]
        list(engine.transcribe(warm, DecodeOptions()))
        encoder.embed(warm)  # torch's one-off set-up is not the pipeline's
        for beam, (biasing, use_prompt, use_hotwords) in rows:
            pair = {correction: Result(Config(model, beam, biasing, correction)) for correction in (False, True)}
            found: dict[bool, dict[Engine, list[GoldConsultation]]] = {False: {}, True: {}}
            for recording in recordings:
                # The chart's vocabulary is one consultation's: each clip alone. Else the joined recording.
                pieces: list[tuple[Path, list[str], dict[str, tuple[float, float]] | None]] = (
                    [(recording.clips[name], charts[name], None) for name in recording.spans]
                    if biasing == CHART else [(recording.path, [], recording.spans)])
                for path, vocabulary, spans in pieces:
                    options = replace(scribe.decode_options(prompt=use_prompt, hotwords=use_hotwords,
                                                            vocabulary=vocabulary), beam_size=beam)
                    started = time.perf_counter()
                    heard, channels = _recognise(engine, path, options, settings.asr_window_seconds)
                    recognised_s = time.perf_counter() - started
                    for correction, result in pair.items():
                        started = time.perf_counter()
                        corrected = heard
                        if correction:
                            corrected = corrector.preferring(vocabulary).correct(heard)
                            if vocabulary and settings.asr_vocabulary_rescoring and isinstance(engine, TextScorer):
                                corrected = rescore(corrected, channels, vocabulary, corrector, engine)
                        transcript = _after_recognition(scribe, corrected, channels, encoder)
                        scribe.draft(transcript, scribe.extract(transcript))
                        result.pipeline_s += recognised_s + time.perf_counter() - started
                        result.audio_s += transcript.duration or 0.0
                        parts = cut(transcript, spans) if spans else {_clip_name(recording, path): transcript}
                        for name, part in parts.items():
                            gold = by_name[name]
                            found[correction].setdefault(recording.engine, []).append(replace(gold, transcript=part))
                            result.transcripts[(recording.engine, name)] = part
                            hypothesis = " ".join(segment.text for segment in part.segments)
                            result.references.append(normalise(said(gold)))
                            result.hypotheses.append(normalise(hypothesis))
                            terms = list(dict.fromkeys([*drugs, *vocabulary]))
                            expected = drug_terms(said(gold), terms)
                            result.drug_total += len(expected)
                            result.drug_hits += sum(1 for term in expected if term in drug_terms(hypothesis, terms))
            for correction, result in pair.items():
                for voice, corpus in found[correction].items():
                    result.evaluations[voice] = evaluate(corpus, extractor)
                    result.findings[voice] = result.evaluations[voice].overall
                result.findings["all"] = evaluate(
                    [c for corpus in found[correction].values() for c in corpus], extractor).overall
                results.append(result)
                progress(f"{result.config.label}: F1 {result.findings['all'].f1:.3f} drugs "
                         f"{result.drug_hits}/{result.drug_total} WER {result.wer:.3f} RTF {result.rtf:.3f}")
    return results


def _clip_name(recording: Recording, path: Path) -> str:
    return next(name for name, clip_path in recording.clips.items() if clip_path == path)


def _recognise(engine: AsrBackend, path: Path, options: DecodeOptions, window_s: float) -> tuple[list[Segment], np.ndarray]:
    """Recognition as `Scribe.transcribe` runs it, and the half-precision channels it keeps for diarization."""
    kept: list[np.ndarray] = []
    heard = list(transcribe_windows(engine, decode_windows(path, window_s, mono=False), options,
                                    on_window=lambda window: kept.append(window.samples.astype(np.float16))))
    return heard, np.concatenate(kept, axis=1)


def _after_recognition(scribe: Scribe, heard: list[Segment], channels: np.ndarray, encoder: object) -> Transcript:
    """Diarization and whole sentences, as `Scribe.transcribe` does them after recognition and correction."""
    settings = scribe.settings
    turns = diarize(heard, channels, method=settings.diarization, encoder=lambda: encoder,  # type: ignore[arg-type,return-value]
                    vocabulary=scribe.topic_vocabulary(), min_speakers=settings.diarization_min_speakers,
                    max_speakers=settings.diarization_max_speakers, threshold=settings.diarization_threshold)
    segments = sentences(turns)
    return Transcript(language="en", duration=round(duration_seconds(channels[0].astype(np.float32)), 3),
                      segments=segments, speakers=speaker_roles(segments, {}))


def choose(results: list[Result]) -> Result:
    """The best findings F1 (both voices) among the configurations fast enough; the faster one on a tie."""
    fast = [result for result in results if result.rtf <= RTF_LIMIT] or results
    return max(fast, key=lambda result: (round(result.findings["all"].f1, 3), -result.rtf))


def report(results: list[Result], consultations: list[GoldConsultation], text_f1: Score, when: str,
           load_average: float) -> str:
    best = choose(results)
    audio_min = results[0].audio_s / 60 if results else 0.0
    lines = [
        "## The ASR configuration chosen by the findings (issue 17)", "",
        (f"Measured {when} UTC on {platform.node()} ({len(os.sched_getaffinity(0))} cores, load average "
        f"{load_average:.1f} at the start: the machine is shared, so RTF is an upper bound). "
        "`python -m benchmarks.asr_choice`. "
        f"{len(consultations)} gold consultations of tests/gold, those with the most drugs in their gold "
        f"(`asr_*` left out): {', '.join(c.name for c in consultations)}; each spoken by Piper (joe, the patient "
        f"shifted by sox) and by espeak-ng at {SPEED} words a minute, joined per voice {GAP_S:g} s apart into one "
        f"recording ({audio_min:.1f} min of audio in all), the transcript cut back into consultations at the joins. "
        "faster-whisper int8, VAD, 60 s windows with the coverage repair, then correction (when on), "
        "diarization (auto: by voice), whole sentences, extraction and drafting, as the service runs them. "
        "*F1*: findings against the gold of the same consultations (`soapscribe eval`'s matching rule, the "
        f"leg-cramp topic's concepts); from the scripts' text the same consultations give F1 {text_f1.f1:.3f} "
        f"(P {text_f1.precision:.3f}, R {text_f1.recall:.3f}). *drugs*: drug names (drugs.yaml names and brands) "
        "said and written in the transcript. *RTF*: the pipeline's seconds (decode to drafted note, models "
        "loaded and warmed first) over the audio's. Biasing: *prompt* = the topic's vocabulary as Whisper's "
        "initial prompt, *hotwords* = as faster-whisper hotwords; *chart* = the hotwords with the "
        "consultation's own vocabulary before the topic's (the drugs its gold lists, as an EHR launch's chart "
        "lists them; preferred by the correction and looked for in the audio), each consultation's clip "
        "recognised on its own; *correction* = drug-name correction (nlp/asr/correct.py)."), "",
        ("| model | decoding | biasing | correction | F1 Piper | F1 espeak | **F1 both** | drugs | drug recall | "
         "WER | RTF |"),
        "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r.config
        mark = " ← chosen" if r is best else ""
        lines.append(
            f"| {c.model} | {'greedy' if c.beam == 1 else f'beam {c.beam}'} | {c.biasing} | "
            f"{'on' if c.correction else 'off'} | {r.findings['piper'].f1:.3f} | {r.findings['espeak'].f1:.3f} | "
            f"**{r.findings['all'].f1:.3f}**{mark} | {r.drug_hits}/{r.drug_total} | {r.drug_recall:.0%} | "
            f"{r.wer:.3f} | {r.rtf:.3f} |")
    fast = [r for r in results if r.rtf <= RTF_LIMIT]
    lines += ["", (f"Chosen (best F1 over both voices with RTF <= {RTF_LIMIT}; {len(fast)} of {len(results)} "
              f"configurations are that fast): **{best.config.label}**, F1 {best.findings['all'].f1:.3f} "
              f"(text {text_f1.f1:.3f}), drug recall {best.drug_recall:.0%}, WER {best.wer:.3f}, RTF {best.rtf:.3f}.")]
    return "\n".join(lines) + "\n"


def misses(results: list[Result]) -> str:
    """Per configuration, voice and consultation: the gold findings not found from the audio, those found that the
    gold lacks, and the transcript they were read from (voice: text)."""
    lines: list[str] = []
    for result in results:
        lines += [f"# {result.config.label}: F1 {result.findings['all'].f1:.3f}", ""]
        for voice, evaluation in result.evaluations.items():
            for (engine, name), transcript in result.transcripts.items():
                if engine != voice:
                    continue
                missed = [e for e in evaluation.misses if e.consultation == name]
                added = [e for e in evaluation.false_positives if e.consultation == name]
                lines.append(f"## {name}, {voice}: {len(missed)} missed, {len(added)} added")
                lines += [f"- missed {e.finding} {e.detail}".rstrip() for e in missed]
                lines += [f"- added {e.finding} {e.detail}".rstrip() for e in added]
                lines += [f"    {segment.speaker}: {segment.text}" for segment in transcript.segments]
                lines += [f"    corrected {word.original!r} -> {word.w.strip()!r} (p {word.p:.2f})"
                          for segment in transcript.segments for word in segment.words if word.original]
                lines.append("")
    return "\n".join(lines)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    load_average = os.getloadavg()[0]
    consultations = chosen_consultations(args.limit)
    recordings = rendered(consultations, args.cache)
    scribe = bench_scribe(args.cache)
    text_f1 = evaluate(consultations, scribe.extractor()).overall
    results = measure(consultations, recordings, scribe, progress=lambda line: print(line, flush=True),
                      only=args.only)
    if args.misses:
        args.misses.write_text(misses(results), encoding="utf-8")
    section = report(results, consultations, text_f1, f"{datetime.now(UTC):%Y-%m-%d %H:%M}", load_average)
    if not args.only:
        write_section(args.out, "asr_choice", section)
    print(section)


if __name__ == "__main__":
    main()
