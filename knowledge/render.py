"""A note as Markdown, plain text, HTML (Jinja2 templates in knowledge/templates/) or JSON."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import jinja2

from knowledge.note import Note, SuggestionKind

NoteFormat = Literal["markdown", "text", "json", "html"]
FORMATS: tuple[NoteFormat, ...] = ("markdown", "text", "json", "html")
_TEMPLATES = {"markdown": "note.md.j2", "text": "note.txt.j2", "html": "note.html.j2"}
KIND_TITLES: dict[SuggestionKind, str] = {
    "red_flag": "Red flag", "cause": "Possible cause", "workup": "Work-up", "treatment": "Treatment",
    "prevention": "Prevention", "code": "Code",
}


def _topic_title(topic: str) -> str:
    return topic.replace("_", " ").capitalize()


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )
    env.globals.update(kind_titles=KIND_TITLES, topic_titles=_topic_title)
    return env


def render(note: Note, fmt: NoteFormat) -> str:
    """The note in `fmt`; JSON is the contract form (DESIGN.md, "Notes")."""
    if fmt == "json":
        return note.model_dump_json(indent=2)
    if fmt not in _TEMPLATES:
        raise ValueError(f"unknown note format '{fmt}' (one of {', '.join(FORMATS)})")
    return _environment().get_template(_TEMPLATES[fmt]).render(note=note)
