"""Reference ranges (reference_ranges.yaml): which unit a bare number is in, whether it is low, normal or high,
its LOINC code, and how a value converts between units (mg/dL, mmol/L, mEq/L, umol/L)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from knowledge.datafile import DEFAULT_TOPIC, load_model, topic_dir
from nlp.strict import StrictModel

Interpretation = Literal["low", "normal", "high"]
LoincCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,7}-[0-9]$")]
# How far (relative) the ranges of one analyte in two units may disagree once converted: labs round their
# ranges differently (magnesium 0.7-1.05 mmol/L beside 1.7-2.3 mg/dL is ~10% apart), a typo is far more.
RANGE_AGREEMENT = 0.10
# Concentration units convertible through mmol/L, given the analyte's molar mass (mg/dL) or valence (mEq/L).
_CONCENTRATIONS = ("mmol/l", "umol/l", "meq/l", "mg/dl")


class UnitRange(StrictModel):
    """The normal range of an analyte in one unit, and the values that are plausible at all in it."""

    unit: str = Field(min_length=1)
    low: float
    high: float
    plausible: tuple[float, float]
    infer: bool = True
    # A result in this unit is a different LOINC term when the analyte's `loinc` is a mass concentration and
    # this unit a molar one (calcium 17861-6 in mg/dL, 2000-8 in mmol/L); unset: the analyte's code.
    loinc: LoincCode | None = None

    @model_validator(mode="after")
    def _ordered(self) -> UnitRange:
        if not self.low < self.high:
            raise ValueError("low must be below high")
        if not (self.plausible[0] <= self.low and self.high <= self.plausible[1]):
            raise ValueError("plausible must contain low..high")
        return self

    def distance(self, value: float) -> float:
        """How far (as a log ratio) a value lies outside the normal range; 0 inside it."""
        if value <= 0:
            return math.inf
        return max(0.0, math.log(self.low / value), math.log(value / self.high))


class Analyte(StrictModel):
    """One analyte: its LOINC code (serum or plasma), what converting its units needs, and its ranges per unit."""

    loinc: LoincCode
    molar_mass: float | None = Field(default=None, gt=0, description="g/mol: mg/dL = mmol/L x molar_mass / 10")
    valence: int | None = Field(default=None, gt=0, description="charge of the ion: mEq/L = mmol/L x valence")
    units: list[UnitRange] = Field(min_length=1)

    def mmol_per_litre(self, unit: str) -> float | None:
        """What one `unit` of this analyte is in mmol/L; None when the unit is not a concentration this
        analyte's data can convert (%, U/L, or mg/dL without a molar mass, mEq/L without a valence)."""
        unit = unit.lower()
        if unit == "mmol/l":
            return 1.0
        if unit == "umol/l":
            return 1e-3
        if unit == "meq/l":
            return 1.0 / self.valence if self.valence else None
        if unit == "mg/dl":
            return 10.0 / self.molar_mass if self.molar_mass else None
        return None

    @model_validator(mode="after")
    def _units_agree(self) -> Analyte:
        """Each unit's range, converted to the first unit, lies within RANGE_AGREEMENT of that unit's range, so a
        slip in one number (8.6 typed 86) is caught at load rather than in a patient's interpretation."""
        concentrations = [r for r in self.units if r.unit.lower() in _CONCENTRATIONS]
        if len(concentrations) < 2:
            return self
        mmol: dict[str, float] = {}
        for r in concentrations:
            per_unit = self.mmol_per_litre(r.unit)
            if per_unit is None:
                needed = "molar_mass" if r.unit.lower() == "mg/dl" else "valence"
                raise ValueError(f"{needed} is needed to relate {r.unit} to "
                                 f"{', '.join(o.unit for o in concentrations if o is not r)}")
            mmol[r.unit] = per_unit
        base, *others = concentrations
        for other in others:
            factor = mmol[other.unit] / mmol[base.unit]
            low, high = other.low * factor, other.high * factor
            if abs(low - base.low) > RANGE_AGREEMENT * base.low or abs(high - base.high) > RANGE_AGREEMENT * base.high:
                raise ValueError(f"the {other.unit} range {other.low:g}-{other.high:g} is {low:.3g}-{high:.3g} "
                                 f"{base.unit}, more than {RANGE_AGREEMENT:.0%} from the {base.unit} range "
                                 f"{base.low:g}-{base.high:g}")
        return self


