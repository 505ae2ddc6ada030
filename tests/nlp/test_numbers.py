"""Spoken and written numbers, as patients, clinicians and ASR say them."""

from __future__ import annotations

import pytest

from nlp.numbers import NumberRun, parse_spoken, scan


@pytest.mark.parametrize(("text", "value"), [
    ("three point one", 3.1),
    ("forty", 40),
    ("twenty-five", 25),
    ("twenty five", 25),
    ("one hundred and twenty", 120),
    ("a hundred", 100),
    ("five hundred", 500),
    ("one thirty one", 131),
    ("one thirty eight", 138),
    ("zero point five", 0.5),
    ("point five", 0.5),
    ("twelve point five", 12.5),
    ("nine point two", 9.2),
    ("sixty eight", 68),
    ("two thousand", 2000),
    ("two thousand and five", 2005),
    ("3.1", 3.1),
    ("40", 40),
    ("1,000", 1000),
    ("three point one five", 3.15),
    ("thirty eight and a half", 38.5),  # a half said after a whole number
    ("2 and a half", 2.5),
])
def test_a_spoken_or_written_number_has_its_value(text: str, value: float) -> None:
    assert parse_spoken(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "potassium", "a", "and", "forty milligrams", "three four"])
def test_text_that_is_not_exactly_one_number_has_no_value(text: str) -> None:
    assert parse_spoken(text) is None


def test_scan_finds_each_number_with_its_word_span() -> None:
    words = "your sodium was one thirty one and your magnesium was zero point five".split()
    assert scan(words) == [NumberRun(3, 6, 131), NumberRun(10, 13, 0.5)]


def test_scan_reads_hyphenated_tokens_as_spacy_splits_them() -> None:
    assert scan(["spironolactone", "twenty", "-", "five", "mg"]) == [NumberRun(1, 4, 25)]


def test_adjacent_single_digits_are_separate_numbers() -> None:
    assert [run.value for run in scan(["three", "four"])] == [3, 4]


def test_a_range_said_round_is_no_value() -> None:
    words = "have your blood sugars been running in the low one hundreds or two hundreds".split()
    assert scan(words) == []
    assert [run.value for run in scan("it was one hundred and ten".split())] == [110]


def test_a_reading_said_by_its_decade_is_its_lowest_value() -> None:
    assert [run.value for run in scan("they have been in the one forties most mornings".split())] == [140]
    assert scan("she is in her twenties and runs in the sixties".split()) == []  # an age, a rate: no hundreds said
