"""What a caption asserts, and whether an image's annotation makes it true.

Every caption the grammar writes comes with its `Meaning`: the objects it names (a class or a
hypernym, with the colour and size it states), a spatial relation between two of them, a count,
and the scenes its where-phrase allows. `caption_holds(meaning, image)` decides from an image's
`Annotation` (its objects and background) whether the caption is true of that image;
`holds_matrix` does it for every image x caption pair at once.

What the grammar's words mean here:

* a named object ("a red bird", "an animal", "the small guitar"): an object of the image has that
  class or hypernym, and the colour and size the caption states, if any; the objects one caption
  names are different objects of the image;
* a relation ("a bird above a boat"): `relation_holds(box of the bird, box of the boat, "above")`;
* a count ("two red birds"): exactly that many objects of the image are red birds;
* a where-phrase ("in the sky", "at night", "a starry night"): the background is one of those the
  grammar uses that phrase for ("in the sky" is said of sky and of field images);
* verbs ("perches", "flies") and "someone" are not annotated, so they assert nothing here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from utils.data import SIZES, BindingPairs, CaptionedImages, SceneObject
from utils.scenes.layout import relation_holds
from utils.scenes.vocabulary import (
    BACKGROUNDS,
    CLASSES,
    COLOURS,
    HYPERNYMS,
    LOCATIONS,
    RELATIONS,
    SCENE_LOCATIONS,
    SCENE_PHRASES,
)


def _phrase_backgrounds() -> dict[str, tuple[str, ...]]:
    """Every where-phrase and scene phrase of the grammar -> the backgrounds it is said of."""
    said: dict[str, set[str]] = {}
    for (background, _), phrases in LOCATIONS.items():
        for phrase in phrases:
            said.setdefault(phrase, set()).add(background)
    for table in (SCENE_LOCATIONS, SCENE_PHRASES):
        for background, phrases in table.items():
            for phrase in phrases:
                said.setdefault(phrase, set()).add(background)
    return {phrase: tuple(b for b in BACKGROUNDS if b in where) for phrase, where in said.items()}


PHRASE_BACKGROUNDS: dict[str, tuple[str, ...]] = _phrase_backgrounds()
NOUNS: tuple[str, ...] = (*CLASSES, *dict.fromkeys(HYPERNYMS.values()))  # what a Mention may name


@dataclass(frozen=True)
class Mention:
    """One object a caption names: a class or hypernym, and the colour and size it states."""

    noun: str  # a class ("bird") or a hypernym ("animal")
    colour: str | None = None
    size: str | None = None

    def __post_init__(self) -> None:
        if self.noun not in NOUNS:
            raise ValueError(f"Mention.noun must be a class or hypernym, got {self.noun!r}")
        if self.colour is not None and self.colour not in COLOURS:
            raise ValueError(f"Mention.colour must be None or a colour name, got {self.colour!r}")
        if self.size is not None and self.size not in SIZES:
            raise ValueError(f"Mention.size must be None or one of {SIZES}, got {self.size!r}")

    def matches(self, obj: SceneObject) -> bool:
        """Whether `obj` is such an object (its class or hypernym, colour and size)."""
        return (self.noun in (obj.label, obj.hypernym) and self.colour in (None, obj.colour)
                and self.size in (None, obj.size))


@dataclass(frozen=True)
class Meaning:
    """What a caption asserts about its image (see the module's docstring for the semantics).

    objects: the objects it names, matched by different objects of the image;
    relation: (a, relation, b): objects[a] is `relation` of objects[b] ("above", "next to", ...);
    count: exactly `count` objects of the image match objects[0] (objects then has one entry);
    backgrounds: the image's background is one of these (None: the caption names no scene).
    """

    objects: tuple[Mention, ...] = ()
    relation: tuple[int, str, int] | None = None
    count: int | None = None
    backgrounds: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not all(isinstance(m, Mention) for m in self.objects):
            raise TypeError("Meaning.objects must be a tuple of Mention")
        if self.relation is not None:
            a, relation, b = self.relation
            if relation not in RELATIONS or a == b or not {a, b} <= set(range(len(self.objects))):
                raise ValueError(f"Meaning.relation {self.relation!r} must name two different "
                                 f"objects of {len(self.objects)} and a relation of {list(RELATIONS)}")
        if self.count is not None and (len(self.objects) != 1 or self.count < 1 or self.relation):
            raise ValueError("a counting Meaning names one kind of object, a count >= 1 and no relation")
        if self.backgrounds is not None and (not self.backgrounds
                                             or not set(self.backgrounds) <= set(BACKGROUNDS)):
            raise ValueError(f"Meaning.backgrounds must be None or backgrounds, got {self.backgrounds!r}")

    def to_json(self) -> list[Any]:
        """A compact JSON-friendly form (the disk cache stores it)."""
        return [[[m.noun, m.colour, m.size] for m in self.objects],
                None if self.relation is None else list(self.relation), self.count,
                None if self.backgrounds is None else list(self.backgrounds)]

    @classmethod
    def from_json(cls, row: Sequence[Any]) -> Meaning:
        """The Meaning of a `to_json` row."""
        objects, relation, count, backgrounds = row
        return cls(tuple(Mention(*m) for m in objects),
                   None if relation is None else (int(relation[0]), str(relation[1]), int(relation[2])),
                   count, None if backgrounds is None else tuple(backgrounds))


@dataclass(frozen=True)
class Annotation:
    """What an image shows: its objects (with pixel boxes), its background and its side in pixels."""

    objects: tuple[SceneObject, ...]
    background: str
    size: int = 64


def annotations(data: CaptionedImages | BindingPairs) -> list[Annotation]:
    """The annotation of every image of a Scenes split (objects and background)."""
    if data.objects is None or data.backgrounds is None:
        raise ValueError("these images have no scene annotations (objects and backgrounds)")
    size = int(data.images.shape[1])
    return [Annotation(tuple(objs), background, size)
            for objs, background in zip(data.objects, data.backgrounds, strict=True)]


def caption_holds(meaning: Meaning, image: Annotation) -> bool:
    """Whether a caption with this meaning is true of the annotated image."""
    if meaning.backgrounds is not None and image.background not in meaning.backgrounds:
        return False
    objs = image.objects
    if meaning.count is not None:
        return sum(meaning.objects[0].matches(o) for o in objs) == meaning.count
    for chosen in itertools.permutations(range(len(objs)), len(meaning.objects)):
        if all(m.matches(objs[k]) for m, k in zip(meaning.objects, chosen, strict=True)):
            if meaning.relation is None:
                return True
            a, relation, b = meaning.relation
            if relation_holds(objs[chosen[a]].box, objs[chosen[b]].box, relation, image.size):
                return True
    return False


def holds_matrix(meanings: Sequence[Meaning], images: Sequence[Annotation]) -> np.ndarray:
    """(n_images, n_captions) bool: `caption_holds` for every pair, vectorised over the images."""
    n, k = len(images), max([len(im.objects) for im in images] + [1])
    present = np.zeros((n, k), dtype=bool)
    fields = {name: np.full((n, k), "", dtype=object) for name in ("label", "hypernym", "colour", "size")}
    related = {r: np.zeros((n, k, k), dtype=bool) for r in RELATIONS}
    for i, im in enumerate(images):
        for s, o in enumerate(im.objects):
            present[i, s] = True
            for name, values in fields.items():
                values[i, s] = getattr(o, name)
        for (s, a), (t, b) in itertools.permutations(enumerate(im.objects), 2):
            for r, table in related.items():
                table[i, s, t] = relation_holds(a.box, b.box, r, im.size)
    backgrounds = np.array([im.background for im in images], dtype=object)

    def matching(m: Mention) -> np.ndarray:
        """(n, k): which object slots match a mention."""
        ok = present & ((fields["label"] == m.noun) | (fields["hypernym"] == m.noun))
        if m.colour is not None:
            ok &= fields["colour"] == m.colour
        if m.size is not None:
            ok &= fields["size"] == m.size
        return ok

    out = np.zeros((n, len(meanings)), dtype=bool)
    columns: dict[Meaning, list[int]] = {}
    for j, meaning in enumerate(meanings):
        columns.setdefault(meaning, []).append(j)
    for meaning, cols in columns.items():
        ok = np.ones(n, dtype=bool)
        if meaning.backgrounds is not None:
            ok &= np.isin(backgrounds, list(meaning.backgrounds))
        masks = [matching(m) for m in meaning.objects]
        if meaning.count is not None:
            ok &= masks[0].sum(axis=1) == meaning.count
        else:
            found = np.zeros(n, dtype=bool)
            for chosen in itertools.permutations(range(k), len(masks)):
                hit = np.ones(n, dtype=bool)
                for mask, slot in zip(masks, chosen, strict=True):
                    hit &= mask[:, slot]
                if meaning.relation is not None:
                    a, relation, b = meaning.relation
                    hit &= related[relation][:, chosen[a], chosen[b]]
                found |= hit
            ok &= found
        out[:, cols] = ok[:, None]
    return out
