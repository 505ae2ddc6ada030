"""A note as Markdown, plain text, HTML (Jinja2 templates), JSON or a FHIR R4 Bundle.

The templates come from knowledge/templates/; a clinic may override any of them by name with a folder of
its own (`SOAPSCRIBE_TEMPLATES_DIR`), the others still coming from the built-in folder.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2

from knowledge.errors import KnowledgeError
from knowledge.note import KIND_TITLES, Note, NoteStatus, Section, Subsection, topic_title
from knowledge.notes.plan import load_plan

NoteFormat = Literal["markdown", "text", "json", "html", "fhir"]
FORMATS: tuple[NoteFormat, ...] = ("markdown", "text", "json", "html", "fhir")
BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
_TEMPLATES = {"markdown": "note.md.j2", "text": "note.txt.j2", "html": "note.html.j2"}



@lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    """One Environment per templates folder, so each keeps its own compiled-template cache."""
    folders = [BUILTIN_TEMPLATES] if templates_dir is None else [templates_dir, BUILTIN_TEMPLATES]
    env = jinja2.Environment(
        # First folder wins: a clinic's note.md.j2 replaces ours, a template it lacks falls back to ours.
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in folders]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )
    env.globals.update(kind_titles=KIND_TITLES, topic_titles=topic_title, subsection=_subsection)
    return env


def _subsection(section: Section, code: str) -> list[Subsection]:
    """`subsection(section, "physical_exam")` in a clinic's template: that part of the section (empty when
    nothing was said); a code the note plan does not have is an error, not a blank note."""
    known = {sub.code for plan_section in load_plan().sections for sub in plan_section.subsections}
    if code not in known:
        raise KnowledgeError(f"no subsection '{code}' in the note plan (known: {', '.join(sorted(known))})")
    return section.subsections_coded(code)


def _template(name: str, templates_dir: Path | None) -> jinja2.Template:
    if templates_dir is not None and not templates_dir.is_dir():
        raise KnowledgeError(f"{templates_dir}: the note templates folder (SOAPSCRIBE_TEMPLATES_DIR) does not exist")
    try:
        return _environment(templates_dir.resolve() if templates_dir else None).get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise KnowledgeError(f"{exc.filename or name}: line {exc.lineno}: template syntax error: {exc.message}") \
            from exc


def _render_template(note: Note, fmt: NoteFormat, templates_dir: Path | None) -> str:
    template = _template(_TEMPLATES[fmt], templates_dir)
    try:
        return template.render(note=note)
    except KnowledgeError as exc:
        raise KnowledgeError(f"{template.filename or template.name}: {exc}") from exc
    except jinja2.TemplateError as exc:
        # A clinic template may name a field the note does not have (StrictUndefined) or call a missing filter.
        raise KnowledgeError(f"{template.filename or template.name}: {exc.message or type(exc).__name__}") from exc


def render(note: Note, fmt: NoteFormat, *, templates_dir: Path | None = None, status: NoteStatus = "draft",
           version: int | None = None, consultation_id: str | None = None, markdown: str | None = None) -> str:
    """The note in `fmt`; JSON is the contract form (DESIGN.md, "Notes").

    `templates_dir` is a clinic's template folder; `status`, `version` and `consultation_id` describe the
    stored note and only matter to the FHIR form (Composition status and identifiers), as does `markdown`: the
    text a clinician edited, carried by the DocumentReference instead of the note rendered anew.
    """
    if fmt == "json":
        return note.model_dump_json(indent=2)
    if fmt == "fhir":
        bundle = fhir_bundle(note, templates_dir=templates_dir, status=status, version=version,
                             consultation_id=consultation_id, markdown=markdown)
        return json.dumps(bundle, indent=2, ensure_ascii=False)
    if fmt not in _TEMPLATES:
        raise ValueError(f"unknown note format '{fmt}' (one of {', '.join(FORMATS)})")
    return _render_template(note, fmt, templates_dir)


def fhir_bundle(note: Note, *, templates_dir: Path | None = None, status: NoteStatus = "draft",
                version: int | None = None, consultation_id: str | None = None, markdown: str | None = None,
                subject: str | None = None, encounter: str | None = None) -> dict[str, Any]:
    """The note's FHIR form as data (`render(note, "fhir")` is its JSON text), for a caller that adds to it or
    sends its resources; `subject` and `encounter` are the EHR's patient and encounter references, when known."""
    # Imported here: only FHIR output pays for loading fhir.resources (0.16 s); no cycle (fhir imports note).
    from knowledge.fhir import note_bundle

    if markdown is None:
        markdown = _render_template(note, "markdown", templates_dir)
    return note_bundle(note, markdown=markdown, status=status, version=version, consultation_id=consultation_id,
                       subject=subject, encounter=encounter)
