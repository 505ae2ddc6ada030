"""A note in each output format: same content, clear sections, suggestions marked as such."""

from __future__ import annotations

import pytest

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
