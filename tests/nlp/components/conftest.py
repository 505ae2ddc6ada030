"""The findings pipeline with the built-in knowledge, built once for the component tests that only read it."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import build
from tests.conftest import loaded_extractor


@pytest.fixture(scope="session")
def nlp() -> Language:
    return build(loaded_extractor().knowledge.to_nlp())
