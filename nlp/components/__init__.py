"""The spaCy components of the findings pipeline, each registered by name with `@Language.factory`."""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "AgeFinder": "nlp.components.age", "AnswerReader": "nlp.components.answer",
    "ContextMarker": "nlp.components.context", "QuestionMarker": "nlp.components.context",
    "CourseAttacher": "nlp.components.course", "MedspacyContext": "nlp.components.medspacy_context",
    "SentenceSplitter": "nlp.components.sentences", "SiteAttacher": "nlp.components.sites",
    "TermMatcher": "nlp.components.terms", "NumberFinder": "nlp.components.values",
    "ValueAttacher": "nlp.components.values",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
