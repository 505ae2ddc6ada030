"""The topic's words for speech recognition: the vocabulary to correct towards and Whisper's initial prompt."""

from __future__ import annotations

from pathlib import Path

from knowledge.datafile import DEFAULT_TOPIC, load_model, topic_dir
from knowledge.guidance import ArticleFile
from knowledge.lexicon import load_lexicon
from knowledge.wording import NoteWordingFile


def vocabulary(topic: str = DEFAULT_TOPIC, *, root: Path | None = None) -> list[str]:
    """Distinct surface terms worth priming Whisper with: drug names and brands, electrolytes, key symptom words."""
    return load_lexicon(topic, topic_dir(topic, root)).vocabulary()


def asr_prompt(topic: str = DEFAULT_TOPIC, max_chars: int = 480, *, root: Path | None = None) -> str:
    """An initial prompt for Whisper that makes it spell the topic's drug and symptom words right.

    It opens with what the consultation is about ("Leg cramps consultation."), named by the topic's data:
    note.yaml `topic_name`, else the article's title.
    """
    folder = topic_dir(topic, root)
    name = load_model(folder / "note.yaml", NoteWordingFile).topic_name or \
        load_model(folder / "article.yaml", ArticleFile).title
    return f"{name} consultation. " + ", ".join(load_lexicon(topic, folder).asr_prompt_terms(max_chars)) + "."
