"""Speech for the ASR tests, rendered with espeak-ng at test time (no audio is shipped)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nlp.asr.base import SAMPLE_RATE
from nlp.audio import decode

CLINICAL_SENTENCE = ("The patient takes furosemide forty milligrams every morning. "
                     "Her potassium was three point one, so we will repeat the blood test next week.")


def espeak(text: str, out: Path) -> Path:
    """Render `text` with espeak-ng's en-us voice at 150 words a minute into a wav file."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is needed: run `make test` (it installs it)")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(out), text], check=True,
                   capture_output=True)
    return out


@pytest.fixture(scope="session")
def clinical_clip(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """About ten seconds of a clinician mentioning a drug and a potassium value, as 16 kHz float32."""
    return decode(espeak(CLINICAL_SENTENCE, tmp_path_factory.mktemp("speech") / "clinical.wav"))


@pytest.fixture(scope="session")
def clip_with_pauses(clinical_clip: np.ndarray) -> np.ndarray:
    """The clinical clip after 3 s of silence, with 4 s more silence between its two sentences,
    so voice activity detection must cut it into two chunks and map times back."""
    middle = _quietest_point(clinical_clip)
    silence = np.zeros(3 * SAMPLE_RATE, dtype=np.float32)
    gap = np.zeros(4 * SAMPLE_RATE, dtype=np.float32)
    return np.concatenate([silence, clinical_clip[:middle], gap, clinical_clip[middle:]])


def _quietest_point(audio: np.ndarray) -> int:
    """The middle of the quietest 100 ms in the central half of the clip (the pause between sentences)."""
    frame = SAMPLE_RATE // 10
    energy = np.convolve(audio ** 2, np.ones(frame), mode="valid")
    quarter = len(energy) // 4
    return quarter + int(np.argmin(energy[quarter:3 * quarter])) + frame // 2
