"""Blind variants of notebook 05 (conditional retrieval), written from the released notebook alone."""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.mutation import alternative, mutant

# ---------------------------------------------------------------------------------------------
# Exercise 1 — conditionals_from_pairs
# ---------------------------------------------------------------------------------------------


@mutant("tables not complete: only the (x, y) that occur together get an entry")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "The tables are **complete**: every inner dict has a key for every object (resp. every word) ..., with 0.0"
    n = len(pairs)
    cx, cy, cxy = Counter(x for x, _ in pairs), Counter(y for _, y in pairs), Counter(pairs)
    pxy, pyx = {}, {}
    for (x, y), c in cxy.items():
        pxy.setdefault(y, {})[x] = c / cy[y]
        pyx.setdefault(x, {})[y] = c / cx[x]
    return {"P(X)": {x: c / n for x, c in cx.items()}, "P(Y)": {y: c / n for y, c in cy.items()},
            "P(X|Y)": pxy, "P(Y|X)": pyx}


@mutant("counts each distinct pair once (a set of pairs): duplicates do not count twice")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "Every pair is one observation: a pair that occurs twice counts twice."
    distinct = sorted(set(pairs))
    n = len(distinct)
    cx, cy, cxy = Counter(x for x, _ in distinct), Counter(y for _, y in distinct), Counter(distinct)
    return {"P(X)": {x: c / n for x, c in cx.items()}, "P(Y)": {y: c / n for y, c in cy.items()},
            "P(X|Y)": {y: {x: cxy[(x, y)] / cy[y] for x in cx} for y in cy},
            "P(Y|X)": {x: {y: cxy[(x, y)] / cx[x] for y in cy} for x in cx}}


@mutant("objects and words share one vocabulary: the inner dicts get a key for every string of either kind")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "The same string may occur as an object and as a word; they are different things (count objects and words separately)."
    n = len(pairs)
    cx, cy, cxy = Counter(x for x, _ in pairs), Counter(y for _, y in pairs), Counter(pairs)
    items = sorted(set(cx) | set(cy))
    return {"P(X)": {x: c / n for x, c in cx.items()}, "P(Y)": {y: c / n for y, c in cy.items()},
            "P(X|Y)": {y: {x: cxy[(x, y)] / cy[y] for x in items} for y in cy},
            "P(Y|X)": {x: {y: cxy[(x, y)] / cx[x] for y in items} for x in cx}}


@mutant("one Counter for objects and words: a string used as both gets the counts of both")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "The same string may occur as an object and as a word; they are different things (count objects and words separately)."
    n = len(pairs)
    count = Counter()
    for x, y in pairs:
        count[x] += 1
        count[y] += 1
    cxy = Counter(pairs)
    xs = list(dict.fromkeys(x for x, _ in pairs))
    ys = list(dict.fromkeys(y for _, y in pairs))
    return {"P(X)": {x: count[x] / n for x in xs}, "P(Y)": {y: count[y] / n for y in ys},
            "P(X|Y)": {y: {x: cxy[(x, y)] / count[y] for x in xs} for y in ys},
            "P(Y|X)": {x: {y: cxy[(x, y)] / count[x] for y in ys} for x in xs}}


@mutant("no pairs: returns an empty dict instead of four empty tables")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "No pairs at all: four empty dicts."
    if not pairs:
        return {}
    n = len(pairs)
    cx, cy, cxy = Counter(x for x, _ in pairs), Counter(y for _, y in pairs), Counter(pairs)
    return {"P(X)": {x: c / n for x, c in cx.items()}, "P(Y)": {y: c / n for y, c in cy.items()},
            "P(X|Y)": {y: {x: cxy[(x, y)] / cy[y] for x in cx} for y in cy},
            "P(Y|X)": {x: {y: cxy[(x, y)] / cx[x] for y in cy} for x in cx}}


