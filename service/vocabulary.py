"""A consultation's own words for speech recognition: the clinic's terms, the upload's and the EHR chart's.

Each term is a drug name, a local brand or a clinician's name that the topic's lexicon may not hold. They are
given to Whisper before the topic's terms (as hotwords, and in the initial prompt when that is on) and are the
preferred candidates of the drug-name correction (`nlp.asr.correct.Corrector.preferring`).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, TypeAdapter, ValidationError

from service.errors import BadInput

MAX_TERMS = 200
MAX_TERM_CHARS = 64
# Whisper reads at most 223 tokens of hotwords before each 30 s window; the topic's terms come after these.
MAX_RECOGNITION_CHARS = 600


def _clean_term(term: str) -> str:
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in term):
        raise ValueError("a term holds a control character")
    cleaned = " ".join(term.split())
    if not cleaned:
        raise ValueError("a term is empty")
    return cleaned


Term = Annotated[str, Field(max_length=MAX_TERM_CHARS), AfterValidator(_clean_term)]
Terms = Annotated[list[Term], Field(max_length=MAX_TERMS)]
_TERMS = TypeAdapter(Terms)


class Vocabulary(BaseModel):
    """A tenant's terms: drug names, local brands and clinicians' names (not patient data)."""

    terms: Terms = Field(default_factory=list, description=f"at most {MAX_TERMS} terms of at most {MAX_TERM_CHARS} "
                                                            "characters, no control characters")


class InvalidVocabulary(BadInput):
    """A vocabulary that is too long, not text or holds control characters: 422 naming the field."""

    title = "Invalid vocabulary"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def problem_extra(self) -> dict[str, object]:
        return {"errors": [{"loc": ["body", self.field], "msg": self.message}]}


def parse_form(value: str | None, field: str = "vocabulary") -> list[str]:
    """The upload's `vocabulary` form field: a JSON array of strings, or terms separated by commas or new lines."""
    if value is None or not value.strip():
        return []
    text = value.strip()
    if text[0] in '[{"':
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidVocabulary(field, f"not a JSON array of strings ({exc.msg})") from exc
        if not isinstance(raw, list):
            raise InvalidVocabulary(field, "not a JSON array of strings")
    else:
        raw = [part for line in text.splitlines() for part in line.split(",") if part.strip()]
        if "\r" in value or any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value):
            raise InvalidVocabulary(field, "a term holds a control character")
    try:
        return dedupe(_TERMS.validate_python(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"[{part}]" for part in first["loc"])
        raise InvalidVocabulary(field, f"{first['msg']}{' at ' + where if where else ''}") from exc


def dedupe(*groups: Iterable[str]) -> list[str]:
    """The terms of all groups in order, each once (compared without case)."""
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for term in group:
            if term.lower() not in seen:
                seen.add(term.lower())
                out.append(term)
    return out


def recognition_text(terms: Iterable[str], topic_terms: str | None) -> str | None:
    """Hotwords or an initial prompt: the consultation's terms first (Whisper cuts what is too long at the end),
    then the topic's; None when there is neither."""
    own = ""
    for term in terms:
        if len(own) + len(term) + 2 > MAX_RECOGNITION_CHARS:
            break
        own = f"{own}, {term}" if own else term
    if not own:
        return topic_terms
    return f"{own}. {topic_terms}" if topic_terms else f"{own}."
