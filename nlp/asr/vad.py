"""Silero voice activity, run once per audio array and read with any options.

Recognition (faster-whisper's VAD filter, the openai-whisper backend's speech pieces) and the coverage check
(`nlp.asr.coverage`, split at 150 ms pauses) read the same audio's speech with different options. The model's
speech probabilities are the costly part (about 0.3 s a minute of audio on one core); the chunks are a cheap pass
over them, so `SpeechActivity` keeps the probabilities and `chunks(options)` gives what
`faster_whisper.vad.get_speech_timestamps(samples, options)` gives, from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_vad_model

from nlp.asr.base import SAMPLE_RATE

FRAME = 512  # samples the model reads at a time (Silero at 16 kHz)
# faster-whisper cuts a chunk running past max_speech_duration_s at a pause longer than this
_PAUSE_AT_MAX_SPEECH_MS = 98


@dataclass(frozen=True, eq=False)
class SpeechActivity:
    """Silero's speech probability for each 512-sample frame of one array of `length` samples."""

    probabilities: np.ndarray
    length: int
    sample_rate: int = SAMPLE_RATE

    @classmethod
    def of(cls, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> SpeechActivity:
        """Run the Silero model bundled with faster-whisper over mono `samples`, as its VAD does."""
        padded = np.pad(samples, (0, FRAME - samples.shape[0] % FRAME))
        return cls(np.asarray(get_vad_model()(padded)).reshape(-1), samples.shape[0], sample_rate)

    def chunks(self, options: VadOptions | None = None) -> list[dict[str, int]]:
        """Speech chunks in samples ({"start", "end"}) under `options` (default: faster-whisper's VAD filter's),
        the same as `faster_whisper.vad.get_speech_timestamps` (1.2.1, adapted from silero-vad) gives."""
        options = options or VadOptions()
        rate = self.sample_rate
        threshold = options.threshold
        neg_threshold = options.neg_threshold if options.neg_threshold is not None else max(threshold - 0.15, 0.01)
        min_speech = rate * options.min_speech_duration_ms / 1000
        pad = rate * options.speech_pad_ms / 1000
        max_speech = rate * options.max_speech_duration_s - FRAME - 2 * pad
        min_silence = rate * options.min_silence_duration_ms / 1000
        min_silence_at_max_speech = rate * _PAUSE_AT_MAX_SPEECH_MS / 1000

        triggered = False
        speeches: list[dict[str, int]] = []
        current: dict[str, int] = {}
        temp_end = prev_end = next_start = 0  # a possible end (silence tolerated), limits for a cut at max_speech
        for i, probability in enumerate(self.probabilities):
            at = FRAME * i
            if probability >= threshold and temp_end:
                temp_end = 0
                if next_start < prev_end:
                    next_start = at
            if probability >= threshold and not triggered:
                triggered = True
                current["start"] = at
                continue
            if triggered and at - current["start"] > max_speech:
                if prev_end:
                    current["end"] = prev_end
                    speeches.append(current)
                    current = {}
                    if next_start < prev_end:  # silence since, and still no speech
                        triggered = False
                    else:
                        current["start"] = next_start
                    prev_end = next_start = temp_end = 0
                else:
                    current["end"] = at
                    speeches.append(current)
                    current = {}
                    prev_end = next_start = temp_end = 0
                    triggered = False
                    continue
            if probability < neg_threshold and triggered:
                if not temp_end:
                    temp_end = at
                if at - temp_end > min_silence_at_max_speech:
                    prev_end = temp_end
                if at - temp_end < min_silence:
                    continue
                current["end"] = temp_end
                if current["end"] - current["start"] > min_speech:
                    speeches.append(current)
                current = {}
                prev_end = next_start = temp_end = 0
                triggered = False
                continue
        if current and self.length - current["start"] > min_speech:
            current["end"] = self.length
            speeches.append(current)
        return _padded(speeches, pad, self.length)

    def spans(self, options: VadOptions | None = None) -> list[tuple[float, float]]:
        """The speech chunks under `options`, in seconds."""
        return [(chunk["start"] / self.sample_rate, chunk["end"] / self.sample_rate) for chunk in self.chunks(options)]


def _padded(speeches: list[dict[str, int]], pad: float, length: int) -> list[dict[str, int]]:
    """Each chunk widened by `pad` samples, or by half the silence to the next when that is shorter than 2 pads."""
    for i, speech in enumerate(speeches):
        if i == 0:
            speech["start"] = int(max(0, speech["start"] - pad))
        if i != len(speeches) - 1:
            silence = speeches[i + 1]["start"] - speech["end"]
            if silence < 2 * pad:
                speech["end"] += int(silence // 2)
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - silence // 2))
            else:
                speech["end"] = int(min(length, speech["end"] + pad))
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - pad))
        else:
            speech["end"] = int(min(length, speech["end"] + pad))
    return speeches
