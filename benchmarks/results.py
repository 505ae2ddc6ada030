"""benchmarks/RESULTS.md: each benchmark owns one section, between `<!-- name:begin -->` and `<!-- name:end -->`."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def write_section(out: Path, name: str, body: str) -> None:
    """Replace the section `name` of a results file with `body` (appended when missing), keeping the others."""
    begin, end = markers(name)
    section = f"{begin}\n{body.strip()}\n{end}\n"
    text = out.read_text(encoding="utf-8") if out.exists() else "# Benchmark results\n\n"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + section + (f"\n{after}" if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    out.write_text(text, encoding="utf-8")
