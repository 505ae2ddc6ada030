"""Clinical knowledge as data, and what is built from it: findings from a transcript, the draft note, its forms."""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "KnowledgeBase": "knowledge.base", "draft_note": "knowledge.drafting", "CorpusError": "knowledge.errors",
    "KnowledgeError": "knowledge.errors", "KnowledgeLayerError": "knowledge.errors",
    "Extractor": "knowledge.extract", "note_bundle": "knowledge.fhir", "ICD10CM": "knowledge.note",
    "LOINC": "knowledge.note", "Coding": "knowledge.note", "Note": "knowledge.note", "Section": "knowledge.note",
    "Sentence": "knowledge.note", "Subsection": "knowledge.note", "Suggestion": "knowledge.note",
    "FORMATS": "knowledge.render", "NoteFormat": "knowledge.render", "NoteStatus": "knowledge.note",
    "render": "knowledge.render", "evaluate": "knowledge.evaluate", "load_corpus": "knowledge.evaluate",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
