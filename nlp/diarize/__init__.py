"""Who spoke when: split a recording's words among speakers (by channel or by voice) and name their roles."""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "diarize": "nlp.diarize.speakers", "assign_roles": "nlp.diarize.roles", "speaker_roles": "nlp.diarize.roles",
    "channel_labels": "nlp.diarize.channels", "split_by_channel": "nlp.diarize.channels",
    "ResemblyzerEncoder": "nlp.diarize.voices", "VoiceEncoder": "nlp.diarize.voices",
    "voice_labels": "nlp.diarize.voices", "Turn": "nlp.diarize.metrics", "diarization_error": "nlp.diarize.metrics",
    "role_accuracy": "nlp.diarize.metrics",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
