"""Notebook 02's Porter stemmer against the reference implementation (NLTK, MARTIN_EXTENSIONS).

The reference version is the one on Martin Porter's own page; NLTK reproduces it with
`PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)`. The acceptance test: the solution's
`porter_stem` agrees with it on at least 99.9 % of the 50,000 most frequent alphabetic words of
GloVe's vocabulary (offline, `utils.pretrained.glove_vocabulary()`, ordered by frequency).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from nltk.stem import PorterStemmer

from autograder.solution import solution_function
from utils import pretrained

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "02_tokenization" / "tokenization.ipynb"
N_WORDS = 50_000
STEPS = ("step1a", "step1b", "step1c", "step2", "step3", "step4", "step5a", "step5b")


@pytest.fixture(scope="module")
def words() -> list[str]:
    """The 50,000 most frequent GloVe words made of the letters a-z only."""
    return [w for w in pretrained.glove_vocabulary() if w.isascii() and w.isalpha()][:N_WORDS]


@pytest.fixture(scope="module")
def reference() -> PorterStemmer:
    return PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)


def test_porter_stem_agrees_with_the_reference_on_50000_glove_words(words, reference) -> None:
    assert len(words) == N_WORDS and words[:3] == ["the", "of", "to"]
    porter_stem = solution_function("porter_stem", NOTEBOOK)
    disagreements = [(w, porter_stem(w), reference.stem(w)) for w in words if porter_stem(w) != reference.stem(w)]
    agreement = 1 - len(disagreements) / len(words)
    print(f"agreement {100 * agreement:.3f} % on {len(words)} words; disagreements: {disagreements[:50]}")
    assert agreement >= 0.999, f"{len(disagreements)} disagreements, e.g. {disagreements[:20]}"


def test_every_step_agrees_with_the_reference_step(words, reference) -> None:
    """Each step sees what the reference's previous steps made of the word, and must do the same."""
    ours = {name: solution_function(name, NOTEBOOK) for name in STEPS}
    theirs = {name: getattr(reference, f"_{name}") for name in STEPS}
    differ = {}
    for word in words:
        if len(word) <= 2:
            continue
        for name in STEPS:
            expected = theirs[name](word)
            if ours[name](word) != expected:
                differ.setdefault(name, []).append((word, ours[name](word), expected))
            word = expected
    assert not differ, {name: found[:10] for name, found in differ.items()}


def test_paper_and_lecture_examples(reference) -> None:
    porter_stem = solution_function("porter_stem", NOTEBOOK)
    examples = {"caresses": "caress", "ponies": "poni", "agreed": "agre", "motoring": "motor", "hopping": "hop",
                "filing": "file", "happy": "happi", "relational": "relat", "tropical": "tropic", "jungle": "jungl",
                "perches": "perch", "perching": "perch", "lands": "land", "wooden": "wooden", "is": "is",
                "archaeology": "archaeolog", "possibly": "possibl"}
    for word, stem in examples.items():
        assert porter_stem(word) == stem == reference.stem(word), word


def test_double_consonant_tests_the_last_letter_as_the_reference_does(reference) -> None:
    """*d as notebook 02 states it: the same letter twice and the LAST one a consonant (the C code's
    doublec, NLTK's _ends_double_consonant). Two adjacent y's are never both consonants."""
    ends_double_consonant = solution_function("ends_double_consonant", NOTEBOOK)
    is_consonant = solution_function("is_consonant", NOTEBOOK)
    stems = ["yy", "yyy", "yyyy", "ayy", "ayyy", "byy", "kyy", "bayy", "hopp", "fall", "tree", "ss", "ee"]
    for stem in stems:
        assert ends_double_consonant(stem) == reference._ends_double_consonant(stem), stem
    assert [ends_double_consonant(w) for w in ("yy", "ayy", "byy", "yyy")] == [False, False, True, True]
    for word in ("yy", "yyy", "yyyy", "ayyy", "byyy"):
        flags = [is_consonant(word, i) for i in range(len(word))]
        assert not any(a and b for a, b in zip(flags, flags[1:], strict=False)), (word, flags)


def test_words_of_one_or_two_letters_are_a_departure_from_the_paper() -> None:
    """The paper's algorithm (NLTK's ORIGINAL_ALGORITHM) stems "is" and "as"; the reference does not."""
    porter_stem = solution_function("porter_stem", NOTEBOOK)
    original = PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)
    assert [original.stem(w) for w in ("is", "as")] == ["i", "a"]
    assert [porter_stem(w) for w in ("is", "as")] == ["is", "as"]
