"""Speech and language: the transcript and findings types, reading transcripts and audio, and this layer's errors.

Recognition (`nlp.asr`), speakers (`nlp.diarize`) and the spaCy pipeline (`nlp.pipeline`, `nlp.components`)
are their own packages and modules.
"""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "Assertion": "nlp.types", "Evidence": "nlp.types", "Finding": "nlp.types", "FindingKind": "nlp.types",
    "Findings": "nlp.types", "Role": "nlp.types", "Segment": "nlp.types", "SpeakerRole": "nlp.types",
    "Transcript": "nlp.types", "Word": "nlp.types", "InputError": "nlp.errors", "NlpError": "nlp.errors",
    "SetupError": "nlp.errors", "StrictModel": "nlp.strict", "TranscriptFormatError": "nlp.transcript_io",
    "parse": "nlp.transcript_io", "parse_json": "nlp.transcript_io", "parse_text": "nlp.transcript_io",
    "to_json": "nlp.transcript_io", "AudioDecodeError": "nlp.audio", "english_model_path": "nlp.english",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
