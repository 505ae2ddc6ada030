"""Reference ranges (reference_ranges.yaml): which unit a bare number is in, and whether it is low, normal or high."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.datafile import DEFAULT_TOPIC, load_model, topic_dir

Interpretation = Literal["low", "normal", "high"]


class UnitRange(BaseModel):
    """The normal range of an analyte in one unit, and the values that are plausible at all in it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit: str = Field(min_length=1)
    low: float
    high: float
    plausible: tuple[float, float]
    infer: bool = True

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


class Analyte(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    units: list[UnitRange] = Field(min_length=1)


class RangesFile(BaseModel):
    """reference_ranges.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
