"""The attributes of a finding, one typed model per kind (docs/findings.md).

`Finding.attributes` stays a plain mapping in the JSON contract, but every finding's attributes are
validated against its kind's model when the finding is made, so a misspelt or unknown attribute fails where
it is written, not in a reader far away. `docs/findings.schema.json` is generated from these models
(`python -m nlp.schema > docs/findings.schema.json`; a test keeps the two the same).
"""

from __future__ import annotations

from typing import Any, Literal

from nlp.strict import StrictModel

Laterality = Literal["left", "right", "bilateral"]
Interpretation = Literal["low", "normal", "high"]
Action = Literal["start", "stop", "change", "continue", "consider", "decline"]
OrderType = Literal["lab", "imaging", "referral", "procedure", "therapy"]


class Dose(StrictModel):
    value: float
    unit: str


class SymptomAttributes(StrictModel):
    """Where and how: site (`calf`, `knee`), side, how often, when it began and for how long, as said."""

    site: str | None = None
    laterality: Laterality | None = None
    frequency: str | None = None
    onset: str | None = None  # "since Tuesday", "2 weeks ago"
    duration: str | None = None  # "2 months"


class TimingAttributes(StrictModel):
    """When the topic's symptom comes (`nocturnal`, `at_rest`, `exertional`): no attributes of its own."""


class MedicationAttributes(StrictModel):
    """Dose, frequency, the clinician's decision, and the knowledge base's class, mechanism and codings."""

    dose: Dose | None = None
    route: str | None = None
    frequency: str | None = None
    action: Action | None = None
    drug_class: str | None = None
    cramp_mechanism: str | None = None
    drugbank_id: str | None = None
    mesh_id: str | None = None
    rxnorm: list[str] | None = None


class MeasuredAttributes(StrictModel):
    """A result said aloud: how it reads against the reference range, its LOINC code, a second value of a pair."""

    interpretation: Interpretation | None = None
    loinc: str | None = None
    diastolic: float | None = None  # a blood pressure's second value
    # a measure said in two units, as said ("5 ft 6 in"): the note quotes it, where the value (66 in) was never said
    said_as: str | None = None


class ConditionAttributes(StrictModel):
    """A problem: its ICD-10-CM code, the stated age behind `age_over_50`, and where it is (a knee sprain's knee,
    the side said or given by the visit: docs/findings.md)."""

    icd10: str | None = None
    age: int | None = None
    status: Literal["active", "past"] | None = None
    site: str | None = None
    laterality: Laterality | None = None


class AllergyAttributes(StrictModel):
    reaction: str | None = None


class ExamAttributes(StrictModel):
    site: str | None = None
    laterality: Laterality | None = None
    frequency: str | None = None


class ImagingAttributes(StrictModel):
    site: str | None = None
    laterality: Laterality | None = None
    impression: str | None = None


class OrderAttributes(StrictModel):
    order_type: OrderType | None = None
    site: str | None = None
    laterality: Laterality | None = None


class FollowUpAttributes(StrictModel):
    interpretation: Interpretation | None = None  # never meaningful; a number read as a measure may carry one


class SocialAttributes(StrictModel):
    """Social history (drug use, exercise, occupation, diet, living situation): no attributes of its own."""


BY_KIND: dict[str, type[StrictModel]] = {
    "symptom": SymptomAttributes, "timing": TimingAttributes, "medication": MedicationAttributes,
    "electrolyte": MeasuredAttributes, "lab": MeasuredAttributes, "vital": MeasuredAttributes,
    "condition": ConditionAttributes, "allergy": AllergyAttributes, "exam": ExamAttributes,
    "imaging": ImagingAttributes, "order": OrderAttributes, "follow_up": FollowUpAttributes,
    "social": SocialAttributes,
}


def check(kind: str, attributes: dict[str, Any]) -> None:
    """Raise pydantic's ValidationError when `attributes` do not fit the kind's model."""
    BY_KIND[kind].model_validate(attributes)


def fit(kind: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes a finding of `kind` can hold: what a mention read as another kind keeps ("edema" said while
    examining keeps its site, not the duration a symptom has)."""
    return {key: value for key, value in attributes.items() if key in BY_KIND[kind].model_fields}
