"""The plain tokenizer, vocabulary builder, token ids and stop-word list the notebooks start from.

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
from collections.abc import Callable, Iterable, Sequence

import numpy as np

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


Tokenizer = Callable[[str], list[str]]


def build_vocabulary(
    captions: Iterable[str], min_count: int = 1, max_size: int | None = None,
    tokenizer: Tokenizer = tokenize,
) -> list[str]:
    """Tokens seen at least `min_count` times, most frequent first (ties alphabetical)."""
    if isinstance(captions, str):
        raise TypeError("build_vocabulary expects a list of captions, not a single string")
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    if max_size is not None and max_size < 0:
        raise ValueError(f"max_size must be None or >= 0, got {max_size}")
    counts = Counter(token for caption in captions for token in tokenizer(caption))
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return words if max_size is None else words[:max_size]


PAD, UNK = "<pad>", "<unk>"


class Vocabulary:
    """Token <-> id: the special tokens first (`<pad>` is 0, `<unk>` is 1), then the words.

    Unknown tokens encode to `<unk>`. Build one from captions with `Vocabulary.from_texts`;
    `encode_texts` turns captions into a padded (N, max_len) int64 array for a model.
    """

    def __init__(self, words: Sequence[str], specials: Sequence[str] = (PAD, UNK)) -> None:
        """Ids 0.. for `specials` (which must start with <pad>, <unk>), then `words` in order."""
        if tuple(specials[:2]) != (PAD, UNK):
            raise ValueError(f"specials must start with {PAD!r}, {UNK!r}; got {list(specials)}")
        tokens = [*specials, *words]
        if len(set(tokens)) != len(tokens):
            repeated = sorted({t for t in tokens if tokens.count(t) > 1})
            raise ValueError(f"vocabulary tokens must be distinct; repeated: {repeated[:10]}")
        self.tokens: list[str] = tokens
        self.specials: tuple[str, ...] = tuple(specials)
        self._ids = {token: i for i, token in enumerate(tokens)}

    @classmethod
    def from_texts(cls, texts: Iterable[str], min_count: int = 1, max_size: int | None = None,
                   tokenizer: Tokenizer = tokenize,
                   specials: Sequence[str] = (PAD, UNK)) -> Vocabulary:
        """The words of `texts` seen at least `min_count` times (most frequent first)."""
        words = build_vocabulary(texts, min_count, max_size, tokenizer)
        return cls([w for w in words if w not in specials], specials)

    @property
    def pad_id(self) -> int:
        """The id of `<pad>` (0)."""
        return 0

    @property
    def unk_id(self) -> int:
        """The id of `<unk>` (1)."""
        return 1

    def __len__(self) -> int:
        """Number of ids, special tokens included."""
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        """True when `token` has an id of its own."""
        return token in self._ids

    def __repr__(self) -> str:
        """A short description."""
        return f"Vocabulary({len(self)} tokens: {self.tokens[:8]}...)"

    def id(self, token: str) -> int:
        """The id of one token (`<unk>`'s id when unknown)."""
        return self._ids.get(token, 1)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Ids of a token sequence."""
        if isinstance(tokens, str):
            raise TypeError("encode expects a list of tokens; tokenize the text first")
        return [self._ids.get(t, 1) for t in tokens]

    def decode(self, ids: Iterable[int], skip_pad: bool = True) -> list[str]:
        """Tokens of an id sequence (padding dropped unless `skip_pad=False`)."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.tokens):
                raise IndexError(f"id {i} is outside this vocabulary of {len(self.tokens)} ids")
            if i or not skip_pad:
                out.append(self.tokens[i])
        return out

    def encode_texts(self, texts: Sequence[str], max_len: int,
                     tokenizer: Tokenizer = tokenize) -> tuple[np.ndarray, np.ndarray]:
        """Padded ids (N, max_len) int64 (longer texts are cut) and each text's length (N,)."""
        if isinstance(texts, str):
            raise TypeError("encode_texts expects a list of texts, not a single string")
        if max_len < 1:
            raise ValueError(f"max_len must be >= 1, got {max_len}")
        ids = np.zeros((len(texts), max_len), dtype=np.int64)
        lengths = np.zeros(len(texts), dtype=np.int64)
        for row, text in enumerate(texts):
            encoded = self.encode(tokenizer(text))[:max_len]
            ids[row, :len(encoded)] = encoded
            lengths[row] = len(encoded)
        return ids, lengths
