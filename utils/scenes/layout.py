"""Layout: which objects a scene holds, where, how big and in which colour; spatial relations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from utils.scenes.drawing import _STROKE, _paint_background
from utils.scenes.glyphs import GLYPHS
from utils.scenes.vocabulary import (
    BACKGROUND_CLASSES,
    BACKGROUND_ZONES,
    BACKGROUNDS,
    CLASS_ACTIONS,
    COLOUR_NAMES,
    COLOURS,
    PLAYERS,
    PLAYTHINGS,
    RELATIONS,
)

_SIZE_RANGES: dict[str, tuple[float, float]] = {  # longest side in pixels at 64x64
    "small": (11, 14), "medium": (16, 21), "large": (24, 30),
}
_SIZE_PROBS: dict[int, tuple[float, float, float]] = {  # by number of objects: small, medium, large
    1: (0.2, 0.4, 0.4), 2: (0.3, 0.45, 0.25), 3: (0.45, 0.4, 0.15),
}
_MIN_CONTRAST = 70.0  # RGB distance between an object's colour and the background behind it
_JITTER = 8  # per-channel random offset added to a colour shade


@dataclass
class _Obj:
    """An object while a scene is being made (box in float image pixels, without the outline)."""

    label: str
    verb: str
    zone: str
    size: str
    box: tuple[float, float, float, float]
    flip: bool
    colour: str = ""
    rgb: tuple[int, int, int] = (0, 0, 0)


@dataclass
class _Scene:
    """A sampled scene: background, its base image and horizon, objects and a texture seed."""

    background: str
    horizon: float | None
    base: np.ndarray
    objects: list[_Obj]
    texture_seed: int


def _pick(rng: np.random.Generator, items: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
    """One item, uniformly or by (unnormalised) weights."""
    if weights is None:
        return items[min(int(rng.random() * len(items)), len(items) - 1)]
    r = rng.random() * sum(weights)
    for item, w in zip(items, weights, strict=True):
        r -= w
        if r < 0:
            return item
    return items[-1]


def _y_range(zone: str, background: str, horizon: float | None, h: float,
             n: int) -> tuple[float, float]:
    """Allowed range of the top edge of a box of height h for an object in a zone."""
    lo, hi = 1.0, n - 1.0 - h
    if background == "sky":
        return lo, hi
    hz = (0.5 if horizon is None else horizon) * n  # the jungle has an implied mid-height horizon
    if zone == "air":
        hi = min(hi, hz + 0.04 * n - h)
    elif zone == "ground":
        lo = max(lo, hz + 0.1 * n - h)
    elif zone == "water":
        lo = max(lo, hz + 0.12 * n - h)
    elif zone == "underwater":
        lo = max(lo, hz + 0.06 * n)
    return lo, hi


def _overlaps(box: Sequence[float], others: Sequence[_Obj]) -> bool:
    """True when box covers more than 5% of itself or of another object's box."""
    x0, y0, x1, y1 = box
    area = (x1 - x0) * (y1 - y0)
    for o in others:
        a0, b0, a1, b1 = o.box
        inter = max(0.0, min(x1, a1) - max(x0, a0)) * max(0.0, min(y1, b1) - max(y0, b0))
        if inter > 0.05 * min(area, (a1 - a0) * (b1 - b0)):
            return True
    return False


def _place(rng: np.random.Generator, label: str, verb: str, zone: str, size: str,
           background: str, horizon: float | None, placed: list[_Obj], n: int) -> _Obj | None:
    """Find a free spot for an object in its zone, shrinking it when it does not fit."""
    sizes = list(_SIZE_RANGES)
    k = sizes.index(size)
    glyph = GLYPHS["bird:fly" if (label, zone) == ("bird", "air") else label]
    for attempt in range(36):
        if attempt and attempt % 12 == 0 and k > 0:
            k -= 1
        lo, hi = _SIZE_RANGES[sizes[k]]
        side = rng.uniform(lo, hi) * n / 64
        w, h = (side, side / glyph.aspect) if glyph.aspect >= 1 else (side * glyph.aspect, side)
        ylo, yhi = _y_range(zone, background, horizon, h, n)
        if ylo > yhi:
            continue
        x0, y0 = rng.uniform(1.0, n - 1.0 - w), rng.uniform(ylo, yhi)
        box = (x0, y0, x0 + w, y0 + h)
        if not _overlaps(box, placed):
            return _Obj(label, verb, zone, sizes[k], box, flip=bool(rng.random() < 0.5))
    return None


