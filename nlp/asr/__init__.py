"""Speech recognition: Whisper backends, windows over long audio, speech coverage, drug-name correction."""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "AsrBackend": "nlp.asr.base", "AsrProgress": "nlp.asr.base", "DecodeOptions": "nlp.asr.base",
    "BackendName": "nlp.asr.registry", "BackendUnavailable": "nlp.asr.registry", "Backends": "nlp.asr.registry",
    "load_backend": "nlp.asr.registry", "Corrector": "nlp.asr.correct", "english_words": "nlp.asr.correct",
    "refill": "nlp.asr.coverage", "sentences": "nlp.asr.sentences", "SpeechActivity": "nlp.asr.vad",
    "WeightsError": "nlp.asr.weights", "resolve_model": "nlp.asr.weights", "CheckpointError": "nlp.asr.ct2_checkpoint",
    "transcribe_windows": "nlp.asr.windows",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
