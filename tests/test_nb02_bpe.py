"""Notebook 02's byte-pair encoding against the `tokenizers` library's BPE trainer and model.

Both learn merges greedily (the most frequent pair of adjacent symbols, counted over word
counts, with the end-of-word marker "</w>" glued to the last character). They differ only in how
they break ties between pairs of equal count: the notebook takes the smallest (left, right) as
strings; `tokenizers` takes the smallest pair of internal token ids: characters by code point,
then the end-of-word symbols in the order its hash map visits the words (which changes from one
process to the next), then merged symbols by creation. The tests show exactly that: replaying
the greedy algorithm with each tie rule reproduces each list of merges, and where the two lists
first part, the two pairs have the same count.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from autograder.solution import solution_function
from utils import scenes

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "02_tokenization" / "tokenization.ipynb"
N_MERGES = 400
Pair = tuple[str, str]


def initial(word: str) -> tuple[str, ...]:
    """A word as characters with the end-of-word marker on the last one."""
    return (*word[:-1], word[-1] + "</w>")


def merge(symbols: tuple[str, ...], pair: Pair) -> tuple[str, ...]:
    """Every occurrence of the pair merged, left to right, without overlaps."""
    out, i = [], 0
    while i < len(symbols):
        if symbols[i:i + 2] == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def pair_counts(words: dict[tuple[str, ...], int]) -> Counter:
    """Counts of adjacent symbol pairs, weighted by the word counts."""
    counts = Counter()
    for symbols, count in words.items():
        for pair in zip(symbols, symbols[1:], strict=False):
            counts[pair] += count
    return counts


def greedy(word_counts: dict[str, int], n_merges: int, tie_key: Callable[[Pair], object]) -> list[Pair]:
    """Greedy BPE with a given tie rule (the test's own second implementation)."""
    words = {initial(w): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        counts = pair_counts(words)
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], tie_key(p)))
        merges.append(best)
        words = {merge(s, best): c for s, c in words.items()}
    return merges


@pytest.fixture(scope="module")
def word_counts() -> Counter:
    """The solution's tokens of the Scenes training captions."""
    tokenize = solution_function("tokenize", NOTEBOOK)
    return Counter(t for c in scenes.load_scenes("train", progress=False).captions for t in tokenize(c))


@pytest.fixture(scope="module")
def trained(word_counts: Counter) -> tuple[Tokenizer, list[Pair], dict[str, int]]:
    """A `tokenizers` BPE trained on the same words: the tokenizer, its merges and its vocabulary ids."""
    alphabet = {ch for w in word_counts for ch in w} | {w[-1] + "</w>" for w in word_counts}
    tokenizer = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(vocab_size=len(alphabet) + N_MERGES, show_progress=False,
                                  end_of_word_suffix="</w>")
    tokenizer.train_from_iterator((" ".join([w] * c) for w, c in word_counts.items()), trainer)
    model = json.loads(tokenizer.to_str())["model"]
    return tokenizer, [tuple(m) for m in model["merges"]], model["vocab"]


def test_same_algorithm_different_tie_rule(word_counts, trained) -> None:
    learn_bpe = solution_function("learn_bpe", NOTEBOOK)
    _, theirs, ids = trained
    ours = [tuple(m) for m in learn_bpe(dict(word_counts), N_MERGES)]
    assert len(ours) == len(theirs) == N_MERGES
    # each list is the greedy algorithm with its own tie rule
    assert ours == greedy(word_counts, N_MERGES, tie_key=lambda pair: pair)
    assert theirs == greedy(word_counts, N_MERGES, tie_key=lambda pair: (ids[pair[0]], ids[pair[1]]))
    # where they first part, the two pairs tie
    first = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b), None)
    if first is not None:
        words = {initial(w): c for w, c in word_counts.items()}
        for pair in ours[:first]:
            words = {merge(s, pair): c for s, c in words.items()}
        counts = pair_counts(words)
        assert counts[ours[first]] == counts[theirs[first]] == max(counts.values())
        print(f"identical for {first} merges; merge {first + 1} is a tie at count {counts[ours[first]]}: "
              f"ours {ours[first]}, tokenizers {theirs[first]}")


def test_segment_matches_the_tokenizers_model(word_counts, trained) -> None:
    """Given the same merges, bpe_segment splits every word exactly as the library's BPE model does."""
    bpe_segment = solution_function("bpe_segment", NOTEBOOK)
    tokenizer, theirs, _ = trained
    unseen = ["perchings", "snowbirds", "tropical", "wooden", "balloonist", "owl", "a", "sss"]
    for word in [*word_counts, *unseen]:
        assert bpe_segment(word, theirs) == tokenizer.encode(word).tokens, word


def sennrich_algorithm1(vocab: dict[str, int], num_merges: int) -> list[Pair]:
    """Algorithm 1 of Sennrich et al. (2016), as printed: space-separated symbols, '</w>' its own symbol."""
    import re

    def get_stats(vocab):
        pairs = Counter()
        for word, freq in vocab.items():
            symbols = word.split()
            for i in range(len(symbols) - 1):
                pairs[symbols[i], symbols[i + 1]] += freq
        return pairs

    def merge_vocab(pair, v_in):
        p = re.compile(r"(?<!\S)" + re.escape(" ".join(pair)) + r"(?!\S)")
        return {p.sub("".join(pair), word): freq for word, freq in v_in.items()}

    merges = []
    for _ in range(num_merges):
        pairs = get_stats(vocab)
        best = max(pairs, key=pairs.get)
        vocab = merge_vocab(best, vocab)
        merges.append(best)
    return merges


def test_the_papers_algorithm_1_keeps_the_marker_apart() -> None:
    """The notebook's section 8: Algorithm 1's third merge is (est, </w>) and its ninth (low, </w>);
    with the marker glued, the solution's first merges are those of the worked example."""
    paper = sennrich_algorithm1({"l o w </w>": 5, "l o w e r </w>": 2, "n e w e s t </w>": 6,
                                 "w i d e s t </w>": 3}, 10)
    assert paper[2] == ("est", "</w>") and paper[8] == ("low", "</w>"), paper
    learn_bpe = solution_function("learn_bpe", NOTEBOOK)
    ours = [tuple(m) for m in learn_bpe({"low": 5, "lower": 2, "newest": 6, "widest": 3}, 7)]
    assert ours == [("e", "s"), ("es", "t</w>"), ("l", "o"), ("e", "w"), ("ew", "est</w>"), ("n", "ewest</w>"),
                    ("lo", "w</w>")]
    assert all("</w>" not in a and b != "</w>" for a, b in ours)


def test_clip_tokenizer_loads_offline_and_round_trips() -> None:
    """Section 10's claims about open_clip's SimpleTokenizer, with every network connection refused."""
    import subprocess
    import sys

    code = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network refused by the test")
socket.socket.connect = refuse
socket.create_connection = refuse
from open_clip.tokenizer import SimpleTokenizer
tok = SimpleTokenizer()
assert tok.vocab_size == 49408 and len(tok.bpe_ranks) == 48894, (tok.vocab_size, len(tok.bpe_ranks))
ids = tok.encode("Perching parakeet in a wire frame cage.")
assert tok.decode(ids) == "perching parakeet in a wire frame cage . "
assert [tok.decoder[i] for i in tok.encode("perches perch")] == ["per", "ches</w>", "perch</w>"]
assert tok.encode("An owl perches.") == tok.encode("An owl perches .")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
