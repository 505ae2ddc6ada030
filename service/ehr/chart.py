"""Reconciliation with the chart in a SMART-launched review: read the patient's medications and results from
the EHR, compare them with the consultation's findings (knowledge.reconcile), record the clinician's
decisions, and add a new medication to the chart, only when the clinician clicks "Add to chart".

Decisions are stored like those on suggestions (table `ehr_suggestion_decision`), under the id
`chart:<item id>`, so no table of their own is needed; each is also an audit event (`reconcile`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import quote

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.medicationstatement import MedicationStatement
from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from knowledge.chart import MEDICATION_TYPES, RXNORM
from knowledge.datafile import topic_dir
from knowledge.reconcile import Reconciler, ReconciliationItem
from nlp.types import Findings
from service import results
from service.ehr.fhir_client import EhrUnavailable, get_json, post_resource
from service.ehr.models import EncounterLink, Launch, SuggestionDecision
from service.errors import BadInput, NotFound, Unauthorized
from service.settings import Settings
from service.store import consultations
from service.store.audit import Actor, record
from service.store.models import utcnow

log = logging.getLogger(__name__)

ChartDecision = Literal["confirmed", "dismissed"]
ItemDecision = Literal["confirmed", "dismissed", "added"]
PREFIX = "chart:"  # the decision rows of reconciliation items, beside those of suggestions ("s1", ...)
CHART_TYPES = (*MEDICATION_TYPES, "Observation")
MAX_PAGES = 5  # of each search; a chart needing more is read in part (and the log says so)
UCUM = "http://unitsofmeasure.org"
UCUM_DOSE = {"mg": "mg", "g": "g", "mcg": "ug", "ug": "ug"}


class ItemView(ReconciliationItem):
    """A reconciliation item with what the clinician decided and whether it can be added to the chart."""

    decision: ItemDecision | None = None
    decided_by: str | None = None
    can_add_to_chart: bool = False


class ReconciliationView(BaseModel):
    patient: str
    fhir_base: str
    items: list[ItemView]
    medications_on_chart: int
    results_on_chart: int
    unavailable: str | None = None  # why there is no list (the topic has no reconciliation rules)


class AddedToChart(BaseModel):
    item_id: str
    reference: str  # "MedicationStatement/abc"


@lru_cache(maxsize=8)
def reconciler(topic: str, root: Path | None) -> Reconciler:
    """The topic's reconciliation data, loaded once per process (on first use, not at import)."""
    return Reconciler.load(topic, root)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _access(session: Session, actor: Actor, consultation_id: str) -> tuple[EncounterLink, Launch]:
    """The consultation's EHR link and a launch whose token still works (plain mode: 404, no chart)."""
    found = session.exec(select(EncounterLink).where(EncounterLink.tenant_id == actor.tenant_id,
                                                     EncounterLink.consultation_id == consultation_id)).first()
    if found is None:
        consultations.get(session, actor.tenant_id, consultation_id)
        raise NotFound(f"consultation {consultation_id} was not opened from an EHR, so there is no chart to "
                       "reconcile with")
    launch = session.exec(select(Launch).where(Launch.tenant_id == found.tenant_id,
                                               Launch.fhir_base == found.fhir_base,
                                               Launch.encounter_ref == found.encounter_ref)
                          .order_by(col(Launch.created_at).desc()).limit(1)).first()
    if launch is None or launch.access_token is None or launch.expires_at is None \
            or _aware(launch.expires_at) <= utcnow():
        raise Unauthorized("the EHR access has expired: open the app from the EHR again to read the chart")
    return found, launch


def read_chart(base: str, patient_ref: str, token: str,
               kinds: tuple[str, ...] = CHART_TYPES) -> list[dict[str, Any]]:
    """The patient's resources of `kinds` (MedicationStatements, MedicationRequests and Observations by default),
    each validated as FHIR R4B."""
    resources = []
    for kind in kinds:
        url = f"{base}/{kind}?patient={quote(patient_ref, safe='/')}"
        for _ in range(MAX_PAGES):
            bundle = get_json(url, token)
            for entry in bundle.get("entry") or []:
                resource = entry.get("resource") or {}
                if resource.get("resourceType") != kind:
                    continue  # an OperationOutcome about the search, say
                try:
                    get_fhir_model_class(kind).model_validate(resource)
                except ValidationError as exc:
                    raise EhrUnavailable(f"{kind}/{resource.get('id')} from {base} is not valid FHIR: "
                                         f"{exc.error_count()} errors") from exc
                resources.append(resource)
            following = next((link.get("url") for link in bundle.get("link") or [] if link.get("relation") == "next"),
                             None)
            if not following or not following.startswith(f"{base}/"):  # the token goes to the EHR's own server only
                break
            url = following
        else:
            log.warning("chart search %s stopped after %d pages", kind, MAX_PAGES)
    return resources


def no_rules(settings: Settings) -> str | None:
    """Why the topic cannot be reconciled (it has no reconciliation.yaml), or None when it can."""
    if (topic_dir(settings.topic, settings.topics_dir) / "reconciliation.yaml").is_file():
        return None
    return (f"The topic {settings.topic!r} has no reconciliation rules (reconciliation.yaml), so what was said is "
            "not compared with the chart.")


