"""Query groups (which kind of informative words a caption uses) and per-image attributes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from utils.data import CaptionedImages
from utils.scenes.vocabulary import (
    BACKGROUNDS,
    CLASSES,
    COLOURS,
    HYPERNYM_NOUNS,
    PLURALS,
    RELATIONS,
    SYNONYMS,
)
from utils.text import tokenize

QUERY_GROUPS = ("colour", "object", "scene", "relation")
_RELATION_WORDS = frozenset(w for phrases in RELATIONS.values() for p in phrases for w in tokenize(p)
                            if w not in ("to", "the", "of"))


def _object_words() -> frozenset[str]:
    """Every token that names an object: class synonyms (last word), their plurals, hypernyms."""
    nouns = {tokenize(s)[-1] for syns in SYNONYMS.values() for s in syns}
    nouns |= {tokenize(n)[-1] for names in HYPERNYM_NOUNS.values() for n in names}
    plurals = {PLURALS.get(n, n + "s") for n in nouns}
    return frozenset(nouns | plurals)


_OBJECT_WORDS = _object_words()


def query_group(caption: str) -> str:
    """The group of one caption, by the first rule that applies.

    relation: names two or more objects and uses a relation word (above, under, left of, ...);
    colour: names an object and a colour; object: names an object without a colour;
    scene: names no object at all ("a starry night", "a green field").
    """
    tokens = tokenize(caption)
    n_objects = sum(t in _OBJECT_WORDS for t in tokens)
    if n_objects >= 2 and any(t in _RELATION_WORDS for t in tokens):
        return "relation"
    if n_objects and any(t in COLOURS for t in tokens):
        return "colour"
    return "object" if n_objects else "scene"


def query_groups(captions: Sequence[str]) -> dict[str, np.ndarray]:
    """Boolean masks over `captions`, one per group in QUERY_GROUPS (each caption in exactly one)."""
    labels = np.array([query_group(c) for c in captions])
    return {g: labels == g for g in QUERY_GROUPS}


def image_attributes(data: CaptionedImages) -> dict[str, dict[str, np.ndarray]]:
    """Which images show each scene, object colour and object class: {kind: {word: (N,) bool}}."""
    if data.objects is None or data.backgrounds is None:
        raise ValueError(f"{data.name} has no scene annotations (objects and backgrounds)")
    backgrounds = np.array(data.backgrounds)
    colours = [{o.colour for o in objs} for objs in data.objects]
    labels = [{o.label for o in objs} for objs in data.objects]
    return {
        "scene": {b: backgrounds == b for b in BACKGROUNDS},
        "colour": {c: np.array([c in cs for cs in colours]) for c in COLOURS},
        "object": {c: np.array([c in ls for ls in labels]) for c in CLASSES},
    }

