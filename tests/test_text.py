"""The plain tokenizer, vocabulary builder and stop words."""

from __future__ import annotations

import numpy as np
import pytest

from utils.text import STOP_WORDS, Vocabulary, build_vocabulary, tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("A red bird perches in the jungle.", ["a", "red", "bird", "perches", "in", "the", "jungle"]),
        ("In the jungle, a bird perches!", ["in", "the", "jungle", "a", "bird", "perches"]),
        ('  "Hello,"\tworld\n(again)  ', ["hello", "world", "again"]),
        ("A hot-air balloon isn't red", ["a", "hot-air", "balloon", "isn't", "red"]),
        ("Two -- birds ... fly", ["two", "birds", "fly"]),
        ("BIRD Bird bird", ["bird", "bird", "bird"]),
        ("", []),
        ("?!.", []),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_tokenize_does_not_stem() -> None:
    assert tokenize("perch perches perching perched") == ["perch", "perches", "perching", "perched"]


def test_tokenize_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="str"):
        tokenize(["a", "bird"])  # type: ignore[arg-type]


def test_build_vocabulary_orders_by_frequency_then_alphabet() -> None:
    captions = ["A red bird.", "a blue bird", "The red boat", "a cat"]
    assert build_vocabulary(captions) == ["a", "bird", "red", "blue", "boat", "cat", "the"]
    assert build_vocabulary(captions, min_count=2) == ["a", "bird", "red"]
    assert build_vocabulary(captions, max_size=4) == ["a", "bird", "red", "blue"]
    assert build_vocabulary(reversed(captions)) == build_vocabulary(captions)  # deterministic
    assert build_vocabulary([]) == []


def test_build_vocabulary_validates_arguments() -> None:
    with pytest.raises(TypeError, match="list of captions"):
        build_vocabulary("a red bird")
    with pytest.raises(ValueError, match="min_count"):
        build_vocabulary(["a"], min_count=0)
    with pytest.raises(ValueError, match="max_size"):
        build_vocabulary(["a"], max_size=-1)


def test_stop_words() -> None:
    assert isinstance(STOP_WORDS, frozenset)
    assert {"a", "an", "the", "of", "in", "on", "is", "and", "with"} <= STOP_WORDS
    assert 10 <= len(STOP_WORDS) <= 60
    # words the scenes' captions need for their meaning are not stop words
    for word in ("above", "below", "left", "right", "next", "over", "under", "two", "red", "play"):
        assert word not in STOP_WORDS
    assert all(w == w.lower() and tokenize(w) == [w] for w in STOP_WORDS)


def test_vocabulary_ids_round_trip_with_specials_first() -> None:
    vocab = Vocabulary.from_texts(["A red bird.", "a red boat", "a cat"], min_count=2)
    assert vocab.tokens == ["<pad>", "<unk>", "a", "red"]
    assert (vocab.pad_id, vocab.unk_id, len(vocab)) == (0, 1, 4)
    assert vocab.encode(["a", "red", "zebra"]) == [2, 3, 1]
    assert vocab.decode([2, 3, 1, 0, 0]) == ["a", "red", "<unk>"]
    assert vocab.decode([2, 0], skip_pad=False) == ["a", "<pad>"]
    assert "red" in vocab and "zebra" not in vocab


def test_vocabulary_encodes_padded_batches() -> None:
    vocab = Vocabulary(["a", "red", "bird"], specials=("<pad>", "<unk>", "<mask>"))
    ids, lengths = vocab.encode_texts(["A red bird.", "bird", "a red red red bird"], max_len=4)
    assert ids.dtype == np.int64 and ids.tolist() == [[3, 4, 5, 0], [5, 0, 0, 0], [3, 4, 4, 4]]
    assert lengths.tolist() == [3, 1, 4]
    upper = Vocabulary.from_texts(["Red RED"], tokenizer=str.split)
    assert upper.tokens[2:] == ["RED", "Red"]


@pytest.mark.parametrize(("call", "error"), [
    (lambda: Vocabulary(["a", "a"]), ValueError),
    (lambda: Vocabulary(["a"], specials=("<unk>", "<pad>")), ValueError),
    (lambda: Vocabulary(["a"]).encode("a red bird"), TypeError),
    (lambda: Vocabulary(["a"]).decode([7]), IndexError),
    (lambda: Vocabulary(["a"]).encode_texts("a", max_len=3), TypeError),
    (lambda: Vocabulary(["a"]).encode_texts(["a"], max_len=0), ValueError),
])
def test_vocabulary_rejects_bad_input(call, error) -> None:
    with pytest.raises(error):
        call()
