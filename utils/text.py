"""The plain tokenizer, vocabulary builder and stop-word list the notebooks start from.

`tokenize` is deliberately simple (notebook 01 uses it as given; notebook 02 improves on it):

1. lowercase the text (`str.lower`);
2. split on whitespace (`str.split()` with no argument: spaces, tabs, newlines);
3. strip ASCII punctuation (`string.punctuation`) from both edges of every piece;
4. drop pieces that are empty afterwards (a lone "," or "--").

Punctuation inside a word survives ("hot-air", "don't"), and there is no stemming
("perches" and "perch" are different tokens).
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterable

PUNCTUATION = string.punctuation

# A small English stop-word list: articles, the commonest prepositions, auxiliaries and pronouns.
# Spatial words (above, below, left, right, next, over, under) and numbers are NOT stop words:
# the scenes' captions use them to describe the picture.
STOP_WORDS: frozenset[str] = frozenset({
    "a", "an", "the", "of", "in", "on", "at", "to", "into", "by", "for", "from", "with", "as",
    "is", "are", "was", "were", "be", "been", "and", "or", "it", "its", "this", "that", "there",
    "some",
})


def tokenize(text: str) -> list[str]:
    """Lowercase, split on whitespace and strip punctuation at word edges ("A bird." -> a, bird)."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a str, got {type(text).__name__}")
    tokens = (piece.strip(PUNCTUATION) for piece in text.lower().split())
    return [token for token in tokens if token]


def build_vocabulary(
    captions: Iterable[str], min_count: int = 1, max_size: int | None = None
) -> list[str]:
    """Tokens seen at least `min_count` times, most frequent first (ties alphabetical)."""
    if isinstance(captions, str):
        raise TypeError("build_vocabulary expects a list of captions, not a single string")
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    if max_size is not None and max_size < 0:
        raise ValueError(f"max_size must be None or >= 0, got {max_size}")
    counts = Counter(token for caption in captions for token in tokenize(caption))
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return words if max_size is None else words[:max_size]
