"""Numbers as people say them and as ASR writes them.

"three point one" -> 3.1, "forty" -> 40, "twenty-five" -> 25, "one hundred and twenty" -> 120,
"one thirty one" -> 131 (the way lab values are read out), "3.1", "1,000", "thirty seven and a half" -> 37.5.
Works on a list of word strings so the spaCy components can map a number back to its tokens.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_UNITS = {"zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_DIGITS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$|^\.\d+$")


@dataclass(frozen=True)
class NumberRun:
    """A number found in a word list: words[start:end] say `value`."""

    start: int
    end: int
    value: float


class _Reader:
    """A small recursive-descent reader over lower-cased words, one number at a time."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = [word.lower() for word in words]

    def at(self, i: int) -> str:
        return self.words[i] if i < len(self.words) else ""

    def below_hundred(self, i: int) -> tuple[int, int] | None:
        """`twenty five`, `twenty-five`, `twelve`, `seven`; 'oh' only counts as a digit after 'point'."""
        word = self.at(i)
        if word in _TEENS:
            return _TEENS[word], i + 1
        if word in _TENS:
            j = i + 2 if self.at(i + 1) == "-" and self.at(i + 2) in _UNITS else i + 1
            unit = self.at(j)
            if unit in _UNITS and _UNITS[unit] > 0 and unit != "oh":
                return _TENS[word] + _UNITS[unit], j + 1
            return _TENS[word], i + 1
        if word in _UNITS and word != "oh":
            return _UNITS[word], i + 1
        return None

    def below_thousand(self, i: int) -> tuple[int, int] | None:
        word = self.at(i)
        if (word == "a" or (word in _UNITS and _UNITS[word] > 0)) and self.at(i + 1) == "hundred":
            hundreds = 1 if word == "a" else _UNITS[word]
            j = i + 2
            k = j + 1 if self.at(j) == "and" else j
            rest = self.below_hundred(k)
            if rest:
                return hundreds * 100 + rest[0], rest[1]
            return hundreds * 100, j
        if word in _UNITS and _UNITS[word] > 0 and (self.at(i + 1) in _TENS or self.at(i + 1) in _TEENS):
            # "one thirty one" = 131: a lab value read out in two parts.
            rest = self.below_hundred(i + 1)
            if rest:
                return _UNITS[word] * 100 + rest[0], rest[1]
        return self.below_hundred(i)

    def integer(self, i: int) -> tuple[int, int] | None:
        if self.at(i) == "a" and self.at(i + 1) == "thousand":
            head: tuple[int, int] | None = (1, i + 1)
        else:
            head = self.below_thousand(i)
        if head and self.at(head[1]) == "thousand":
            j = head[1] + 1
            k = j + 1 if self.at(j) == "and" else j
            rest = self.below_thousand(k)
            if rest:
                return head[0] * 1000 + rest[0], rest[1]
            return head[0] * 1000, j
        return head

    def decimals(self, i: int) -> tuple[str, int]:
        digits = ""
        while self.at(i) in _UNITS:
            digits += str(_UNITS[self.at(i)])
            i += 1
        return digits, i

    def number(self, i: int) -> tuple[float, int] | None:
        """The number that starts at word i, with the index after it; None when no number starts there. "and a half"
        said after a whole number adds a half ("thirty seven and a half", "two and a half")."""
        found = self.whole_or_decimal(i)
        if found is not None and found[0] == int(found[0]) and self.words[found[1]:found[1] + 3] == HALF:
            return found[0] + 0.5, found[1] + len(HALF)
        return found

    def whole_or_decimal(self, i: int) -> tuple[float, int] | None:
        word = self.at(i)
        if _DIGITS.match(word):
            return float(word.replace(",", "")), i + 1
        if word == "point":
            digits, j = self.decimals(i + 1)
            return (float(f"0.{digits}"), j) if digits else None
        head = self.integer(i)
        if head is None:
            if word in ("zero", "oh") and self.at(i + 1) == "point":
                head = (0, i + 1)
            else:
                return None
        value, j = head
        # "ninety seven . seven": transcripts that spell numbers write the spoken point as "."
        if self.at(j) == "point" or self.at(j) == "." and not _DIGITS.match(word):
            digits, k = self.decimals(j + 1)
            if digits:
                return float(f"{value}.{digits}"), k
        return float(value), j


HALF = ["and", "a", "half"]

# "in the low one hundreds", "the two thousands": a range said round, no value
_ROUND_RANGE = {"hundreds", "thousands"}
# "running in the one twenties" (120 to 129), "the one eighties": a reading said by its decade, its lowest value
_DECADES = {"teens": 10, "twenties": 20, "thirties": 30, "forties": 40, "fourties": 40, "fifties": 50, "sixties": 60,
            "seventies": 70, "eighties": 80, "nineties": 90}


def scan(words: Sequence[str]) -> list[NumberRun]:
    """Every number in a word list, longest reading first, left to right."""
    reader = _Reader(words)
    runs: list[NumberRun] = []
    i = 0
    while i < len(reader.words):
        found = reader.number(i)
        decade = reader.at(found[1]) if found else ""
        if found and decade in _DECADES and found[0] in range(1, 10) and found[1] == i + 1:
            runs.append(NumberRun(i, found[1] + 1, found[0] * 100 + _DECADES[decade]))
            i = found[1] + 1
            continue
        if found and reader.at(found[1]) in _ROUND_RANGE:
            i = found[1] + 1
            continue
        if found:
            runs.append(NumberRun(i, found[1], found[0]))
            i = found[1]
        else:
            i += 1
    return runs


def parse_spoken(text: str) -> float | None:
    """The value of a text that is exactly one number ("twenty-five", "3.1"); None otherwise."""
    words = re.findall(r"\d[\d,]*\.?\d*|\.\d+|[a-z]+|-", text.lower())
    runs = scan(words)
    if len(runs) == 1 and runs[0].start == 0 and runs[0].end == len(words):
        return runs[0].value
    return None
