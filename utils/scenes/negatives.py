"""Hard negatives: a caption's own words re-bound so that it turns false for its image.

The binding split's two constructions, applied to any caption whose meaning names two or more
objects: an *attribute* swap exchanges the colours of two noun phrases ("a red bird above a blue
boat" -> "a blue bird above a red boat"); a *relation* swap exchanges the two noun phrases around
a relation ("a bird above a boat" -> "a boat above a bird"). Only swaps that are false for the
image (by `caption_holds`) are returned, so every negative is a genuine negative.

`binding_pair` writes a fresh pair for any annotated image: a true caption of two of its objects
in the binding split's own grammar, and its swap.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from utils.scenes.grammar import _binding_captions
from utils.scenes.layout import relation_holds
from utils.scenes.meaning import Annotation, Meaning, Mention, caption_holds
from utils.scenes.vocabulary import HYPERNYM_NOUNS, RELATIONS, SIZE_WORDS, SYNONYMS

KINDS = ("attribute", "relation")


@cache
def _phrase_pattern(mention: Mention) -> re.Pattern[str]:
    """A regex for the noun phrase of a mention: article, size word, colour, noun."""
    names = SYNONYMS.get(mention.noun) or HYPERNYM_NOUNS[mention.noun]
    nouns = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    size = f"(?P<size>(?:{'|'.join(SIZE_WORDS[mention.size])}) )" if mention.size else "(?P<size>)"
    colour = f"(?P<colour>{mention.colour}) " if mention.colour else "(?P<colour>)"
    return re.compile(rf"\b(?P<det>a|an|the) {size}{colour}(?P<noun>{nouns})\b", re.IGNORECASE)


def _phrases(caption: str, meaning: Meaning) -> list[re.Match[str]] | None:
    """The noun phrase of each mentioned object, in order (None when one cannot be found)."""
    found, start = [], 0
    for mention in meaning.objects:
        match = _phrase_pattern(mention).search(caption, start)
        if match is None:
            return None
        found.append(match)
        start = match.end()
    return found


def _phrase(det: str, size: str, colour: str | None, noun: str) -> str:
    """A noun phrase with its article agreeing with the next word (a red owl, an orange owl)."""
    words = f"{size}{colour + ' ' if colour else ''}{noun}"
    if det.lower() in ("a", "an"):
        article = "an" if words[0].lower() in "aeiou" else "a"
        det = article.capitalize() if det[0].isupper() else article
    return f"{det} {words}"


def _rewrite(caption: str, phrases: list[re.Match[str]], new: dict[int, str]) -> str:
    """The caption with some noun phrases replaced (the first letter keeps its case)."""
    out, last = [], 0
    for k, match in enumerate(phrases):
        out += [caption[last:match.start()], new.get(k, match.group(0))]
        last = match.end()
    text = "".join(out) + caption[last:]
    return text[0].upper() + text[1:] if caption[0].isupper() else text[0].lower() + text[1:]


def hard_negatives(caption: str, meaning: Meaning, image: Annotation) -> list[tuple[str, str]]:
    """Every attribute or relation swap of a caption that is false for its image: [(text, kind)]."""
    if meaning.count is not None or len(meaning.objects) < 2:
        return []
    phrases = _phrases(caption, meaning)
    if phrases is None:
        return []
    out = []
    objects = meaning.objects
    for i in range(len(objects)):
        for j in range(i + 1, len(objects)):
            a, b = objects[i], objects[j]
            if a.colour == b.colour:
                continue
            pa, pb = phrases[i], phrases[j]
            text = _rewrite(caption, phrases, {
                i: _phrase(pa["det"], pa["size"], b.colour, pa["noun"]),
                j: _phrase(pb["det"], pb["size"], a.colour, pb["noun"])})
            swapped = list(objects)
            swapped[i], swapped[j] = Mention(a.noun, b.colour, a.size), Mention(b.noun, a.colour, b.size)
            out.append((text, Meaning(tuple(swapped), meaning.relation, None, meaning.backgrounds),
                        "attribute"))
    if meaning.relation is not None:
        a, _, b = meaning.relation
        text = _rewrite(caption, phrases, {a: phrases[b].group(0).lower(), b: phrases[a].group(0).lower()})
        swapped = list(objects)
        swapped[a], swapped[b] = objects[b], objects[a]
        out.append((text, Meaning(tuple(swapped), meaning.relation, None, meaning.backgrounds), "relation"))
    kept: dict[str, str] = {}  # one kind per text ("a bird over a blue bird" swaps both ways alike)
    for text, swapped_meaning, kind in out:
        if text.lower() != caption.lower() and not caption_holds(swapped_meaning, image):
            kept.setdefault(text, kind)
    return list(kept.items())


def binding_pair(image: Annotation, rng: np.random.Generator, kind: str | None = None) -> tuple[str, str, str] | None:
    """(true, swapped, kind): two of the image's objects in the binding split's grammar, and their swap.

    The two objects differ in class and colour, as in the binding split; `kind` ("attribute",
    "relation", or None for either at random) says what the swap exchanges. The true caption holds
    for the image and the swapped one does not: a third object can make a swap true, and then the
    next pair or kind is tried. None when no pair and kind give one.
    """
    if kind not in (None, *KINDS):
        raise ValueError(f"kind must be one of {KINDS} or None, got {kind!r}")
    objs = image.objects
    pairs = [(i, j) for i in range(len(objs)) for j in range(i + 1, len(objs))
             if objs[i].label != objs[j].label and objs[i].colour != objs[j].colour]
    for p in rng.permutation(len(pairs)):
        two = [objs[k] for k in pairs[p]]
        triples = [(a, 1 - a, r) for a in (0, 1) for r in RELATIONS
                   if relation_holds(two[a].box, two[1 - a].box, r, image.size)]
        kinds = [kind] if kind else [KINDS[k] for k in rng.permutation(len(KINDS))]
        for chosen in kinds:
            if chosen == "relation" and all(r == "next to" for *_, r in triples):
                continue
            true, swapped, true_meaning, swapped_meaning = _binding_captions(rng, two, triples, chosen)
            if caption_holds(true_meaning, image) and not caption_holds(swapped_meaning, image):
                return true, swapped, chosen
    return None
