"""Property tests (hypothesis): the transcript parser, the number parser, unit conversion and the drafting hold
for any input, not just the hand-written cases. Each runs a fixed number of examples with no deadline (the
machine may be loaded), and a fixed seed so a failure reproduces."""

from __future__ import annotations

import math
import os
from functools import cache

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.ranges import ReferenceRanges, load_ranges
from nlp.numbers import parse_spoken, scan
from nlp.transcript_io import TranscriptFormatError, parse, parse_json, to_json
from tests.conftest import loaded_extractor
from tests.knowledge.test_no_invented_facts import knowledge_numbers, numbers

# `make test`: a fixed, small number of examples a property; `make fuzz` sets FUZZ_MAX_EXAMPLES for many more.
_FUZZ = int(os.environ.get("FUZZ_MAX_EXAMPLES", "0")) * 5
FEW = settings(max_examples=_FUZZ or 60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
DRAFTS = settings(max_examples=_FUZZ or 40, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
SEED = seed(20261125)

# -- the transcript parser -----------------------------------------------------------------------------


@SEED
@FEW
@given(st.text(max_size=200))
def test_any_text_is_a_transcript_or_a_format_error(text: str) -> None:
    try:
        transcript = parse(text)
    except TranscriptFormatError as exc:
        assert str(exc)
        return
    assert transcript.segments and all(segment.text.strip() for segment in transcript.segments)
    assert [segment.id for segment in transcript.segments] == list(range(len(transcript.segments)))


_LABELS = st.sampled_from(["Doctor", "Dr", "Patient", "Pt", "Nurse", "Daughter", "GP", "Interpreter"])
_UTTERANCE = st.text(st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"], blacklist_characters="\x85"),
                     min_size=1, max_size=60).filter(lambda text: text.strip() != "")


@SEED
@FEW
@given(st.lists(st.tuples(_LABELS, _UTTERANCE), min_size=1, max_size=12))
def test_labelled_lines_parse_to_one_segment_each_and_round_trip_through_json(
        lines: list[tuple[str, str]]) -> None:
    text = "\n".join(f"{label}: {utterance}" for label, utterance in lines)
    transcript = parse(text)
    assert len(transcript.segments) == len(lines)
    for segment, (label, utterance) in zip(transcript.segments, lines):
        assert segment.text == utterance.strip()
        assert segment.speaker == {"Patient": "patient", "Pt": "patient", "Daughter": "other",
                                   "Interpreter": "other"}.get(label, "clinician")
    assert parse_json(to_json(transcript)) == transcript


@SEED
@FEW
@given(st.binary(max_size=300))
def test_any_json_bytes_are_a_transcript_or_a_format_error(data: bytes) -> None:
    try:
        parse_json("{" + data.decode("utf-8", errors="replace"))
    except TranscriptFormatError:
        pass


# -- the number parser ---------------------------------------------------------------------------------

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spoken(n: int) -> str:
    """0-999 999 in words, the British way ("one hundred and twenty-three")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else f"-{_ONES[n % 10]}")
    if n < 1000:
        rest = n % 100
        return f"{_ONES[n // 100]} hundred" + ("" if rest == 0 else f" and {spoken(rest)}")
    rest = n % 1000
    tail = "" if rest == 0 else (f" and {spoken(rest)}" if rest < 100 else f" {spoken(rest)}")
    return f"{spoken(n // 1000)} thousand{tail}"


@SEED
@FEW
@given(st.integers(min_value=0, max_value=999_999))
def test_a_whole_number_reads_back_from_its_digits_and_from_its_words(n: int) -> None:
    assert parse_spoken(str(n)) == n
    assert parse_spoken(f"{n:,}") == n
    assert parse_spoken(spoken(n)) == n, spoken(n)


@SEED
@FEW
@given(st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=9))
def test_a_decimal_reads_back_from_point_words(whole: int, tenth: int) -> None:
    assert parse_spoken(f"{spoken(whole)} point {_ONES[tenth]}") == pytest.approx(whole + tenth / 10)
    assert parse_spoken(f"{whole}.{tenth}") == pytest.approx(whole + tenth / 10)


@SEED
@FEW
@given(st.lists(st.one_of(st.sampled_from(_ONES + _TENS[2:] + ["hundred", "thousand", "and", "point", "oh", "-",
                                                            "a", "mg", "1,000", "3.1", ".5", "99"]),
                          st.text(max_size=8)), max_size=25))
def test_scanning_any_words_finds_ordered_disjoint_finite_runs(words: list[str]) -> None:
    runs = scan(words)
    end = 0
    for run in runs:
        assert end <= run.start < run.end <= len(words)
        assert math.isfinite(run.value) and run.value >= 0
        end = run.end


# -- unit conversion -----------------------------------------------------------------------------------


@cache
def ranges() -> ReferenceRanges:
    return load_ranges()


def convertible() -> list[tuple[str, str, str]]:
    table = ranges().ranges.analytes
    return [(code, a.unit, b.unit) for code, analyte in table.items() for a in analyte.units for b in analyte.units
            if analyte.mmol_per_litre(a.unit) is not None and analyte.mmol_per_litre(b.unit) is not None]


@SEED
@FEW
@given(st.sampled_from(convertible()), st.floats(min_value=1e-3, max_value=1e4, allow_nan=False))
def test_a_conversion_there_and_back_is_the_identity_and_keeps_the_interpretation(
        pair: tuple[str, str, str], value: float) -> None:
    code, source, target = pair
    there = ranges().convert(code, value, source, target)
    assert there > 0 and math.isclose(ranges().convert(code, there, target, source), value, rel_tol=1e-9)
    assert ranges().interpret(code, value, source) in ("low", "normal", "high")


@SEED
@FEW
@given(st.sampled_from(sorted(ranges().ranges.analytes)), st.text(max_size=8), st.floats(allow_nan=False))
def test_an_impossible_conversion_is_a_value_error_naming_the_analyte(code: str, unit: str, value: float) -> None:
    if ranges().ranges.analytes[code].mmol_per_litre(unit) is not None or unit.lower() == "mmol/l":
        return
    with pytest.raises(ValueError, match=code):
        ranges().convert(code, value, unit, "mmol/L")


# -- drafting: no exception, no number that was not said --------------------------------------------------

_VALUE = st.one_of(st.integers(1, 400).map(str), st.integers(1, 400).map(spoken),
                   st.tuples(st.integers(0, 9), st.integers(0, 9)).map(lambda p: f"{p[0]}.{p[1]}"),
                   st.tuples(st.integers(0, 9), st.integers(0, 9)).map(lambda p: f"{_ONES[p[0]]} point {_ONES[p[1]]}"))
_LINES = [
    "Doctor: What brings you in today?",
    "Patient: Cramps in my {side} calf at night, about {n} times a week.",
    "Patient: I take furosemide {n} mg once a day.",
    "Patient: I'm on atorvastatin {n} milligrams.",
    "Doctor: Your potassium was {n}.",
    "Doctor: Magnesium came back at {n}.",
    "Doctor: Any numbness or tingling?",
    "Patient: No, none.",
    "Patient: It started {n} weeks ago.",
    "Doctor: Your glucose is {n} and your sodium {n}.",
    "Patient: I run {n} miles and I don't drink much water.",
    "Doctor: Let's check your creatine kinase and start magnesium {n} mg.",
    "Patient: I'm {n} years old and pregnant.",
    "Doctor: Stretch your calves before bed.",
]


def extractor() -> Extractor:
    return loaded_extractor()  # the run's one, which the `extractor` fixture gives too


@st.composite
def consultations(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(_LINES), min_size=1, max_size=8))
    out = []
    for line in lines:
        while "{n}" in line:
            line = line.replace("{n}", draw(_VALUE), 1)
        out.append(line.replace("{side}", draw(st.sampled_from(["left", "right", "both"]))))
    return "\n".join(out)


@SEED
@DRAFTS
@given(consultations())
def test_drafting_any_consultation_raises_nothing_and_invents_no_number(text: str) -> None:
    transcript = parse(text)
    findings = extractor().extract(transcript)
    note = draft_note(transcript, findings)
    said = numbers(transcript.text)
    for section in note.sections:
        for sentence in section.sentences:
            assert not numbers(sentence.text) - said, (sentence.text, text)
    for suggestion in note.suggestions:
        assert not numbers(suggestion.text) - said - knowledge_numbers(), (suggestion.text, text)
