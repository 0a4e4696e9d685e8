"""Quotes attributed to the lecture are the lecture's words.

In a notebook's markdown, a sentence that names the lecture or one of its slides quotes it in
double quotes; every such quote must appear in the lecture's text (`../shared/lecture/
multimodal_lecture.txt`, beside the repository and never copied into it; `COURSE_LECTURE`
overrides the path). "..." inside a quote marks an omission. The course's own terms in such a
sentence go in italics, not in quotes. Where the lecture file is absent, the test skips.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURE = Path(os.environ.get("COURSE_LECTURE", ROOT.parent / "shared" / "lecture" /
                              "multimodal_lecture.txt"))
SOLUTIONS = sorted(ROOT.glob("solutions/*/*.ipynb"))
QUOTE = re.compile(r'(?:(?<=^)|(?<=[\s(\[]))["“]([^"“”\n]{2,240}?)["”](?=$|[\s.,;:!?)\]—–-])')
ATTRIBUTION = re.compile(r"\b(lecture|slides?)\b", re.IGNORECASE)


def normal(text: str) -> str:
    """Lower case, plain quotes and dashes, no markdown emphasis, single spaces."""
    for fancy, plain in (("’", "'"), ("‘", "'"), ("–", "-"), ("—", "-"), ("→", "->")):
        text = text.replace(fancy, plain)
    text = re.sub(r"[*_`\\]", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def attributed_quotes(markdown: str) -> list[str]:
    """The double-quoted strings of the sentences that name the lecture or a slide."""
    text = re.sub(r"\$[^$]*\$|`[^`]*`", " ", markdown)  # maths and code are never quotes
    text = re.sub(r"\s+", " ", text)
    quotes = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z*(\"“])|\n", text):
        if ATTRIBUTION.search(sentence):
            quotes += QUOTE.findall(sentence)
    return quotes


def in_lecture(quote: str, lecture: str) -> bool:
    """Each part of the quote (split at '...') appears in the lecture, ignoring end punctuation."""
    parts = [normal(p).strip(" .,;:!?") for p in re.split(r"\.\.\.|…", quote)]
    return all(part in lecture for part in parts if part)


@pytest.mark.skipif(not LECTURE.is_file(), reason=f"the lecture is not at {LECTURE} "
                    "(it lives beside the repository; set COURSE_LECTURE to its path)")
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_quotes_attributed_to_the_lecture_are_its_words(path: Path) -> None:
    lecture = normal(LECTURE.read_text(encoding="utf-8"))
    cells = nbformat.read(path, as_version=4).cells
    wrong = [quote for cell in cells if cell.cell_type == "markdown"
             for quote in attributed_quotes(cell.source) if not in_lecture(quote, lecture)]
    assert not wrong, (f"{path.parent.name} quotes as the lecture's words that the lecture does not "
                       f"have (quote it exactly, or use italics for the course's own terms): {wrong}")


def test_the_quote_finder_sees_attributed_quotes_only() -> None:
    text = ('The lecture asks "Are these symmetric?" and we say "ours". '
            'Elsewhere "free" is free. The slide\'s $"x"$ is maths and `"y"` is code.')
    assert attributed_quotes(text) == ["Are these symmetric?", "ours"]
    assert in_lecture("a ... c", "a b c") and not in_lecture("a d", "a b c")
