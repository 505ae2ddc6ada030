"""article.yaml encodes the whole seed article: its definition, every section, intro and bullet, word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.guidance import Guidance
from tests.conftest import SHARED

SEED = SHARED / "seeds" / "000_227854585e314914.txt"
BULLET = "\u2022"


def seed_sections(path: Path) -> tuple[str, str, dict[str, tuple[str | None, list[str]]]]:
    """(title, definition, {section title: (intro, bullets)}) of the seed's plain-text layout.

    The layout: a title line, a definition paragraph, then sections whose heading is a line of its own,
    an optional intro paragraph, and indented bullets; then "Article last updated on: ..." and a disclaimer.
    """
    blocks = [block.strip() for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if block.strip()]
    title, definition, rest = blocks[0], blocks[1], blocks[2:]
    sections: dict[str, tuple[str | None, list[str]]] = {}
    current: str | None = None
    for block in rest:
        if block.startswith("Article last updated"):
            break  # the trailer (update date, the site's disclaimer) is not part of the article's content
        lines = [line.strip() for line in block.splitlines()]
        if lines[0].startswith(BULLET):
            assert current is not None
            intro, bullets = sections[current]
            sections[current] = (intro, bullets + [line.lstrip(BULLET).strip() for line in lines])
        elif current is not None and not sections[current][1] and sections[current][0] is None:
            sections[current] = (" ".join(lines), [])  # the paragraph between a heading and its bullets
        else:
            current = lines[0]
            sections[current] = (None, [])
    return title, definition, sections


@pytest.fixture(scope="module")
def seed() -> tuple[str, str, dict[str, tuple[str | None, list[str]]]]:
    if not SEED.is_file():
        pytest.skip(f"the seed article is not beside the repo ({SEED})")
    return seed_sections(SEED)


def test_title_and_definition_are_the_seed_s(seed) -> None:  # type: ignore[no-untyped-def]
    article = Guidance().article
    assert (article.title, article.definition) == (seed[0], seed[1])


def test_every_section_intro_and_point_of_the_seed_is_encoded_in_order(seed) -> None:  # type: ignore[no-untyped-def]
    sections = seed[2]
    assert len(sections) == 5 and sum(len(points) for _, points in sections.values()) == 26, \
        "the seed parser must see every section and bullet, or this test proves nothing"
    encoded = {section.title: (section.intro, section.points) for section in Guidance().article.sections}
    assert encoded == sections
