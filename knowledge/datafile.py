"""Load one YAML data file into a pydantic model, with errors that name file and field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.errors import KnowledgeError

TOPICS_DIR = Path(__file__).parent / "topics"
GENERAL_DIR = Path(__file__).parent / "general"  # the general pack, read with every topic
DEFAULT_TOPIC = "leg_cramps"

M = TypeVar("M", bound=BaseModel)
# libyaml's safe loader parses the general pack's term files ten times faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def topic_dir(topic: str = DEFAULT_TOPIC, root: Path | None = None) -> Path:
    """The folder of a topic: `root/topic`, `root` being a folder of topic folders (default: the built-in one).

    A topic is data only, so a deployment adds one by pointing `root` (SOAPSCRIBE_TOPICS_DIR) at its own folder.
    """
    base = root if root is not None else TOPICS_DIR
    path = base / topic
    if not path.is_dir():
        raise KnowledgeError(f"{path}: no such topic folder (topic '{topic}' is not a folder of {base})")
    return path


def load_model(path: Path, model: type[M]) -> M:
    """Parse `path` as YAML and validate it as `model`.

    The error message reads like `leg_cramps/drugs.yaml: drugs.3.class: field required`,
    so whoever edits the data can find the line to fix.
    """
    label = f"{path.parent.name}/{path.name}"
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader, libyaml's when built with it
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{label}: file not found") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{label}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '(top)'}: {err['msg']}{_line(text, err['loc'])}"
            for err in exc.errors()
        )
        raise KnowledgeError(f"{label}: {problems}") from exc


def line_of(path: Path, loc: tuple[int | str, ...]) -> str:
    """" (line N)" of the node at `loc` in a YAML file (empty when it cannot be read)."""
    try:
        return _line(path.read_text(encoding="utf-8"), loc)
    except (OSError, yaml.YAMLError):
        return ""


def _line(text: str, loc: tuple[int | str, ...]) -> str:
    """" (line N)" of the YAML node at `loc`, as far down as the document goes, so an editor can jump to it."""
    node = yaml.compose(text)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            return ""
    return f" (line {node.start_mark.line + 1})" if node is not None else ""
