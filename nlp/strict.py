"""The pydantic base of every data-file and contract model, defined once."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Immutable, and a field it does not declare is an error: a misspelt key in a data file fails at load, named."""

    model_config = ConfigDict(extra="forbid", frozen=True)
