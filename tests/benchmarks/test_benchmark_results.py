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


def test_results_md_has_a_section_for_every_issue_9_benchmark() -> None:
    from benchmarks.results import RESULTS, markers

    text = RESULTS.read_text(encoding="utf-8")
    for name in ("pipeline", "asr_matrix", "api_load", "profile"):
        begin, end = markers(name)
        assert begin in text and end in text, name


def test_the_asr_matrix_reads_back_the_rows_it_wrote(tmp_path: Path) -> None:
    from benchmarks.asr_matrix import Config, Result, previous_results, report

    rows = [Result(Config(1.0, "tiny.en", 1, "faster-whisper", "int8"), 60.0, 0.5, 3.0, 5.5, 573.0, 96, 1.5),
            Result(Config(1.0, "tiny.en", 5, "openai-whisper", "float32"), 60.0, 1.0, 12.0, 20.0, 906.0, 1_104, 2.0)]
    out = tmp_path / "RESULTS.md"
    write_section(out, "asr_matrix", report(rows, [1.0], [1.0], ["tiny.en"], "2026-01-01 00:00", 1.0, 2.0))
    assert previous_results(out) == rows
