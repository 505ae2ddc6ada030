"""The JSON schema of the findings document (docs/findings.schema.json), each kind with its attributes.

Regenerate with `python -m nlp.schema > docs/findings.schema.json`; tests/nlp/test_attributes.py checks that the
file is current.
"""

from __future__ import annotations

import json
from typing import Any

from nlp.attributes import BY_KIND
from nlp.types import Findings


def findings_schema() -> dict[str, Any]:
    """Findings' JSON schema, with `if kind = K then attributes: <K's model>` on each finding."""
    schema = Findings.model_json_schema()
    definitions = schema.setdefault("$defs", {})
    rules = []
    for kind, model in BY_KIND.items():
        name = model.__name__
        model_schema = model.model_json_schema(ref_template="#/$defs/{model}")
        definitions.update(model_schema.pop("$defs", {}))
        definitions[name] = model_schema
        rules.append({"if": {"properties": {"kind": {"const": kind}}},
                      "then": {"properties": {"attributes": {"$ref": f"#/$defs/{name}"}}}})
    definitions["Finding"]["allOf"] = rules
    return schema


if __name__ == "__main__":
    print(json.dumps(findings_schema(), indent=2, sort_keys=True))  # noqa: T201 - the schema is the output
