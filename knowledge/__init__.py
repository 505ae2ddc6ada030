"""Clinical knowledge as data, and what is built from it: findings from a transcript, the draft note, its forms."""

from importlib import import_module
from typing import Any

# Each name's module, imported on first use: importing one module of the package must not load them all
# (Whisper, spaCy), and the package's modules import one another, so eager imports here would be cycles.
_EXPORTS = {
    "KnowledgeBase": "knowledge.base", "draft_note": "knowledge.drafting", "CorpusError": "knowledge.errors",
    "KnowledgeError": "knowledge.errors", "KnowledgeLayerError": "knowledge.errors",
    "Extractor": "knowledge.extract", "note_bundle": "knowledge.fhir", "ICD10CM": "knowledge.note",
    "LOINC": "knowledge.note", "Coding": "knowledge.note", "Note": "knowledge.note", "Section": "knowledge.note",
    "Sentence": "knowledge.note", "Subsection": "knowledge.note", "Suggestion": "knowledge.note",
    "FORMATS": "knowledge.render", "NoteFormat": "knowledge.render", "NoteStatus": "knowledge.render",
    "render": "knowledge.render", "evaluate": "knowledge.evaluate", "load_corpus": "knowledge.evaluate",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