@alternative("blind mutant, correct once the text promises numbers, not a Python float type: the zeros of the complete tables are the int 0")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "returns a dict with exactly four keys, each a table of Python floats ... with `0.0` where the two never occur together"
    n = len(pairs)
    cx, cy, cxy = Counter(x for x, _ in pairs), Counter(y for _, y in pairs), Counter(pairs)
    pxy = {y: dict.fromkeys(cx, 0) for y in cy}
    pyx = {x: dict.fromkeys(cy, 0) for x in cx}
    for (x, y), c in cxy.items():
        pxy[y][x] = c / cy[y]
        pyx[x][y] = c / cx[x]
    return {"P(X)": {x: c / n for x, c in cx.items()}, "P(Y)": {y: c / n for y, c in cy.items()},
            "P(X|Y)": pxy, "P(Y|X)": pyx}


@mutant("the outer key of P(X|Y) is the object (the conditioning variable swapped)")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "`"P(X|Y)"`: `{y: {x: P(X=x | Y=y)}}` — the outer key is what we **condition on**, the word"
    n = len(pairs)
    cx, cy, cxy = Counter(x for x, _ in pairs), Counter(y for _, y in pairs), Counter(pairs)
    return {"P(X)": {x: c / n for x, c in cx.items()}, "P(Y)": {y: c / n for y, c in cy.items()},
            "P(X|Y)": {x: {y: cxy[(x, y)] / cy[y] for y in cy} for x in cx},
            "P(Y|X)": {y: {x: cxy[(x, y)] / cx[x] for x in cx} for y in cy}}


@mutant("the values are numpy float32 scalars, not Python floats")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "returns a dict with exactly four keys, each a table of Python floats"
    xs = list(dict.fromkeys(x for x, _ in pairs))
    ys = list(dict.fromkeys(y for _, y in pairs))
    joint = np.zeros((len(xs), len(ys)), dtype=np.float32)
    for x, y in pairs:
        joint[xs.index(x), ys.index(y)] += 1
    n = joint.sum()
    rx, ry = joint.sum(1), joint.sum(0)
    return {"P(X)": {x: rx[a] / n for a, x in enumerate(xs)}, "P(Y)": {y: ry[b] / n for b, y in enumerate(ys)},
            "P(X|Y)": {y: {x: joint[a, b] / ry[b] for a, x in enumerate(xs)} for b, y in enumerate(ys)},
            "P(Y|X)": {x: {y: joint[a, b] / rx[a] for b, y in enumerate(ys)} for a, x in enumerate(xs)}}


@alternative("a numpy count matrix (np.unique with return_inverse), values turned into Python floats")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "returns a dict with exactly four keys, each a table of Python floats"
    if len(pairs) == 0:
        return {"P(X)": {}, "P(Y)": {}, "P(X|Y)": {}, "P(Y|X)": {}}
    xs, xi = np.unique(np.array([p[0] for p in pairs], dtype=object), return_inverse=True)
    ys, yi = np.unique(np.array([p[1] for p in pairs], dtype=object), return_inverse=True)
    joint = np.zeros((len(xs), len(ys)), dtype=np.int64)
    np.add.at(joint, (xi.ravel(), yi.ravel()), 1)
    n, rx, ry = int(joint.sum()), joint.sum(1), joint.sum(0)
    return {
        "P(X)": {str(x): int(rx[a]) / n for a, x in enumerate(xs)},
        "P(Y)": {str(y): int(ry[b]) / n for b, y in enumerate(ys)},
        "P(X|Y)": {str(y): {str(x): int(joint[a, b]) / int(ry[b]) for a, x in enumerate(xs)} for b, y in enumerate(ys)},
        "P(Y|X)": {str(x): {str(y): int(joint[a, b]) / int(rx[a]) for b, y in enumerate(ys)} for a, x in enumerate(xs)},
    }


