"""Every drug name, by brand or generic: the dictionary of `drug-named-entity-recognition`, offline.

The package ships its dictionary (about 107,000 names of 20,000 drugs, with DrugBank and MeSH ids) as a
pickled file; it is read here by path, without importing the package's module, which keeps global state
and can call out to a web API. Names that are ordinary words in conversation ("today" is no drug, but
the dictionary holds brand names like "Aim" or "Alert") are dropped by the stop list
`general/drug_stoplist.yaml`, which says why for each.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.datafile import GENERAL_DIR, load_model
from knowledge.errors import KnowledgeError
from nlp.lexicon import normalise
from nlp.strict import StrictModel

PACKAGE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
SHORTEST_NAME = 4  # shorter names ("ace", "ddi") are abbreviations far more often than drugs in speech
LONGEST_NAME_TOKENS = 5


def code_of(name: str) -> str:
    """A drug's finding code: its generic name in lower snake case ("Vitamin B 12" -> vitamin_b_12)."""
    return normalise(name).replace(" ", "_")


class StopList(StrictModel):
    """drug_stoplist.yaml: names the dictionary holds that are ordinary words in a consultation."""

    names: list[str] = []
    extra: dict[str, str] = {}  # spoken name -> generic name, for names the dictionary lacks


@dataclass(frozen=True)
class DrugDictionary:
    """Normalised name -> drug code, and per code the dictionary's ids."""

    names: dict[str, str]
    ids: dict[str, dict[str, Any]]

    @property
    def longest(self) -> int:
        return LONGEST_NAME_TOKENS

    def code(self, phrase: str) -> str | None:
        return self.names.get(normalise(phrase))

    def aliased(self, aliases: dict[str, str]) -> DrugDictionary:
        """The same dictionary with some codes renamed (a topic's own code for a drug it knows)."""
        names = {name: aliases.get(code, code) for name, code in self.names.items()}
        ids = {aliases.get(code, code): info for code, info in self.ids.items()}
        return DrugDictionary(names, ids)


def dictionary_path() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise KnowledgeError(f"the drug dictionary package '{PACKAGE}' is not installed (pip install soapscribe)")
    return Path(next(iter(spec.submodule_search_locations))) / DICTIONARY_FILE


def load_drug_dictionary(folder: Path | None = None) -> DrugDictionary:
    """Read the package's dictionary and apply the stop list of the general pack (default knowledge/general)."""
    path = (folder if folder is not None else GENERAL_DIR) / "drug_stoplist.yaml"
    try:
        changed = path.stat().st_mtime_ns
    except OSError:
        changed = 0  # load_model names the missing file
    return _load(path, changed)


# Read-only data that takes a second to build: every KnowledgeBase of a process (a test run builds dozens) shares
# one per stop list and version of it.
@lru_cache(maxsize=4)
def _load(stoplist: Path, changed: int) -> DrugDictionary:
    stop = load_model(stoplist, StopList)
    path = dictionary_path()
    try:
        with bz2.open(path, "rb") as handle:
            raw = pickle.load(handle)  # noqa: S301 - the installed package's own data file
    except (OSError, EOFError, pickle.UnpicklingError) as exc:
        raise KnowledgeError(f"{path}: the drug dictionary cannot be read: {exc}") from exc
    stopped = {normalise(name) for name in stop.names}
    canonical_data: dict[str, dict[str, Any]] = raw["drug_canonical_to_data"]
    names: dict[str, str] = {}
    ids: dict[str, dict[str, Any]] = {}
    code_for: dict[str, str] = {}  # canonical -> code, computed once per drug rather than per name
    for variant, canonicals in raw["drug_variant_to_canonical"].items():
        key = variant if variant.isalpha() else normalise(variant)
        if len(key) < SHORTEST_NAME or key in stopped or not canonicals or key.count(" ") >= LONGEST_NAME_TOKENS \
                or key.isdigit():
            continue
        canonical = canonicals[0]
        code = code_for.get(canonical)
        if code is None:
            data = canonical_data.get(canonical, {})
            code = code_for[canonical] = code_of(data.get("name") or canonical)
            ids.setdefault(code, {field: data[field] for field in ("drugbank_id", "mesh_id") if data.get(field)})
        names.setdefault(key, code)
    for spoken, generic in stop.extra.items():
        names[normalise(spoken)] = code_of(generic)
    return DrugDictionary(names, ids)
