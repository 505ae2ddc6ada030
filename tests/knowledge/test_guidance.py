"""Guidance rules: which suggestions a set of findings triggers, and how bad rule files are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.datafile import topic_dir
from knowledge.errors import KnowledgeError
from knowledge.guidance import Guidance
from nlp.types import Evidence, Finding, Findings

EVIDENCE = [Evidence(segment=0, start=0, end=4, text="word")]


def finding(id: str, kind: str, code: str, assertion: str = "present", **attributes: object) -> Finding:
    return Finding(id=id, kind=kind, code=code, text=code, assertion=assertion, attributes=attributes,
                   evidence=EVIDENCE)


CRAMPS = finding("f1", "symptom", "leg_cramp", site="calf")
FUROSEMIDE = finding("f2", "medication", "furosemide", drug_class="loop_diuretic")
LOW_K = finding("f3", "electrolyte", "potassium", interpretation="low")
SALBUTAMOL = finding("f4", "medication", "albuterol", drug_class="beta_agonist")


@pytest.fixture(scope="module")
def guidance() -> Guidance:
    return Guidance()


def by_kind(guidance: Guidance, *found: Finding) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for suggestion in guidance.suggest(Findings(findings=list(found))):
        grouped.setdefault(suggestion.kind, []).append(suggestion)
    return grouped


def test_a_diuretic_with_low_potassium_is_a_possible_cause_citing_both_findings(guidance: Guidance) -> None:
    [cause] = by_kind(guidance, CRAMPS, FUROSEMIDE, LOW_K)["cause"]
    assert cause.reasons == ["f2", "f3"]
    assert cause.text.startswith("Furosemide (loop diuretic) with low potassium")
    assert (cause.source.topic, cause.source.section) == ("leg_cramps", "Causes and Risk Factors")


def test_a_diuretic_without_electrolyte_results_suggests_an_electrolyte_panel(guidance: Guidance) -> None:
    [panel] = [w for w in by_kind(guidance, CRAMPS, FUROSEMIDE)["workup"] if "electrolyte panel" in w.text]
    assert panel.reasons == ["f2"] and panel.source.section == "Diagnosis"


def test_a_denied_medicine_is_no_cause(guidance: Guidance) -> None:
    denied = finding("f2", "medication", "furosemide", assertion="absent", drug_class="loop_diuretic")
    [cause] = by_kind(guidance, CRAMPS, denied, LOW_K)["cause"]
    assert cause.reasons == ["f3"] and cause.text.startswith("Low potassium")


def test_a_drug_matches_its_class_and_the_class_parents(guidance: Guidance) -> None:
    [cause] = by_kind(guidance, CRAMPS, SALBUTAMOL)["cause"]
    assert cause.reasons == ["f4"] and "beta-agonist" in cause.text


def test_a_consultation_without_cramps_gets_no_leg_cramp_guidance(guidance: Guidance) -> None:
    # The same drug and the same low potassium, in a visit about something else (applies.yaml).
    assert guidance.suggest(Findings(findings=[SALBUTAMOL, LOW_K])) == []


def evidence_at(segment: int, text: str) -> list[Evidence]:
    return [Evidence(segment=segment, start=0, end=len(text), text=text)]


BARE_CRAMPS = Finding(id="f1", kind="symptom", code="leg_cramp", text="cramps", assertion="present",
                      evidence=evidence_at(3, "cramps"))


@pytest.mark.parametrize(("findings", "applies"), [
    ([BARE_CRAMPS, SALBUTAMOL], False),  # "just for cramps I take ibuprofen": whose cramps is not said
    ([BARE_CRAMPS.model_copy(update={"attributes": {"site": "abdominal"}}), SALBUTAMOL], False),
    ([BARE_CRAMPS.model_copy(update={"attributes": {"site": "thigh"}}), SALBUTAMOL], True),
    ([BARE_CRAMPS.model_copy(update={"evidence": evidence_at(3, "charley horses")}), SALBUTAMOL], True),
    ([BARE_CRAMPS, finding("f5", "timing", "exertional").model_copy(update={"evidence": evidence_at(4, "when i run")})],
     True),  # "I cramp up" ... "when I run"
    ([BARE_CRAMPS, finding("f5", "timing", "exertional").model_copy(update={"evidence": evidence_at(40, "running")})],
     False),  # a run forty turns later is another complaint's
    ([BARE_CRAMPS, LOW_K], True),
])
def test_cramps_said_alone_are_the_topics_only_with_a_leg_their_timing_or_electrolytes(
        guidance: Guidance, findings: list[Finding], applies: bool) -> None:
    assert bool(guidance.suggest(Findings(findings=findings))) is applies


SEED_CAUSES = [  # each cause and risk factor of the seed article, and a case that should raise it
    ("dehydration", [CRAMPS, finding("f5", "condition", "dehydration", assertion="possible")], "Dehydration"),
    ("overuse", [CRAMPS, finding("f5", "timing", "exertional")], "overuse or fatigue"),
    ("low potassium", [CRAMPS, LOW_K], "Low potassium"),
    ("low calcium", [CRAMPS, finding("f5", "electrolyte", "calcium", interpretation="low")], "Low calcium"),
    ("low magnesium", [CRAMPS, finding("f5", "electrolyte", "magnesium", interpretation="low")], "Low magnesium"),
    ("low sodium", [CRAMPS, finding("f5", "electrolyte", "sodium", interpretation="low")], "Low sodium"),
    ("pregnancy", [CRAMPS, finding("f5", "condition", "pregnancy")], "Pregnancy"),
    ("diuretic", [CRAMPS, FUROSEMIDE, LOW_K], "Furosemide (loop diuretic)"),
    ("beta-agonist", [CRAMPS, SALBUTAMOL], "Albuterol (beta-agonist)"),
    ("statin", [CRAMPS, finding("f5", "medication", "atorvastatin", drug_class="statin")], "Atorvastatin (statin)"),
    ("peripheral artery disease", [CRAMPS, finding("f5", "condition", "peripheral_artery_disease")],
     "Peripheral artery disease can underlie"),
    ("diabetes", [CRAMPS, finding("f5", "condition", "diabetes")], "Diabetes can underlie"),
    ("neuropathy", [CRAMPS, finding("f5", "condition", "neuropathy")], "Neuropathy can underlie"),
    ("age over 50", [CRAMPS, finding("f5", "condition", "age_over_50", age=68)], "after the age of 50"),
]


@pytest.mark.parametrize(("cause", "found", "expected"), SEED_CAUSES, ids=[row[0] for row in SEED_CAUSES])
def test_each_cause_of_the_seed_article_is_suggested_with_its_source(guidance: Guidance, cause: str,
                                                                      found: list[Finding], expected: str) -> None:
    causes = by_kind(guidance, *found)["cause"]
    [hit] = [s for s in causes if expected in s.text]
    assert hit.source.section == "Causes and Risk Factors"
    assert found[-1].id in hit.reasons


def test_exertional_cramps_in_a_smoker_over_50_suggest_claudication_and_an_ankle_brachial_index(
        guidance: Guidance) -> None:
    found = [CRAMPS, finding("f5", "timing", "exertional"), finding("f6", "condition", "smoking"),
             finding("f7", "condition", "age_over_50", age=67)]
    causes = by_kind(guidance, *found)["cause"]
    [claudication] = [s for s in causes if "ankle-brachial index" in s.text]
    assert set(claudication.reasons) == {"f1", "f5", "f6", "f7"}
    assert not [s for s in causes if "overuse" in s.text], "claudication replaces the overuse explanation"


def test_a_warm_swollen_leg_is_a_red_flag_for_deep_vein_thrombosis(guidance: Guidance) -> None:
    found = [CRAMPS, finding("f5", "symptom", "leg_swelling", laterality="right"), finding("f6", "symptom", "warmth")]
    [flag] = by_kind(guidance, *found)["red_flag"]
    assert "deep vein thrombosis" in flag.text and flag.reasons == ["f5", "f6"]


def test_red_flags_come_first(guidance: Guidance) -> None:
    swelling = finding("f5", "symptom", "leg_swelling")
    suggestions = guidance.suggest(Findings(findings=[CRAMPS, FUROSEMIDE, LOW_K, swelling]))
    assert suggestions[0].kind == "red_flag" and suggestions[0].reasons == ["f5"]
    assert [s.id for s in suggestions] == [f"s{i}" for i in range(1, len(suggestions) + 1)]


@pytest.fixture
def topic_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "leg_cramps"
    shutil.copytree(topic_dir("leg_cramps"), folder)
    return folder


def edit_rules(folder: Path, change: dict) -> None:
    path = folder / "guidance.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0].update(change)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.mark.parametrize(("change", "message"), [
    ({"source": "Folklore"}, "guidance.yaml: rules.0 (diuretic_with_low_electrolyte): source: 'Folklore'"),
    ({"text": "{{ names(when[0]"}, "guidance.yaml: rules.0 (diuretic_with_low_electrolyte): text:"),
    ({"kind": "gossip"}, "guidance.yaml: rules.0.kind"),
    ({"id": "pregnancy"}, "id: duplicate rule id"),
])
def test_a_broken_rule_file_names_the_file_the_rule_and_the_field(topic_copy: Path, change: dict,
                                                                  message: str) -> None:
    edit_rules(topic_copy, change)
    with pytest.raises(KnowledgeError) as raised:
        Guidance("leg_cramps", folder=topic_copy)
    assert message in str(raised.value)