@alternative("conditionals via Bayes from the joint and the marginals, (#xy/n) / (#y/n): equal up to rounding")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "P(X|Y) P(Y) = #(x,y)/n = P(Y|X) P(X)" -- so P(X|Y) = P(x, y) / P(y)
    n = len(pairs)
    joint = {}
    for x, y in pairs:
        joint[(x, y)] = joint.get((x, y), 0.0) + 1.0 / n
    px, py = {}, {}
    for x, y in pairs:
        px[x] = px.get(x, 0) + 1
        py[y] = py.get(y, 0) + 1
    px = {x: c / n for x, c in px.items()}
    py = {y: c / n for y, c in py.items()}
    return {"P(X)": px, "P(Y)": py,
            "P(X|Y)": {y: {x: joint.get((x, y), 0.0) / py[y] for x in px} for y in py},
            "P(Y|X)": {x: {y: joint.get((x, y), 0.0) / px[x] for y in py} for x in px}}


@alternative("plain dict counting, keys in sorted order instead of first appearance")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "returns a dict with exactly four keys" -- the order of the keys is not specified
    count_x, count_y, count_xy = {}, {}, {}
    for x, y in pairs:
        count_x[x] = count_x.get(x, 0) + 1
        count_y[y] = count_y.get(y, 0) + 1
        count_xy[x, y] = count_xy.get((x, y), 0) + 1
    n = float(len(pairs))
    objects, words = sorted(count_x), sorted(count_y)
    result = {"P(Y|X)": {}, "P(X|Y)": {}, "P(Y)": {}, "P(X)": {}}
    for x in objects:
        result["P(X)"][x] = count_x[x] / n
        result["P(Y|X)"][x] = {y: float(count_xy.get((x, y), 0)) / count_x[x] for y in words}
    for y in words:
        result["P(Y)"][y] = count_y[y] / n
        result["P(X|Y)"][y] = {x: float(count_xy.get((x, y), 0)) / count_y[y] for x in objects}
    return result


@alternative("fractions.Fraction for exact arithmetic, converted to float at the end")
def conditionals_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    # "Exact P(X), P(Y), P(X|Y) ..." -- exact rationals, rounded once
    from fractions import Fraction
    n = len(pairs)
    cx = Counter(x for x, _ in pairs)
    cy = Counter(y for _, y in pairs)
    cxy = Counter(pairs)
    return {
        "P(X)": {x: float(Fraction(c, n)) for x, c in cx.items()},
        "P(Y)": {y: float(Fraction(c, n)) for y, c in cy.items()},
        "P(X|Y)": {y: {x: float(Fraction(cxy.get((x, y), 0), cy[y])) for x in cx} for y in cy},
        "P(Y|X)": {x: {y: float(Fraction(cxy.get((x, y), 0), cx[x])) for y in cy} for x in cx},
    }


# ---------------------------------------------------------------------------------------------
# Exercise 2 — sample_candidates
# ---------------------------------------------------------------------------------------------


@mutant("draws the target slots before the keys")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "2. **Target slots**, after step 1"
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    cand = np.empty((m, n_distractors + 1), dtype=np.int64)
    hit = np.arange(n_distractors + 1)[None, :] == target[:, None]
    cand[hit] = truth
    cand[~hit] = others.ravel()
    return cand, target.astype(np.int64)


@mutant("calls rng.integers even when not shuffling (and then uses zeros)")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "if `shuffle`, `target = rng.integers(0, n_distractors + 1, size=m)` (one call ...); else all zeros and no call."
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    drawn = rng.integers(0, n_distractors + 1, size=m)
    target = drawn if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.empty((m, n_distractors + 1), dtype=np.int64)
    hit = np.arange(n_distractors + 1)[None, :] == target[:, None]
    cand[hit] = truth
    cand[~hit] = others.ravel()
    return cand, target.astype(np.int64)


@mutant("puts the true image in slot 0, then swaps it with slot target: the displaced distractor moves to slot 0")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "the distractors fill the other slots in the order of step 1 (left to right)"
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.concatenate([truth[:, None], others], axis=1).astype(np.int64)
    rows = np.arange(m)
    cand[rows, 0], cand[rows, target] = cand[rows, target], cand[rows, 0].copy()
    return cand, target.astype(np.int64)