def _choose_colour(rng: np.random.Generator, obj: _Obj, base: np.ndarray,
                   same_as: _Obj | None) -> None:
    """Give obj a colour name and shade that stands out from the background behind it."""
    x0, y0, x1, y1 = (int(v) for v in obj.box)
    behind = base[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1].reshape(-1, 3).mean(0).tolist()
    names = rng.permutation(len(COLOUR_NAMES)).tolist()
    if same_as is not None:
        names.insert(0, COLOUR_NAMES.index(same_as.colour))
    for ci in names:
        name = COLOUR_NAMES[ci]
        shades = COLOURS[name]
        for si in rng.permutation(len(shades)).tolist():
            jitter = rng.integers(-_JITTER, _JITTER + 1, 3).tolist()
            rgb = tuple(min(255, max(0, v + d)) for v, d in zip(shades[si], jitter, strict=True))
            if math.dist(rgb, behind) >= _MIN_CONTRAST:
                obj.colour, obj.rgb = name, rgb
                return
    raise RuntimeError("no colour contrasts with the background")  # unreachable: 11 colours


def _valid_actions(label: str, background: str) -> list[tuple[str, str]]:
    zones = BACKGROUND_ZONES[background]
    return [(v, z) for v, z in CLASS_ACTIONS[label] if z in zones]


def _sample_scene(rng: np.random.Generator, n: int, n_objects: int | None = None,
                  distinct: bool = False) -> _Scene:
    """Background, 1-3 placed and coloured objects (n_objects/distinct: binding-split options)."""
    background = _pick(rng, BACKGROUNDS)
    base, horizon = _paint_background(rng, background, n)
    table = BACKGROUND_CLASSES[background]
    labels, weights = list(table), list(table.values())
    count = n_objects or int(_pick(rng, [1, 2, 3], [0.4, 0.4, 0.2]))
    size_probs = _SIZE_PROBS[count]
    objects: list[_Obj] = []
    for _ in range(count * 3):
        if len(objects) == count:
            break
        twin = None
        if objects and not distinct and rng.random() < 0.25:
            twin = _pick(rng, objects)
            label = twin.label
        elif objects and any(o.label in PLAYERS for o in objects) and rng.random() < 0.4:
            label = _pick(rng, PLAYTHINGS)
        else:
            label = _pick(rng, labels, weights)
        if distinct and any(o.label == label for o in objects):
            continue
        actions = _valid_actions(label, background)
        if not actions:
            continue
        verb, zone = _pick(rng, actions)
        if twin is not None and rng.random() < 0.7:  # twins tend to do the same: "two birds fly"
            verb, zone = twin.verb, twin.zone
        size = _pick(rng, list(_SIZE_RANGES), size_probs)
        obj = _place(rng, label, verb, zone, size, background, horizon, objects, n)
        if obj is None:
            continue
        same = twin if twin is not None and rng.random() < 0.5 else None
        _choose_colour(rng, obj, base, same)
        if distinct and any(o.colour == obj.colour for o in objects):
            _choose_colour(rng, obj, base, None)
            if any(o.colour == obj.colour for o in objects):
                continue
        objects.append(obj)
    if not objects:  # a lone object always fits somewhere: retry with a fresh draw of everything
        return _sample_scene(rng, n, n_objects, distinct)
    objects.sort(key=lambda o: (o.box[3], o.box[0]))  # drawn back to front
    return _Scene(background, horizon, base, objects, int(rng.integers(2**62)))


def _pixel_box(o: _Obj, n: int) -> tuple[int, int, int, int]:
    """The object's box in pixel-edge coordinates, outline included, clipped to the image."""
    pad = _STROKE * n / 64
    x0, y0, x1, y1 = o.box
    return (max(0, math.floor(x0 - pad)), max(0, math.floor(y0 - pad)),
            min(n, math.ceil(x1 + pad)), min(n, math.ceil(y1 + pad)))


def relation_holds(a: Sequence[float], b: Sequence[float], relation: str, size: int = 64) -> bool:
    """Whether box a (x0, y0, x1, y1) is `relation` of box b ("above", "left of", "next to", ...)."""
    if relation == "next to":
        close = abs((a[1] + a[3]) - (b[1] + b[3])) / 2 <= 0.25 * size
        return close and (relation_holds(a, b, "left of", size) or relation_holds(a, b, "right of", size))
    if relation in ("below", "right of"):
        return relation_holds(b, a, "above" if relation == "below" else "left of", size)
    if relation not in ("above", "left of"):
        raise ValueError(f"unknown relation {relation!r}; use one of {list(RELATIONS)}")
    axis = 1 if relation == "above" else 0  # a's centre must precede b's along this axis
    ca = [(a[0] + a[2]) / 2, (a[1] + a[3]) / 2]
    cb = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]
    along, across = cb[axis] - ca[axis], abs(cb[1 - axis] - ca[1 - axis])
    return along >= 0.1 * size and along >= 0.5 * across and a[axis + 2] <= cb[axis]



def _relation_triples(scene: _Scene, n: int) -> list[tuple[int, int, str]]:
    """Every (a, b, relation) that holds between the annotated boxes of two different objects."""
    boxes = [_pixel_box(o, n) for o in scene.objects]
    return [(a, b, r) for a in range(len(boxes)) for b in range(len(boxes)) if a != b
            for r in RELATIONS if relation_holds(boxes[a], boxes[b], r, n)]
