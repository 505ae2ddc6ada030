"""The note plan (data) and its builders: a visit's clauses in the note's register, one builder per subsection."""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "NotePlan": "knowledge.notes.plan", "load_plan": "knowledge.notes.plan", "Writer": "knowledge.notes.register",
    "Visit": "knowledge.notes.visit", "builder": "knowledge.notes.registry",
    "builder_names": "knowledge.notes.registry", "get_builder": "knowledge.notes.registry",
    "learn_style": "knowledge.notes.style_learn", "load_headings": "knowledge.notes.style_learn",
    "style_yaml": "knowledge.notes.style_learn",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
