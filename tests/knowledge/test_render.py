"""A note in each output format: same content, clear sections, suggestions marked as such."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.errors import KnowledgeError
from knowledge.note import SECTION_TITLES, Note, NoteEvidence, Section, Sentence, Suggestion, SuggestionSource
from knowledge.render import render

NOTE = Note(
    sections=[Section(code=code, title=title, sentences=[Sentence(
        text=f"{title} says <b>&</b>", finding_ids=["f1"], evidence=[NoteEvidence(segment=0, start=0, end=3)])]
        if code != "plan" else []) for code, title in SECTION_TITLES.items()],
    suggestions=[Suggestion(id="s1", kind="cause", text="Diuretics can lower potassium.", reasons=["f1"],
                            source=SuggestionSource(topic="leg_cramps", section="Causes and Risk Factors"))],
)


def test_markdown_has_one_heading_per_section_and_suggestions_marked_under_assessment() -> None:
    markdown = render(NOTE, "markdown")
    positions = [markdown.index(f"## {title}") for title in SECTION_TITLES.values()]
    assert positions == sorted(positions)
    assessment = markdown[positions[2]:positions[3]]
    assert "**Suggestions from the knowledge base** (not the clinician's words; review before use):" in assessment
    assert '- _Possible cause:_ Diuretics can lower potassium. _(source: Leg cramps, "Causes and Risk Factors")_' \
        in assessment
    assert "Diuretics" not in markdown[positions[3]:], "a cause is not shown under Plan"
    assert "_Nothing recorded in the consultation._" in markdown[positions[3]:]


def test_work_up_treatment_and_prevention_are_suggested_under_the_plan() -> None:
    workup = Suggestion(id="s2", kind="workup", text="Consider a CBC.", reasons=["f1"],
                        source=SuggestionSource(topic="leg_cramps", section="Diagnosis"))
    markdown = render(NOTE.model_copy(update={"suggestions": [*NOTE.suggestions, workup]}), "markdown")
    assert "Consider a CBC." in markdown[markdown.index("## Plan"):]
    assert "Consider a CBC." not in markdown[:markdown.index("## Plan")]


def test_text_uses_capitalised_headings() -> None:
    text = render(NOTE, "text")
    assert text.startswith("SUBJECTIVE\n  Subjective says <b>&</b>\n")
    assert "SUGGESTIONS FROM THE KNOWLEDGE BASE" in text[text.index("ASSESSMENT"):text.index("PLAN")]


def test_html_escapes_what_was_said_and_marks_the_evidence() -> None:
    html = render(NOTE, "html")
    assert "<b>&</b>" not in html and "Subjective says &lt;b&gt;&amp;&lt;/b&gt;" in html
    assert html.count("<h2>") == 4 and html.count("<h3>Suggestions from the knowledge base</h3>") == 1
    assert 'data-findings="f1" data-evidence="0"' in html


def test_json_round_trips_to_the_same_note() -> None:
    assert Note.model_validate_json(render(NOTE, "json")) == NOTE


def test_an_unknown_format_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown note format 'pdf'"):
        render(NOTE, "pdf")  # type: ignore[arg-type]


def clinic_folder(path: Path, **templates: str) -> Path:
    path.mkdir()
    for name, source in templates.items():
        (path / name.replace("_", ".")).write_text(source, encoding="utf-8")
    return path


def test_a_clinic_template_overrides_its_namesake_and_the_others_stay_built_in(tmp_path: Path) -> None:
    clinic = clinic_folder(tmp_path / "clinic", note_md_j2="Clinic A: {{ note.sections | length }} sections\n")
    assert render(NOTE, "markdown", templates_dir=clinic) == "Clinic A: 4 sections\n"
    assert render(NOTE, "text", templates_dir=clinic) == render(NOTE, "text")
    assert render(NOTE, "html", templates_dir=clinic) == render(NOTE, "html")
    assert "## Subjective" in render(NOTE, "markdown"), "without the setting the built-in template is used"


def test_each_clinic_folder_has_its_own_templates(tmp_path: Path) -> None:
    first = clinic_folder(tmp_path / "a", note_txt_j2="A")
    second = clinic_folder(tmp_path / "b", note_txt_j2="B")
    assert (render(NOTE, "text", templates_dir=first), render(NOTE, "text", templates_dir=second)) == ("A", "B")


def test_a_clinic_html_template_is_autoescaped_like_ours(tmp_path: Path) -> None:
    clinic = clinic_folder(tmp_path / "clinic", note_html_j2="<p>{{ note.sections[0].sentences[0].text }}</p>")
    assert render(NOTE, "html", templates_dir=clinic) == "<p>Subjective says &lt;b&gt;&amp;&lt;/b&gt;</p>"


def test_a_template_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    clinic = clinic_folder(tmp_path / "clinic", note_md_j2="# Note\n{% for section in %}\n")
    with pytest.raises(KnowledgeError, match=r"clinic/note\.md\.j2: line 2: template syntax error"):
        render(NOTE, "markdown", templates_dir=clinic)


def test_a_field_the_note_lacks_names_the_template(tmp_path: Path) -> None:
    clinic = clinic_folder(tmp_path / "clinic", note_txt_j2="{{ note.patient_name }}")
    with pytest.raises(KnowledgeError, match=r"clinic/note\.txt\.j2: .*patient_name"):
        render(NOTE, "text", templates_dir=clinic)


def test_a_missing_templates_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"nowhere: the note templates folder .* does not exist"):
        render(NOTE, "markdown", templates_dir=tmp_path / "nowhere")


def test_a_clinic_template_picks_subsections_by_code_and_a_missing_one_is_a_clear_error(tmp_path: Path) -> None:
    clinic = clinic_folder(tmp_path / "clinic", note_md_j2=(
        "{% for part in subsection(note.sections[0], 'chief_complaint') %}{{ part.title }}{% endfor %}\n"))
    assert render(NOTE, "markdown", templates_dir=clinic).strip() == ""  # a known part, empty: nothing
    typo = clinic_folder(tmp_path / "typo", note_md_j2="{{ subsection(note.sections[0], 'chief_complain') }}\n")
    with pytest.raises(KnowledgeError, match=r"note\.md\.j2: no subsection 'chief_complain' in the note plan"):
        render(NOTE, "markdown", templates_dir=typo)


def test_a_note_with_no_clinical_content_says_so() -> None:
    empty = Note(sections=[Section(code=code, title=title) for code, title in SECTION_TITLES.items()])
    assert render(empty, "markdown").startswith("_No clinical content was found in the consultation")
    assert "No clinical content was found" in render(empty, "text")
    assert "No clinical content was found" in render(empty, "html")
