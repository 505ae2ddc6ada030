"""`soapscribe style learn` and a clinic's note plan folder (SOAPSCRIBE_NOTE_PLAN_DIR)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.errors import KnowledgeError
from knowledge.notes.plan import load_plan

from service.runtime import Runtime
from service.settings import Settings
from tests.conftest import CONSULTATIONS, soapscribe_cli, soapscribe_env

FUROSEMIDE = CONSULTATIONS / "furosemide_night_cramps.txt"
# Two notes in a terse GP house style, written for this test.
GP_NOTES = {"one.txt": "3/52 hx of calf cramps at night. No swelling.\n\nPMH: HTN\nDH: bendroflumethiazide\n"
                       "Imp: nocturnal cramps\nPlan: check U&Es. Review in 2w.\n",
            "two.txt": "Knee pain since fall. No locking.\nPMH: nil\nDH: nil\nImp: sprain\nPlan: RICE. Review in 1w.\n"}


def examples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in GP_NOTES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(folder.iterdir())


def test_a_style_learned_from_a_clinics_notes_drafts_its_notes(tmp_path: Path, model_cache: Path) -> None:
    env = soapscribe_env(tmp_path / "var", model_cache)
    plan = tmp_path / "clinic_plan"
    learned = soapscribe_cli(env, "style", "learn", *examples(tmp_path / "notes"), "--out", plan, "--name", "gp")
    assert learned.returncode == 0, learned.stderr
    style = yaml.safe_load((plan / "style.yaml").read_text(encoding="utf-8"))
    assert (style["name"], style["titles"]["past_medical_history"], style["titles"]["medications"]) == (
        "gp", "PMH", "DH")
    drafted = soapscribe_cli(soapscribe_env(tmp_path / "var", model_cache, SOAPSCRIBE_NOTE_PLAN_DIR=str(plan)),
                             "draft", FUROSEMIDE)
    assert drafted.returncode == 0, drafted.stderr
    assert "### DH" in drafted.stdout and "### Current medications" not in drafted.stdout
    assert "bendroflumethiazide" not in drafted.stdout and "U&Es" not in drafted.stdout  # no words of the examples


def test_a_missing_example_note_is_one_line_naming_it(tmp_path: Path, model_cache: Path) -> None:
    result = soapscribe_cli(soapscribe_env(tmp_path / "var", model_cache), "style", "learn",
                            tmp_path / "nowhere.txt", "--out", tmp_path / "plan")
    assert result.returncode != 0
    assert "no such example note" in result.stderr and "nowhere.txt" in result.stderr
    assert not (tmp_path / "plan").exists()


def test_a_broken_clinic_style_stops_the_start_naming_the_file_and_field(
        tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = tmp_path / "clinic_plan"
    assert soapscribe_cli(soapscribe_env(tmp_path / "var", model_cache), "style", "learn",
                          *examples(tmp_path / "notes"), "--out", plan).returncode == 0
    style = yaml.safe_load((plan / "style.yaml").read_text(encoding="utf-8"))
    style["order"]["subjective"].append("chief_complain")  # a clinic's typo
    (plan / "style.yaml").write_text(yaml.safe_dump(style), encoding="utf-8")
    for key, value in soapscribe_env(tmp_path / "var", model_cache, SOAPSCRIBE_NOTE_PLAN_DIR=str(plan)).items():
        if key.startswith("SOAPSCRIBE_"):
            monkeypatch.setenv(key, value)
    load_plan.cache_clear()  # this process validated the folder before the typo (`style learn` checks what it wrote)
    with pytest.raises(KnowledgeError, match=r"style\.yaml: order\.subjective: no subsection chief_complain"):
        Runtime.build(Settings())