@mutant("draws a key for every image (n_images keys per caption) and drops the true image afterwards")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "`keys = rng.random((m, n_images - 1))` — one random key per caption and *other* image"
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    keys = rng.random((m, n_images))
    keys[np.arange(m), truth] = np.inf
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.empty((m, n_distractors + 1), dtype=np.int64)
    hit = np.arange(n_distractors + 1)[None, :] == target[:, None]
    cand[hit] = truth
    cand[~hit] = others.ravel()
    return cand, target.astype(np.int64)


@mutant("np.argpartition without sorting: the n smallest keys, but not in increasing key order")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "the n other images with the smallest keys, in increasing key order"
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    keys = rng.random((m, n_images - 1))
    if n_distractors < n_images - 1:
        others = np.argpartition(keys, n_distractors, axis=1)[:, :n_distractors]
    else:
        others = np.argsort(keys, axis=1)
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.empty((m, n_distractors + 1), dtype=np.int64)
    hit = np.arange(n_distractors + 1)[None, :] == target[:, None]
    cand[hit] = truth
    cand[~hit] = others.ravel()
    return cand, target.astype(np.int64)


@mutant("the largest keys instead of the smallest (argsort of -keys)")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "the n other images with the smallest keys, in increasing key order"
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    keys = rng.random((m, n_images - 1))
    others = np.argsort(-keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.empty((m, n_distractors + 1), dtype=np.int64)
    hit = np.arange(n_distractors + 1)[None, :] == target[:, None]
    cand[hit] = truth
    cand[~hit] = others.ravel()
    return cand, target.astype(np.int64)


@mutant("off by one in the check: raises for n = n_images - 1 (uses >= instead of >)")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "Raise `ValueError` unless 0 <= n <= `n_images - 1`"
    if n_distractors < 0 or n_distractors >= n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.empty((m, n_distractors + 1), dtype=np.int64)
    hit = np.arange(n_distractors + 1)[None, :] == target[:, None]
    cand[hit] = truth
    cand[~hit] = others.ravel()
    return cand, target.astype(np.int64)


@mutant("no lower bound in the check: a negative n_distractors is not a ValueError")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "Raise `ValueError` unless 0 <= n <= `n_images - 1`"
    if n_distractors > n_images - 1:
        raise ValueError("too many distractors")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.array([np.insert(others[j], target[j], truth[j]) for j in range(m)], dtype=np.int64)
    return cand.reshape(m, -1), target.astype(np.int64)


@mutant("skips the key draw when there are no distractors (n = 0): the generator is left in another state")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "**Use `rng` exactly like this** ... 1. ... `keys = rng.random((m, n_images - 1))`" (always, then step 2)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if n_distractors == 0:
        others = np.zeros((m, 0), dtype=np.int64)
    else:
        keys = rng.random((m, n_images - 1))
        others = np.argsort(keys, axis=1)[:, :n_distractors]
        others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.empty((m, n_distractors + 1), dtype=np.int64)
    hit = np.arange(n_distractors + 1)[None, :] == target[:, None]
    cand[hit] = truth
    cand[~hit] = others.ravel()
    return cand, target.astype(np.int64)


@alternative("gather by slot arithmetic: slot k of row j takes distractor k - (k > target[j])")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "3. **Rows:** the true image goes into slot `target[j]`; the distractors fill the other slots in the order of step 1"
    n = int(n_distractors)
    if n < 0 or n > n_images - 1:
        raise ValueError(f"need 0 <= n_distractors <= {n_images - 1}")
    truth = np.array(caption_image, dtype=np.int64).ravel()
    m = truth.shape[0]
    keys = rng.random((m, n_images - 1))
    order = np.argsort(keys, axis=1, kind="stable")[:, :n]
    others = np.where(order < truth[:, None], order, order + 1)
    target = rng.integers(0, n + 1, size=m).astype(np.int64) if shuffle else np.zeros(m, dtype=np.int64)
    slots = np.arange(n + 1)[None, :]
    source = np.clip(slots - (slots > target[:, None]), 0, max(n - 1, 0))
    cand = others[np.arange(m)[:, None], source] if n > 0 else np.zeros((m, 1), dtype=np.int64)
    cand = np.where(slots == target[:, None], truth[:, None], cand).astype(np.int64)
    return cand, target


@alternative("argpartition then a sort of the n smallest keys by key; rows built with np.insert in a loop (step 3 only)")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "Vectorise step 1 (no Python loop over captions)" -- step 3 may loop; "the n other images with the smallest keys, in increasing key order"
    if not (isinstance(n_distractors, (int, np.integer)) and 0 <= n_distractors < n_images):
        raise ValueError("n_distractors must satisfy 0 <= n <= n_images - 1")
    truth = np.asarray(caption_image).astype(np.int64)
    m = truth.size
    keys = rng.random((m, n_images - 1))
    if 0 < n_distractors < n_images - 1:
        part = np.argpartition(keys, n_distractors - 1, axis=1)[:, :n_distractors]
        by_key = np.argsort(np.take_along_axis(keys, part, axis=1), axis=1)
        others = np.take_along_axis(part, by_key, axis=1)
    else:
        others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None]).astype(others.dtype)
    if shuffle:  # noqa: SIM108 (the blind author's code, kept as written)
        target = rng.integers(0, n_distractors + 1, size=m)
    else:
        target = np.zeros(m, dtype=np.int64)
    rows = [np.insert(others[j], target[j], truth[j]) for j in range(m)]
    cand = np.array(rows, dtype=np.int64).reshape(m, n_distractors + 1)
    return cand, np.asarray(target, dtype=np.int64)


