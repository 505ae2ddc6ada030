"""A topic is a folder of data: a second topic, in a folder of its own, drafts notes with no code change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.datafile import TOPICS_DIR
from knowledge.drafting import draft_note
from knowledge.errors import KnowledgeError
from knowledge.extract import Extractor
from knowledge.vocabulary import asr_prompt, vocabulary
from knowledge.guidance import Guidance
from knowledge.render import render
from nlp.transcript_io import parse
from nlp.types import Transcript

DATA = Path(__file__).resolve().parents[1] / "data"
TOPICS = DATA / "topics"  # holds gout_flare/, a small topic written for these tests
GOUT_VISIT = DATA / "topic_consultations" / "gout_flare.txt"


@pytest.fixture(scope="module")
def gout() -> Extractor:
    return Extractor("gout_flare", root=TOPICS).load()


@pytest.fixture(scope="module")
def visit() -> Transcript:
    return parse(GOUT_VISIT.read_text(encoding="utf-8"))


def test_the_second_topic_finds_its_own_concepts(gout: Extractor, visit: Transcript) -> None:
    found = {(f.kind, f.code): f for f in gout.extract(visit).findings}
    assert found[("symptom", "joint_pain")].attributes == {"site": "big toe", "laterality": "right"}
    assert found[("symptom", "fever")].assertion == "absent"
    assert found[("medication", "hydrochlorothiazide")].attributes["drug_class"] == "thiazide_diuretic"
    urate = found[("lab", "urate")]
    assert (urate.value, urate.unit, urate.attributes["interpretation"]) == (9.2, "mg/dL", "high")
    assert not any(code == "leg_cramp" for _, code in found)


def test_a_note_drafted_with_the_second_topic_cites_its_article_and_nothing_of_leg_cramps(
        gout: Extractor, visit: Transcript) -> None:
    findings = gout.extract(visit)
    note = draft_note(visit, findings, topic="gout_flare", root=TOPICS)
    ids = {f.code: f.id for f in findings.findings}
    sections = {s.title for s in Guidance("gout_flare", root=TOPICS).article.sections}
    assert note.suggestions, "the gout rules should fire on this visit"
    assert {s.source.topic for s in note.suggestions} == {"gout_flare"}
    assert all(s.source.section in sections for s in note.suggestions)
    assert not any("cramp" in s.text.lower() for s in note.suggestions)
    [cause] = [s for s in note.suggestions if s.kind == "cause"]
    assert cause.text.startswith("Hydrochlorothiazide (thiazide diuretic) raises serum urate")
    assert cause.reasons == [ids["hydrochlorothiazide"]]
    [urate] = [s for s in note.suggestions if s.kind == "treatment"]
    assert urate.reasons == [ids["urate"]] and urate.source.section == "Management"
    assert [p.code for p in note.section("subjective").subsections][:2] == [
        "chief_complaint", "history_of_present_illness"]
    assert note.section("subjective").sentences[0].text.endswith("in the right big toe.")
    assert "(source: Gout flare, \"Causes and Risk Factors\")" in render(note, "markdown")


def test_the_built_in_topics_folder_is_the_default(visit: Transcript) -> None:
    # The leg cramps topic reads the same visit as a patient on a diuretic: no cramps, so the topic does not apply
    # (applies.yaml) and gives no suggestion at all, rather than leg-cramp guidance on a gout visit.
    note = draft_note(visit, Extractor().extract(visit))
    assert note.suggestions == []
    explicit = Extractor("leg_cramps", root=TOPICS_DIR).extract(visit)
    assert explicit == Extractor().extract(visit)


def test_the_speech_prompt_names_the_topic_from_its_data() -> None:
    assert asr_prompt().startswith("Leg cramps consultation. ")
    prompt = asr_prompt("gout_flare", root=TOPICS)
    assert prompt.startswith("Gout flare consultation. ") and "hydrochlorothiazide" in prompt
    assert "furosemide" in vocabulary("gout_flare", root=TOPICS)


def test_without_a_topic_name_the_prompt_opens_with_the_article_title(tmp_path: Path) -> None:
    shutil.copytree(TOPICS / "gout_flare", tmp_path / "gout_flare")
    note = tmp_path / "gout_flare" / "note.yaml"
    note.write_text(note.read_text(encoding="utf-8").replace("topic_name: Gout flare\n", ""), encoding="utf-8")
    assert asr_prompt("gout_flare", root=tmp_path).startswith("Gout Flare consultation. ")


@pytest.mark.parametrize("load", [
    lambda root: Extractor("restless_legs", root=root),
    lambda root: draft_note(Transcript(segments=[]), Extractor().extract(Transcript(segments=[])),
                            topic="restless_legs", root=root),
    lambda root: asr_prompt("restless_legs", root=root),
    lambda root: Guidance("restless_legs", root=root),
], ids=["extractor", "draft_note", "asr_prompt", "guidance"])
def test_a_missing_topic_folder_is_an_error_naming_the_topic_and_the_folder(load, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KnowledgeError) as raised:
        load(tmp_path)
    message = str(raised.value)
    assert "topic 'restless_legs'" in message and str(tmp_path / "restless_legs") in message