def _compute(session: Session, actor: Actor, consultation_id: str,
             settings: Settings) -> tuple[EncounterLink, Launch, list[ReconciliationItem], Reconciler, int, int]:
    found, launch = _access(session, actor, consultation_id)
    if (reason := no_rules(settings)) is not None:
        raise NotFound(reason)
    consultation = consultations.get(session, actor.tenant_id, consultation_id)
    findings = Findings.model_validate_json(results.findings_json(consultation)).findings
    engine = reconciler(settings.topic, settings.topics_dir)
    chart = engine.reader.read(read_chart(found.fhir_base, found.patient_ref, launch.access_token or ""))
    outcome = engine.reconcile(findings, chart, as_of=_aware(consultation.created_at))
    return found, launch, outcome.items, engine, outcome.medications_on_chart, outcome.results_on_chart


def _decisions(session: Session, consultation_id: str) -> dict[str, SuggestionDecision]:
    rows = session.exec(select(SuggestionDecision).where(SuggestionDecision.consultation_id == consultation_id,
                                                         col(SuggestionDecision.suggestion_id).startswith(PREFIX)))
    return {row.suggestion_id.removeprefix(PREFIX): row for row in rows}


def reconciliation(session: Session, actor: Actor, consultation_id: str, settings: Settings) -> ReconciliationView:
    """The consultation's reconciliation list against the chart it was launched from, with decisions so far."""
    if (reason := no_rules(settings)) is not None:
        found, _ = _access(session, actor, consultation_id)
        record(session, actor, "read", consultation_id)
        session.commit()
        return ReconciliationView(patient=found.patient_ref, fhir_base=found.fhir_base, items=[],
                                  medications_on_chart=0, results_on_chart=0, unavailable=reason)
    found, _, items, engine, medications, results_count = _compute(session, actor, consultation_id, settings)
    decided = _decisions(session, consultation_id)
    record(session, actor, "read", consultation_id)
    session.commit()
    views = [ItemView(**item.model_dump(), can_add_to_chart=item.kind == "new" and engine.can_add(item.code),
                      # the stored decision is a plain string column; ItemView validates it
                      decision=cast(ItemDecision, decided[item.id].decision) if item.id in decided else None,
                      decided_by=decided[item.id].author if item.id in decided else None) for item in items]
    return ReconciliationView(patient=found.patient_ref, fhir_base=found.fhir_base, items=views,
                              medications_on_chart=medications, results_on_chart=results_count)


def _item(items: list[ReconciliationItem], consultation_id: str, item_id: str) -> ReconciliationItem:
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise NotFound(f"the reconciliation of consultation {consultation_id} has no item {item_id} "
                       "(the chart or the findings may have changed: reload)")
    return item


def _save(session: Session, actor: Actor, consultation_id: str, item_id: str, decision: str) -> SuggestionDecision:
    key = f"{PREFIX}{item_id}"
    row = session.get(SuggestionDecision, (consultation_id, key)) or SuggestionDecision(
        consultation_id=consultation_id, suggestion_id=key, decision=decision, author=actor.author)
    row.decision, row.section, row.author, row.decided_at = decision, None, actor.author, utcnow()
    session.add(row)
    record(session, actor, "reconcile", consultation_id)
    session.commit()
    session.refresh(row)
    return row


def decide(session: Session, actor: Actor, consultation_id: str, item_id: str, decision: ChartDecision,
           settings: Settings) -> ItemView:
    """Record (or change) the clinician's decision on one item of the current list; the chart is not touched."""
    _, _, items, engine, _, _ = _compute(session, actor, consultation_id, settings)
    item = _item(items, consultation_id, item_id)
    row = _save(session, actor, consultation_id, item_id, decision)
    return ItemView(**item.model_dump(), decision=decision, decided_by=row.author,
                    can_add_to_chart=item.kind == "new" and engine.can_add(item.code))


def _statement(engine: Reconciler, item: ReconciliationItem, found: EncounterLink,
               consultation_id: str) -> dict[str, Any]:
    drug = next(d for d in engine.lexicon.drugs.drugs if d.code == item.code)
    concept: dict[str, Any] = {"text": drug.display_name}
    if drug.rxnorm:
        concept["coding"] = [{"system": RXNORM, "code": drug.rxnorm[0], "display": drug.display_name}]
    dosage: dict[str, Any] = {}
    text = " ".join(filter(None, (f"{item.dose.value:g} {item.dose.unit}" if item.dose else None, item.frequency)))
    if text:
        dosage["text"] = text
    if item.dose and item.dose.unit in UCUM_DOSE:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": item.dose.value, "unit": item.dose.unit,
                                                   "system": UCUM, "code": UCUM_DOSE[item.dose.unit]}}]
    statement = {"resourceType": "MedicationStatement", "status": "active", "medicationCodeableConcept": concept,
                 "subject": {"reference": found.patient_ref}, "context": {"reference": found.encounter_ref},
                 "dateAsserted": utcnow().isoformat(),
                 "note": [{"text": f"Reported in consultation {consultation_id}; added to the chart by the "
                                   "clinician from the soapscribe review."}]}
    if dosage:
        statement["dosage"] = [dosage]
    MedicationStatement.model_validate(statement)
    return statement


def add_to_chart(session: Session, actor: Actor, consultation_id: str, item_id: str,
                 settings: Settings) -> AddedToChart:
    """POST a MedicationStatement for a `new` item: the one write to the chart, made on the clinician's click."""
    found, launch, items, engine, _, _ = _compute(session, actor, consultation_id, settings)
    item = _item(items, consultation_id, item_id)
    if item.kind != "new" or not engine.can_add(item.code):
        raise BadInput(f"item {item_id} is not a new medication of a known drug; only those can be added to the "
                       "chart")
    created = post_resource(found.fhir_base, _statement(engine, item, found, consultation_id),
                            launch.access_token or "")
    _save(session, actor, consultation_id, item_id, "added")
    return AddedToChart(item_id=item_id, reference=f"MedicationStatement/{created['id']}")