class RangesFile(StrictModel):
    """reference_ranges.yaml."""

    analytes: dict[str, Analyte]


@dataclass(frozen=True)
class ReferenceRanges:
    """Unit inference and interpretation of analyte values."""

    ranges: RangesFile

    def infer_unit(self, code: str, value: float) -> str | None:
        """The unit a bare value is most likely in (magnesium 0.5 -> mmol/L, 1.6 -> mg/dL); None if none fits."""
        analyte = self.ranges.analytes.get(code)
        if analyte is None:
            return None
        fitting = [r for r in analyte.units if r.infer and r.plausible[0] <= value <= r.plausible[1]]
        if not fitting:
            return None
        return min(fitting, key=lambda r: r.distance(value)).unit  # min keeps the first of equals

    def interpret(self, code: str, value: float, unit: str) -> Interpretation | None:
        """low / normal / high against the range for `unit`; None when the analyte or unit is not known."""
        analyte = self.ranges.analytes.get(code)
        found = next((r for r in analyte.units if r.unit.lower() == unit.lower()), None) if analyte else None
        if found is None:
            return None
        if value < found.low:
            return "low"
        if value > found.high:
            return "high"
        return "normal"

    def loinc(self, code: str, unit: str | None = None) -> str | None:
        """The LOINC code of a result of `code` in `unit` (the unit's own code if it has one); None if unknown."""
        analyte = self.ranges.analytes.get(code)
        if analyte is None:
            return None
        found = next((r for r in analyte.units if unit is not None and r.unit.lower() == unit.lower()), None)
        return found.loinc if found is not None and found.loinc else analyte.loinc

    def convert(self, code: str, value: float, from_unit: str, to_unit: str) -> float:
        """`value` of analyte `code` in `from_unit` expressed in `to_unit` (mg/dL, mmol/L, mEq/L, umol/L).

        mEq/L = mmol/L x valence; mg/dL = mmol/L x molar mass / 10. Raises ValueError naming the analyte and
        units when the analyte is unknown or the conversion is impossible (% to mmol/L, an unknown unit).
        """
        analyte = self.ranges.analytes.get(code)
        if analyte is None:
            raise ValueError(f"cannot convert {code} from {from_unit} to {to_unit}: no reference data for {code}")
        if from_unit.lower() == to_unit.lower():
            return value
        source, target = analyte.mmol_per_litre(from_unit), analyte.mmol_per_litre(to_unit)
        if source is None or target is None:
            unusable = [unit for unit, factor in ((from_unit, source), (to_unit, target)) if factor is None]
            raise ValueError(f"cannot convert {code} from {from_unit} to {to_unit}: {' and '.join(unusable)} "
                             f"cannot be related to a molar concentration of {code}")
        return value * source / target

    def unit_spelling(self, code: str, unit: str) -> str:
        """The file's spelling of a unit said in another case ("mmol/l" -> "mmol/L")."""
        analyte = self.ranges.analytes.get(code)
        for known in analyte.units if analyte else []:
            if known.unit.lower() == unit.lower():
                return known.unit
        return unit


def load_ranges(topic: str = DEFAULT_TOPIC, folder: Path | None = None) -> ReferenceRanges:
    """Read and validate a topic's `reference_ranges.yaml`."""
    folder = folder if folder is not None else topic_dir(topic)
    return ReferenceRanges(load_model(folder / "reference_ranges.yaml", RangesFile))