@alternative("target slots with rng.choice(n + 1, size=m) (same stream as rng.integers); in-place shift of others; mask fill")
def sample_candidates(n_images: int, caption_image: np.ndarray | list[int], n_distractors: int, shuffle: bool,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # "if `shuffle`, `target = rng.integers(0, n_distractors + 1, size=m)` (one call, uniform over the n + 1 slots)"
    if n_distractors < 0 or n_distractors > n_images - 1:
        raise ValueError("n_distractors out of range")
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    others = np.argsort(rng.random((m, n_images - 1)), axis=1)[:, :n_distractors]
    others[others >= truth[:, None]] += 1
    target = rng.choice(n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    cand = np.zeros((m, n_distractors + 1), dtype=np.int64)
    at_target = np.zeros_like(cand, dtype=bool)
    at_target[np.arange(m), target] = True
    cand[at_target] = truth
    cand[~at_target] = others.reshape(-1)
    return cand, target.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Exercise 3 — image_given_caption_loss
# ---------------------------------------------------------------------------------------------


@mutant("masks with a finite -1e9 instead of -inf (fails in float16, and for scores below -1e9)")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "Padding must get probability exactly 0: replace masked scores by -inf"
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e9)
    return F.cross_entropy(scores.T, target)


@mutant("multiplies the scores by the mask (padding becomes 0, and e^0 still counts)")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "multiplying by the mask makes them 0, and e^0 = 1 still counts"
    if mask is not None:
        scores = scores * mask
    return F.cross_entropy(scores.T, target)


@mutant("log of softmax: -inf/inf when a true image's probability underflows")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "never `torch.log(torch.softmax(...))` or a hand-made `exp`, which overflow"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    p = torch.softmax(scores, dim=0)
    return -torch.log(p[target, torch.arange(scores.shape[1], device=scores.device)]).mean()


@mutant("softmax along the rows (dim=1): the wrong conditional")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "P(X | Y) — for **caption** j, a softmax **down column j** over its candidate images"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    logp = torch.log_softmax(scores, dim=1)
    return -logp[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("sums over the captions instead of the mean")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "returns the mean over the M captions of -log P(X = x_{t_j} | Y = y_j)"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return F.cross_entropy(scores.T, target, reduction="sum")


@mutant("masks the scores in place (masked_fill_): the caller's tensor is changed")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "differentiable with respect to `scores`" (an in-place fill breaks a leaf and overwrites the caller's scores)
    if mask is not None:
        scores.masked_fill_(~mask, float("-inf"))
    return F.cross_entropy(scores.T, target)


@mutant("computes in float32 whatever the dtype of the scores")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "a 0-dim tensor of the dtype and on the device of `scores`"
    s = scores.float()
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    return F.cross_entropy(s.T, target)


@mutant("divides the summed loss by the number of images N instead of the number of captions M")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "the mean over the M captions"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return F.cross_entropy(scores.T, target, reduction="sum") / scores.shape[0]


@mutant("the index tensor for the columns is built on the CPU (fails for CUDA scores only)", needs="cuda")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "a 0-dim tensor of the dtype and on the device of `scores`" (the notebook runs on `device`)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    logp = torch.log_softmax(scores, dim=0)
    return -logp[target.cpu(), torch.arange(scores.shape[1])].mean()


@alternative("logsumexp down each column minus the true score, masking with torch.where")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "use `torch.log_softmax` / `torch.logsumexp`"
    cols = torch.arange(scores.shape[1], device=scores.device)
    true = scores[target, cols]
    if mask is not None:
        scores = torch.where(mask, scores, torch.full_like(scores, float("-inf")))
    return (torch.logsumexp(scores, dim=0) - true).mean()


@alternative("an additive log-mask: scores + log(mask) (log 1 = 0, log 0 = -inf)")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "Padding must get probability exactly 0: replace masked scores by -inf"
    if mask is not None:
        scores = scores + torch.log(mask.to(scores.dtype))
    return F.nll_loss(F.log_softmax(scores.t(), dim=1), target)


@alternative("fills with the dtype's most negative finite value (exp of it minus the max is exactly 0), gather on dim 0")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "Padding must get probability exactly 0"
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    logp = scores.log_softmax(dim=0)
    return -logp.gather(0, target.view(1, -1)).squeeze(0).mean()


@alternative("float64 computation cast back to the dtype of the scores")
def image_given_caption_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "a 0-dim tensor of the dtype and on the device of `scores`" -- the intermediate precision is free
    s = scores.double()
    if mask is not None:
        s = s.masked_fill(mask.logical_not(), float("-inf"))
    loss = F.cross_entropy(s.transpose(0, 1), target.long(), reduction="none").sum() / s.shape[1]
    return loss.to(scores.dtype)


# ---------------------------------------------------------------------------------------------
# Exercise 4 — caption_given_image_loss
# ---------------------------------------------------------------------------------------------


@mutant("softmax down the columns (dim=0): the wrong conditional")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "softmax along each row over its candidate captions"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    logp = torch.log_softmax(scores, dim=0)
    return -logp[torch.arange(scores.shape[0], device=scores.device), target].mean()


@mutant("masks with a finite -1e9 instead of -inf")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "Padding must get probability exactly 0: replace masked scores by -inf"
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e9)
    return F.cross_entropy(scores, target)


@mutant("copy-paste from exercise 3: picks logp[target, arange(N)] instead of logp[arange(N), target]")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "`target[i]` the column of image i's true caption"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    logp = torch.log_softmax(scores, dim=1)
    return -logp[target, torch.arange(scores.shape[0], device=scores.device)].mean()


@mutant("ignores the mask")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "softmax along each row over its candidate captions"
    return F.cross_entropy(scores, target)


@mutant("hand-made exp / sum: overflows for large scores")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "never `torch.log(torch.softmax(...))` or a hand-made `exp`, which overflow"
    e = torch.exp(scores)
    if mask is not None:
        e = e * mask
    rows = torch.arange(scores.shape[0], device=scores.device)
    return -(torch.log(e[rows, target] / e.sum(dim=1))).mean()


@mutant("divides the summed loss by M (the number of captions) instead of N (the number of images)")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "returns the mean over the N images"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return F.cross_entropy(scores, target, reduction="sum") / scores.shape[1]


@mutant("returns float32 for any input dtype")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "0-dim tensor, dtype and device of `scores`"
    s = scores.float()
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    return F.cross_entropy(s, target)


@mutant("detaches the scores of the true captions (the gradient only flows through the normaliser)")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "differentiable"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    rows = torch.arange(scores.shape[0], device=scores.device)
    return (torch.logsumexp(scores, dim=1) - scores[rows, target].detach()).mean()


@alternative("exercise 3 applied to the transposed matrix and mask")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "the same for image queries" -- P(Y|X) on S is P(X|Y) on S.T
    return image_given_caption_loss(scores.T, target, None if mask is None else mask.T)


@alternative("logsumexp along the rows minus the true score, masking with torch.where")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "use `torch.log_softmax` / `torch.logsumexp`"
    rows = torch.arange(scores.shape[0], device=scores.device)
    true = scores[rows, target]
    if mask is not None:
        scores = torch.where(mask, scores, torch.tensor(float("-inf"), dtype=scores.dtype, device=scores.device))
    return torch.mean(torch.logsumexp(scores, dim=1) - true)


@alternative("additive log-mask and F.cross_entropy")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "Padding must get probability exactly 0"
    if mask is not None:
        scores = scores + mask.to(scores.dtype).log()
    return F.cross_entropy(scores, target)


@alternative("one-hot targets: -(onehot * log_softmax).sum(1).mean(), padding filled with finfo.min")
def caption_given_image_loss(scores: torch.Tensor, target: torch.Tensor,
                             mask: torch.Tensor | None = None) -> torch.Tensor:
    # "the mean over the N images of -log P(Y = y_{t_i} | X = x_i), softmax along each row over its candidate captions"
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    onehot = F.one_hot(target, scores.shape[1]).to(scores.dtype)
    return -(onehot * torch.log_softmax(scores, dim=1)).sum(dim=1).mean()


# ---------------------------------------------------------------------------------------------
# Exercise 5 — DualScorer
# ---------------------------------------------------------------------------------------------


@mutant("relies on the <pad> embedding: sums all embeddings, divides by the number of real tokens")
class DualScorer(nn.Module):
    # "Exclude the padding with a mask: do not rely on the `<pad>` embedding being zero"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        count = (ids != 0).sum(1, keepdim=True).clamp(min=1)
        return F.normalize(self.embedding(ids).sum(1) / count, dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("zeroes the loaded <pad> row in place (under no_grad) instead of masking: the model's weights change")
class DualScorer(nn.Module):
    # "Exclude the padding with a mask: do not rely on the `<pad>` embedding being zero (loaded weights need not keep it so)"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            self.embedding.weight[0].zero_()
        count = (ids != 0).sum(1, keepdim=True).clamp(min=1)
        return F.normalize(self.embedding(ids).sum(1) / count, dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("a caption of padding only divides 0 by 0: NaN instead of the zero vector")
class DualScorer(nn.Module):
    # "A caption of padding only encodes to the zero vector (not NaN)."
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * mask).sum(1) / mask.sum(1), dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("no padding_idx=0 on the embedding (the <pad> row is random at initialisation and gets gradients)")
class DualScorer(nn.Module):
    # "`self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)`"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * mask).sum(1) / mask.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("divides the images by 255 again (treats [0, 1] input as uint8 range)")
class DualScorer(nn.Module):
    # "`encode_images(images)`: `images` `(N, 3, 32, 32)` float in [0, 1] → `(N, dim)`: `self.cnn`, then `F.normalize`"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * mask).sum(1) / mask.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images / 255.0), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("normalises every word embedding before averaging them")
class DualScorer(nn.Module):
    # "the **mean of the embeddings of the non-padding tokens** (ids != 0) of each caption, then L2-normalised"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        words = F.normalize(self.embedding(ids), dim=-1)
        return F.normalize((words * mask).sum(1) / mask.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("a ReLU after the final Linear of the CNN")
class DualScorer(nn.Module):
    # "`self.cnn = nn.Sequential(...)` with, in this order: ... `nn.Flatten()`, `nn.Linear(4 * width * 4 * 4, dim)`"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim), nn.ReLU())
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * mask).sum(1) / mask.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("stores the scale as a tensor attribute, not a plain float")
class DualScorer(nn.Module):
    # "`self.scale = scale`, a plain float (not a parameter)"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = torch.tensor(scale)

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * mask).sum(1) / mask.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@alternative("masked SUM of the embeddings, no division: F.normalize removes the count (and keeps 0 at 0)")
class DualScorer(nn.Module):
    # "the mean of the embeddings of the non-padding tokens ..., then L2-normalised with F.normalize(v, dim=-1)"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        vectors = self.embedding(ids).masked_fill((ids == 0).unsqueeze(-1), 0.0)
        return F.normalize(vectors.sum(dim=1), dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * (self.encode_images(images) @ self.encode_texts(ids).T)


@alternative("counts-matrix text encoder: a (M, V) bag of counts times the embedding table (no per-token lookup)")
class DualScorer(nn.Module):
    # "The text side is a bag of words" -- the mean of the non-padding embeddings is counts @ W / number of tokens
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(4 * width * 4 * 4, dim),
        )
        self.scale = float(scale)

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        weight = self.embedding.weight
        counts = torch.zeros(ids.shape[0], weight.shape[0], dtype=weight.dtype, device=ids.device)
        counts.scatter_add_(1, ids, (ids != 0).to(weight.dtype))
        n_tokens = counts.sum(dim=1, keepdim=True)
        mean = (counts @ weight) / torch.clamp(n_tokens, min=1.0)
        return F.normalize(mean, dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), p=2, dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * torch.einsum("nd,md->nm", self.encode_images(images), self.encode_texts(ids))


@alternative("Sequential built from an OrderedDict with keys '0'..'7', cnn created before the embedding, cosine_similarity scores")
class DualScorer(nn.Module):
    # "names, order and shapes matter" -- the names cnn.0 ... cnn.7 are kept; nothing prescribes the creation order
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        from collections import OrderedDict
        layers = [nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim)]
        self.cnn = nn.Sequential(OrderedDict((str(k), layer) for k, layer in enumerate(layers)))
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        real = ids != 0
        vectors = torch.where(real.unsqueeze(-1), self.embedding(ids), torch.zeros((), dtype=self.embedding.weight.dtype,
                                                                                    device=ids.device))
        mean = vectors.sum(1) / real.sum(1, keepdim=True).clamp(min=1).to(vectors.dtype)
        return F.normalize(mean, dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        a = self.encode_images(images)
        b = self.encode_texts(ids)
        return self.scale * F.cosine_similarity(a[:, None, :], b[None, :, :], dim=-1)


@alternative("manual forward through the layers, images as a 0-d-safe reshape, masked mean via bmm")
class DualScorer(nn.Module):
    # "`forward(images, ids)`: the `(N, M)` score matrix, `scale * encode_images(images) @ encode_texts(ids).T`"
    def __init__(self, vocab_size: int, dim: int = 64, width: int = 16, scale: float = 10.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids: torch.Tensor) -> torch.Tensor:
        w = (ids != 0).to(self.embedding.weight.dtype)
        w = w / w.sum(dim=1, keepdim=True).clamp(min=1.0)
        return F.normalize(torch.bmm(w.unsqueeze(1), self.embedding(ids)).squeeze(1), dim=-1)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        x = images
        for layer in self.cnn:
            x = layer(x)
        return F.normalize(x, dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * torch.matmul(self.encode_images(images), self.encode_texts(ids).transpose(0, 1))
