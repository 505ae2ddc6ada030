"""The chart's vocabulary: the medications and problems on the chart of a consultation opened from an EHR.

Read when its job starts (the launch page links the consultation to the encounter as it uploads it), as the
reconciliation reads the chart (`chart.read_chart`, `knowledge.chart.ChartReader`), with the patient's Conditions
besides. The terms join the consultation's vocabulary (`service.vocabulary`): Whisper's hotwords and the preferred
candidates of the drug-name correction. A chart that cannot be read is a warning on the consultation, never a
failed job: it is transcribed without it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from knowledge.chart import MEDICATION_TYPES
from service.ehr.chart import no_rules, read_chart, reconciler
from service.ehr.models import EncounterLink, Launch
from service.settings import Settings
from service.store.models import Consultation, utcnow
from service.vocabulary import MAX_TERM_CHARS, MAX_TERMS, dedupe

log = logging.getLogger(__name__)

CHART_KINDS = (*MEDICATION_TYPES, "Condition")
ACTIVE_CONDITIONS = frozenset({"active", "recurrence", "relapse"})
NOT_A_CONDITION = frozenset({"refuted", "entered-in-error"})
# Used when the topic has no reconciliation rules to say which medication statuses are current.
ACTIVE_MEDICATIONS = {"MedicationStatement": ["active"], "MedicationRequest": ["active"]}
UNREAD = ("The patient's chart could not be read from {base}, so its medications and problems were not used as "
          "vocabulary for recognition.")
EXPIRED = ("The EHR access had expired when the job started, so the chart's medications and problems were not used "
           "as vocabulary for recognition.")


@dataclass(frozen=True)
class ChartVocabulary:
    """The chart's terms for one consultation, and why there are none when the chart could not be read."""

    terms: list[str] = field(default_factory=list)
    warning: str | None = None


def _concept_text(concept: dict[str, Any]) -> str:
    codings = concept.get("coding") or []
    return concept.get("text") or next((c.get("display") for c in codings if c.get("display")), "") or ""


def _name(text: str) -> str | None:
    """What a chart entry is called, without its strength, form or qualifier: "Crampex 10 MG Oral Tablet" is
    "Crampex", "Essential hypertension (disorder)" is "Essential hypertension"."""
    text = re.sub(r"\([^)]*\)|\[[^]]*\]", " ", text)
    words = []
    for word in text.split():
        if word[0].isdigit():
            break
        words.append(word.strip(",;:"))
    name = " ".join(w for w in words if w)
    if not name or len(name) > MAX_TERM_CHARS or not any(char.isalpha() for char in name):
        return None
    if any(not char.isprintable() for char in name):
        return None
    return name


def chart_terms(resources: Iterable[dict[str, Any]], settings: Settings) -> list[str]:
    """The names of the current medications (with the topic's name of a drug it knows) and active problems."""
    resources = list(resources)
    statuses: dict[str, list[str]] = ACTIVE_MEDICATIONS
    drug_names: dict[str, str] = {}
    reader = None
    if no_rules(settings) is None:
        engine = reconciler(settings.topic, settings.topics_dir)
        reader, statuses = engine.reader, engine.reader.rules.active_statuses
        drug_names = {drug.code: drug.display_name for drug in engine.lexicon.drugs.drugs}
    terms: list[str] = []
    for resource in resources:
        kind = resource.get("resourceType")
        if kind in MEDICATION_TYPES and resource.get("status") in statuses.get(kind, []):
            concept = resource.get("medicationCodeableConcept") or {}
            if not concept and resource.get("medicationReference"):
                concept = {"text": resource["medicationReference"].get("display") or ""}
            terms.append(_name(_concept_text(concept)) or "")
            code = reader.drug_code(concept) if reader is not None else None
            if code in drug_names:
                terms.append(drug_names[code])
        elif kind == "Condition" and _active_condition(resource):
            terms.append(_name(_concept_text(resource.get("code") or {})) or "")
    return dedupe(term for term in terms if term)[:MAX_TERMS]


def _active_condition(resource: dict[str, Any]) -> bool:
    clinical = {c.get("code") for c in (resource.get("clinicalStatus") or {}).get("coding") or []}
    verification = {c.get("code") for c in (resource.get("verificationStatus") or {}).get("coding") or []}
    return (not clinical or bool(clinical & ACTIVE_CONDITIONS)) and not verification & NOT_A_CONDITION


def _link_and_launch(engine: Engine, consultation: Consultation) -> tuple[EncounterLink | None, Launch | None]:
    with Session(engine) as session:
        link = session.exec(select(EncounterLink).where(EncounterLink.tenant_id == consultation.tenant_id,
                                                        EncounterLink.consultation_id == consultation.id)).first()
        if link is None:
            return None, None
        launch = session.exec(select(Launch).where(Launch.tenant_id == link.tenant_id,
                                                   Launch.fhir_base == link.fhir_base,
                                                   Launch.encounter_ref == link.encounter_ref)
                              .order_by(col(Launch.created_at).desc()).limit(1)).first()
        return link, launch


def chart_vocabulary(engine: Engine, consultation: Consultation, settings: Settings) -> ChartVocabulary:
    """The chart's terms of a consultation opened from an EHR (none in plain mode), or a warning saying why
    there are none; never raises for a chart that cannot be read."""
    link, launch = _link_and_launch(engine, consultation)
    if link is None:
        return ChartVocabulary()
    expires = launch.expires_at if launch is not None else None
    if launch is None or not launch.access_token or expires is None \
            or (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) <= utcnow():
        log.warning("chart vocabulary skipped: the EHR access expired", extra={"consultation": consultation.id})
        return ChartVocabulary(warning=EXPIRED)
    try:
        terms = chart_terms(read_chart(link.fhir_base, link.patient_ref, launch.access_token, CHART_KINDS),
                            settings)
    except Exception as exc:  # noqa: BLE001 (any read error: the consultation is transcribed without the chart)
        # The error's text may hold the patient's reference: only its kind is logged.
        log.warning("chart vocabulary not read: %s", type(exc).__name__, extra={"consultation": consultation.id})
        return ChartVocabulary(warning=UNREAD.format(base=link.fhir_base))
    log.info("chart vocabulary read", extra={"consultation": consultation.id, "terms": len(terms)})
    return ChartVocabulary(terms=terms)
