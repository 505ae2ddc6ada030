"""benchmarks/RESULTS.md sections: each benchmark replaces only its own."""

from __future__ import annotations

from pathlib import Path

from benchmarks.results import write_section


def test_a_section_is_replaced_in_place_and_the_others_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    write_section(out, "asr", "## ASR\nold")
    write_section(out, "aci", "## ACI\nfirst")
    write_section(out, "asr", "## ASR\nnew")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n")
    assert "old" not in text and "## ASR\nnew" in text and "## ACI\nfirst" in text
    assert text.index("asr:begin") < text.index("asr:end") < text.index("aci:begin") < text.index("aci:end")
    assert text.count("aci:begin") == 1
