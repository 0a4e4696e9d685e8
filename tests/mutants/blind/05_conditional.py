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


# ---- round 2 (a second blind author, after the first round's fixes) ----

# ---------------------------------------------------------------------------------------------
# Exercise 1: conditionals_from_pairs
# ---------------------------------------------------------------------------------------------


@mutant("marginals P(X), P(Y) counted over the distinct pairs (set(pairs)); conditionals count duplicates")
def conditionals_from_pairs(pairs):
    # "Every pair is one observation: a pair that occurs twice counts twice."
    distinct = set(pairs)
    n = len(distinct)
    mx = Counter(x for x, _ in distinct)
    my = Counter(y for _, y in distinct)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    return {"P(X)": {x: mx[x] / n for x in nx},
            "P(Y)": {y: my[y] / n for y in ny},
            "P(X|Y)": {y: {x: nxy[(x, y)] / ny[y] for x in nx} for y in ny},
            "P(Y|X)": {x: {y: nxy[(x, y)] / nx[x] for y in ny} for x in nx}}


@mutant("one Counter for all strings: a string used as an object and as a word shares one count")
def conditionals_from_pairs(pairs):
    # "The same string may occur as an object and as a word; they are different things (count objects and
    # words separately)."
    n = len(pairs)
    count = Counter()
    for x, y in pairs:
        count[x] += 1
        count[y] += 1
    objects = list(dict.fromkeys(x for x, _ in pairs))
    words = list(dict.fromkeys(y for _, y in pairs))
    nxy = Counter(pairs)
    return {"P(X)": {x: count[x] / n for x in objects},
            "P(Y)": {y: count[y] / n for y in words},
            "P(X|Y)": {y: {x: nxy[(x, y)] / count[y] for x in objects} for y in words},
            "P(Y|X)": {x: {y: nxy[(x, y)] / count[x] for y in words} for x in objects}}


@mutant("probabilities computed and returned as np.float32")
def conditionals_from_pairs(pairs):
    # "compared to within 10^-12: compute them in double precision, Python float or NumPy float64"
    n = np.float32(len(pairs))
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    return {"P(X)": {x: np.float32(c) / n for x, c in nx.items()},
            "P(Y)": {y: np.float32(c) / n for y, c in ny.items()},
            "P(X|Y)": {y: {x: np.float32(nxy[(x, y)]) / np.float32(ny[y]) for x in nx} for y in ny},
            "P(Y|X)": {x: {y: np.float32(nxy[(x, y)]) / np.float32(nx[x]) for y in ny} for x in nx}}


@mutant("no pairs: returns an empty dict instead of four empty tables")
def conditionals_from_pairs(pairs):
    # "No pairs at all: four empty dicts."
    if not pairs:
        return {}
    n = len(pairs)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    return {"P(X)": {x: c / n for x, c in nx.items()},
            "P(Y)": {y: c / n for y, c in ny.items()},
            "P(X|Y)": {y: {x: nxy[(x, y)] / ny[y] for x in nx} for y in ny},
            "P(Y|X)": {x: {y: nxy[(x, y)] / nx[x] for y in ny} for x in nx}}


@mutant("P(Y|X) inner tables are defaultdicts holding only the words seen with x (missing keys read as 0)")
def conditionals_from_pairs(pairs):
    # "The tables are complete: every inner dict has a key for every object (resp. every word) in the pairs,
    # with 0 where the two never occur together."
    from collections import defaultdict
    n = len(pairs)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    y_given_x = {x: defaultdict(float) for x in nx}
    for (x, y), c in nxy.items():
        y_given_x[x][y] = c / nx[x]
    return {"P(X)": {x: c / n for x, c in nx.items()},
            "P(Y)": {y: c / n for y, c in ny.items()},
            "P(X|Y)": {y: {x: nxy[(x, y)] / ny[y] for x in nx} for y in ny},
            "P(Y|X)": y_given_x}


@mutant("every table keyed by the union of objects and words (words get P(X) = 0, objects P(Y) = 0, ...)")
def conditionals_from_pairs(pairs):
    # "\"P(X)\": {x: P(X=x)} for every object x in the pairs" / "they are different things (count objects and
    # words separately)."
    n = len(pairs)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    vocab = sorted(set(nx) | set(ny))
    return {"P(X)": {s: nx[s] / n for s in vocab},
            "P(Y)": {s: ny[s] / n for s in vocab},
            "P(X|Y)": {y: {x: nxy[(x, y)] / ny[y] if ny[y] else 0.0 for x in vocab} for y in vocab},
            "P(Y|X)": {x: {y: nxy[(x, y)] / nx[x] if nx[x] else 0.0 for y in vocab} for x in vocab}}


@mutant("a tiny additive smoothing (1e-9) so that no conditional is exactly 0")
def conditionals_from_pairs(pairs):
    # "with 0 where the two never occur together" / "(numbers, compared to within 10^-12 ...)"
    eps = 1e-9
    n = len(pairs)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    return {"P(X)": {x: c / n for x, c in nx.items()},
            "P(Y)": {y: c / n for y, c in ny.items()},
            "P(X|Y)": {y: {x: (nxy[(x, y)] + eps) / (ny[y] + eps * len(nx)) for x in nx} for y in ny},
            "P(Y|X)": {x: {y: (nxy[(x, y)] + eps) / (nx[x] + eps * len(ny)) for y in ny} for x in nx}}


@mutant("probabilities rounded to 6 decimals (as printed)")
def conditionals_from_pairs(pairs):
    # "each a table of probabilities (numbers, compared to within 10^-12 ...)"
    n = len(pairs)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    return {"P(X)": {x: round(c / n, 6) for x, c in nx.items()},
            "P(Y)": {y: round(c / n, 6) for y, c in ny.items()},
            "P(X|Y)": {y: {x: round(nxy[(x, y)] / ny[y], 6) for x in nx} for y in ny},
            "P(Y|X)": {x: {y: round(nxy[(x, y)] / nx[x], 6) for y in ny} for x in nx}}


@mutant("P(X|Y) and P(Y|X) only list the pairs that occur (no zeros)")
def conditionals_from_pairs(pairs):
    # "The tables are complete: every inner dict has a key for every object (resp. every word) in the pairs"
    n = len(pairs)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    x_given_y, y_given_x = {y: {} for y in ny}, {x: {} for x in nx}
    for (x, y), c in nxy.items():
        x_given_y[y][x] = c / ny[y]
        y_given_x[x][y] = c / nx[x]
    return {"P(X)": {x: c / n for x, c in nx.items()}, "P(Y)": {y: c / n for y, c in ny.items()},
            "P(X|Y)": x_given_y, "P(Y|X)": y_given_x}


@alternative("count matrix with np.unique + np.add.at in float64, tables read off its columns and rows")
def conditionals_from_pairs(pairs):
    # "compute them in double precision, Python float or NumPy float64"
    if len(pairs) == 0:
        return {"P(X)": {}, "P(Y)": {}, "P(X|Y)": {}, "P(Y|X)": {}}
    xs = np.array([x for x, _ in pairs], dtype=object)
    ys = np.array([y for _, y in pairs], dtype=object)
    objects, xi = np.unique(xs, return_inverse=True)
    words, yi = np.unique(ys, return_inverse=True)
    counts = np.zeros((len(objects), len(words)), dtype=np.float64)
    np.add.at(counts, (xi.ravel(), yi.ravel()), 1.0)
    n = counts.sum()
    row, col = counts.sum(axis=1), counts.sum(axis=0)
    return {"P(X)": {str(x): float(row[a] / n) for a, x in enumerate(objects)},
            "P(Y)": {str(y): float(col[b] / n) for b, y in enumerate(words)},
            "P(X|Y)": {str(y): {str(x): float(counts[a, b] / col[b]) for a, x in enumerate(objects)}
                       for b, y in enumerate(words)},
            "P(Y|X)": {str(x): {str(y): float(counts[a, b] / row[a]) for b, y in enumerate(words)}
                       for a, x in enumerate(objects)}}


@alternative("P(Y|X) derived from P(X|Y) by Bayes' rule, P(X|Y) P(Y) / P(X)")
def conditionals_from_pairs(pairs):
    # "Bayes' rule ties them through the marginals P(X) = #x / n and P(Y) = #y / n"
    n = len(pairs)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    p_x = {x: c / n for x, c in nx.items()}
    p_y = {y: c / n for y, c in ny.items()}
    x_given_y = {y: {x: nxy[(x, y)] / ny[y] for x in nx} for y in ny}
    y_given_x = {x: {y: x_given_y[y][x] * p_y[y] / p_x[x] for y in ny} for x in nx}
    return {"P(X)": p_x, "P(Y)": p_y, "P(X|Y)": x_given_y, "P(Y|X)": y_given_x}


@alternative("pandas.crosstab with normalize='columns' / 'index' (NumPy float64 values)")
def conditionals_from_pairs(pairs):
    # "each a table of probabilities (numbers ... Python float or NumPy float64)"
    import pandas as pd
    if not pairs:
        return {"P(X)": {}, "P(Y)": {}, "P(X|Y)": {}, "P(Y|X)": {}}
    frame = pd.DataFrame(list(pairs), columns=["x", "y"])
    x_given_y = pd.crosstab(frame["x"], frame["y"], normalize="columns")   # rows objects, columns words
    y_given_x = pd.crosstab(frame["x"], frame["y"], normalize="index")
    p_x = frame["x"].value_counts(normalize=True)
    p_y = frame["y"].value_counts(normalize=True)
    return {"P(X)": {x: np.float64(p) for x, p in p_x.items()},
            "P(Y)": {y: np.float64(p) for y, p in p_y.items()},
            "P(X|Y)": {y: {x: np.float64(x_given_y.at[x, y]) for x in x_given_y.index} for y in x_given_y.columns},
            "P(Y|X)": {x: {y: np.float64(y_given_x.at[x, y]) for y in y_given_x.columns} for x in y_given_x.index}}


@alternative("defaultdict containers filled by explicit loops, each conditional via the joint: P(x, y) / P(y)")
def conditionals_from_pairs(pairs):
    # "returns a dict with exactly four keys, each a table of probabilities"
    from collections import defaultdict
    n = len(pairs)
    nx, ny, nxy = defaultdict(int), defaultdict(int), defaultdict(int)
    for x, y in pairs:
        nx[x] += 1
        ny[y] += 1
        nxy[x, y] += 1
    p_x = defaultdict(float, {x: c / n for x, c in nx.items()})
    p_y = defaultdict(float, {y: c / n for y, c in ny.items()})
    x_given_y = defaultdict(dict)
    y_given_x = defaultdict(dict)
    for y in ny:
        for x in nx:
            x_given_y[y][x] = (nxy.get((x, y), 0) / n) / p_y[y]
    for x in nx:
        for y in ny:
            y_given_x[x][y] = (nxy.get((x, y), 0) / n) / p_x[x]
    return {"P(X)": p_x, "P(Y)": p_y, "P(X|Y)": x_given_y, "P(Y|X)": y_given_x}


@alternative("integer 0 (not 0.0) for the pairs that never occur, exact count ratios elsewhere")
def conditionals_from_pairs(pairs):
    # "with 0 where the two never occur together"
    n = len(pairs)
    nx = Counter(x for x, _ in pairs)
    ny = Counter(y for _, y in pairs)
    nxy = Counter(pairs)
    return {"P(X)": {x: nx[x] / n for x in nx},
            "P(Y)": {y: ny[y] / n for y in ny},
            "P(X|Y)": {y: {x: (nxy[x, y] / ny[y] if (x, y) in nxy else 0) for x in nx} for y in ny},
            "P(Y|X)": {x: {y: (nxy[x, y] / nx[x] if (x, y) in nxy else 0) for y in ny} for x in nx}}


# ---------------------------------------------------------------------------------------------
# Exercise 2: sample_candidates
# ---------------------------------------------------------------------------------------------


@mutant("the true image is swapped into its slot (the distractor there moves to slot 0) instead of inserted")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "Rows: the true image goes into slot target[j]; the distractors fill the other slots in the order of
    # step 1 (left to right)."
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    candidates = np.concatenate([truth[:, None], others], axis=1).astype(np.int64)
    rows = np.arange(m)
    candidates[rows, 0], candidates[rows, target] = candidates[rows, target], truth
    return candidates, target.astype(np.int64)


@mutant("shuffle=False: target = np.zeros(m), a float64 array")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "target (m,) int64, the slot of the true image in each row"
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m)
    slots = np.arange(n_distractors + 1)[None, :]
    pick = np.clip(slots - (slots > target[:, None]), 0, max(n_distractors - 1, 0)).astype(np.int64)
    filled = np.take_along_axis(others, pick, axis=1) if n_distractors else np.zeros((m, 1), dtype=np.int64)
    candidates = np.where(slots == target[:, None], truth[:, None], filled)
    return candidates.astype(np.int64), target


@mutant("candidates built from caption_image's own dtype (int32 in, int32 out)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "candidates (m, n + 1) int64"
    truth = np.asarray(caption_image)
    m = len(truth)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    candidates = np.repeat(truth[:, None], n_distractors + 1, axis=1)   # dtype of caption_image
    slot = np.arange(n_distractors)[None, :] + (np.arange(n_distractors)[None, :] >= target[:, None])
    candidates[np.arange(m)[:, None], slot] = others
    return candidates, target


@mutant("shuffle=False still draws the slots (rng.integers called, result replaced by zeros)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "if shuffle, target = rng.integers(0, n_distractors + 1, size=m) (one call ...); else all zeros and no call."
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m)
    if not shuffle:
        target = np.zeros(m, dtype=np.int64)
    candidates = np.empty((m, n_distractors + 1), dtype=np.int64)
    for j in range(m):
        candidates[j] = np.insert(others[j], target[j], truth[j])
    return candidates, target.astype(np.int64)


@mutant("no keys drawn when n_distractors == 0 (skips rng.random, so the generator is not advanced)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "Distractors, all captions at once: keys = rng.random((m, n_images - 1))" (the order of the random draws is
    # part of the contract)
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    if n_distractors == 0:
        return truth[:, None].copy(), np.zeros(m, dtype=np.int64)
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    candidates = np.empty((m, n_distractors + 1), dtype=np.int64)
    for j in range(m):
        candidates[j] = np.insert(others[j], target[j], truth[j])
    return candidates, target.astype(np.int64)


@mutant("rejects n_distractors == n_images - 1 (off by one: >= instead of >)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "Raise ValueError unless 0 <= n <= n_images - 1"
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if n_distractors < 0 or n_distractors >= n_images - 1:
        raise ValueError("n_distractors out of range")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    candidates = np.empty((m, n_distractors + 1), dtype=np.int64)
    for j in range(m):
        candidates[j] = np.insert(others[j], target[j], truth[j])
    return candidates, target.astype(np.int64)


@mutant("validation by assert (AssertionError, not ValueError)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "Raise ValueError unless 0 <= n <= n_images - 1"
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    assert 0 <= n_distractors <= n_images - 1, "n_distractors out of range"
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    candidates = np.empty((m, n_distractors + 1), dtype=np.int64)
    for j in range(m):
        candidates[j] = np.insert(others[j], target[j], truth[j])
    return candidates, target.astype(np.int64)


@mutant("only the upper bound is checked: a negative n_distractors returns empty rows")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "Raise ValueError unless 0 <= n <= n_images - 1"
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if n_distractors > n_images - 1:
        raise ValueError("not enough images for that many distractors")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    slots = np.arange(n_distractors + 1)[None, :]
    padded = np.concatenate([others, np.zeros((m, 1), dtype=np.int64)], axis=1)
    pick = slots - (slots > target[:, None])
    candidates = np.where(slots == target[:, None], truth[:, None], np.take_along_axis(padded, pick, axis=1))
    return candidates.astype(np.int64), np.asarray(target, dtype=np.int64)


@mutant("rows stacked from a list (np.array of np.insert rows): no captions gives shape (0,) float64")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "candidates (m, n + 1) int64" (caption_image: (m,) ints, m may be 0)
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others >= truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    candidates = np.array([np.insert(others[j], target[j], truth[j]) for j in range(m)])
    return candidates, np.asarray(target, dtype=np.int64)


@mutant("skip rule with > instead of >=: value v == true image stays v, so the true image can reappear")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "value v means image v if v < caption_image[j], else image v + 1 (so the true image is skipped)"
    truth = np.asarray(caption_image, dtype=np.int64)
    m = len(truth)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others = others + (others > truth[:, None])
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    candidates = np.empty((m, n_distractors + 1), dtype=np.int64)
    for j in range(m):
        candidates[j] = np.insert(others[j], target[j], truth[j])
    return candidates, target.astype(np.int64)


@alternative("np.argpartition for the n smallest keys, then sorted by key (the same order as argsort)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "the n other images with the smallest keys, in increasing key order"
    truth = np.asarray(caption_image).astype(np.int64).reshape(-1)
    m, n = truth.shape[0], n_distractors
    if n < 0 or n > n_images - 1:
        raise ValueError(f"need 0 <= n_distractors <= {n_images - 1}, got {n}")
    keys = rng.random((m, n_images - 1))
    if 0 < n < n_images - 1:
        part = np.argpartition(keys, n - 1, axis=1)[:, :n]
    else:
        part = np.tile(np.arange(n_images - 1), (m, 1))[:, :n]
    order = np.argsort(np.take_along_axis(keys, part, axis=1), axis=1)
    others = np.take_along_axis(part, order, axis=1).astype(np.int64)
    others = np.where(others >= truth[:, None], others + 1, others)
    target = rng.integers(0, n + 1, size=m).astype(np.int64) if shuffle else np.zeros(m, dtype=np.int64)
    candidates = np.zeros((m, n + 1), dtype=np.int64)
    slot = np.arange(n)[None, :] + (np.arange(n)[None, :] >= target[:, None])   # where distractor k goes
    candidates[np.arange(m)[:, None], slot] = others
    candidates[np.arange(m), target] = truth
    return candidates, target


@alternative("step 3 in a Python loop (allowed: only step 1 must be vectorised), rows by list splicing")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "Vectorise step 1 (no Python loop over captions)" — step 3 may loop
    truth = [int(v) for v in caption_image]
    m = len(truth)
    if not (0 <= n_distractors <= n_images - 1):
        raise ValueError("n_distractors must be between 0 and n_images - 1")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    if shuffle:  # noqa: SIM108
        target = rng.integers(0, n_distractors + 1, size=m)
    else:
        target = np.zeros(m, dtype=np.int64)
    candidates = np.zeros((m, n_distractors + 1), dtype=np.int64)
    for j in range(m):
        row = [int(v) if v < truth[j] else int(v) + 1 for v in others[j]]
        t = int(target[j])
        candidates[j] = row[:t] + [truth[j]] + row[t:]
    return candidates, np.asarray(target, dtype=np.int64)


@alternative("boolean-mask scatter: the distractors fill the non-target slots in row-major order")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "the distractors fill the other slots in the order of step 1 (left to right)"
    truth = np.array(caption_image, dtype=np.int64, ndmin=1)
    m = truth.size
    if not 0 <= n_distractors < n_images:
        raise ValueError("n_distractors must satisfy 0 <= n <= n_images - 1")
    keys = rng.random((m, n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    others += others >= truth[:, None]
    target = (rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m)).astype(np.int64)
    is_true = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((m, n_distractors + 1), dtype=np.int64)
    candidates[is_true] = truth
    candidates[~is_true] = others.reshape(-1)
    return candidates, target


@alternative("rng.uniform for the keys and rng.choice for the slots (the same draws as random / integers)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    # "keys = rng.random((m, n_images - 1))" / "target = rng.integers(0, n_distractors + 1, size=m)"
    truth = np.asarray(caption_image, dtype=np.int64)
    m = truth.shape[0]
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("n_distractors out of range")
    keys = rng.uniform(0.0, 1.0, size=(m, n_images - 1))
    others = np.argsort(keys, axis=1, kind="stable")[:, :n_distractors]
    others = others + (others >= truth[:, None]).astype(others.dtype)
    target = rng.choice(n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    # sort trick: the true image gets position target - 0.5, distractor k gets position k
    position = np.concatenate([target[:, None] - 0.5, np.broadcast_to(np.arange(n_distractors), (m, n_distractors))],
                              axis=1)
    rows = np.concatenate([truth[:, None], others], axis=1)
    candidates = np.take_along_axis(rows, np.argsort(position, axis=1, kind="stable"), axis=1)
    return candidates.astype(np.int64), target.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Exercise 3: image_given_caption_loss
# ---------------------------------------------------------------------------------------------


@mutant("torch.log(torch.softmax(...)): underflows to -inf when the true image is ~104 below the best")
def image_given_caption_loss(scores, target, mask=None):
    # "torch.log(torch.softmax(...)) does not overflow ... but underflows: in float32 a candidate about 104 below
    # the best gets p = 0, and log 0 = -inf, an infinite loss."
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    p = torch.softmax(scores, dim=0)
    cols = torch.arange(scores.shape[1], device=scores.device)
    return -torch.log(p[target, cols]).mean()


@mutant("padding filled with -1e30 (finite) instead of -inf")
def image_given_caption_loss(scores, target, mask=None):
    # "a large finite fill such as -10^9 is not -inf either: when every score lies below it (scores are any real
    # numbers ...), the padding takes the probability."
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e30)
    logp = torch.log_softmax(scores, dim=0)
    return -logp[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@alternative("blind mutant, correct by the text (no score lies below the dtype's most negative finite number; the text now says so): padding filled with torch.finfo(dtype).min, the transformers idiom, instead of -inf")
def image_given_caption_loss(scores, target, mask=None):
    # "Padding must get probability exactly 0, whatever the scores: replace masked scores by -inf"
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    logp = torch.log_softmax(scores, dim=0)
    return -logp[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("half-precision scores upcast to float32 for stability and the float32 loss returned")
def image_given_caption_loss(scores, target, mask=None):
    # "scores: (N, M) float tensor (any float dtype)" / "as a 0-dim tensor of the dtype and on the device of scores"
    if scores.dtype in (torch.float16, torch.bfloat16):
        scores = scores.float()
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    logp = torch.log_softmax(scores, dim=0)
    return -logp[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("a Python loop over the captions (the same values; ~100x slower on (8, 5000) slot lists)")
def image_given_caption_loss(scores, target, mask=None):
    # "Vectorised: no Python loop over captions."
    losses = []
    for j in range(scores.shape[1]):
        column = scores[:, j]
        if mask is not None:
            column = column[mask[:, j]]
            true = mask[: target[j] + 1, j].sum() - 1
        else:
            true = target[j]
        losses.append(-torch.log_softmax(column, dim=0)[true])
    return torch.stack(losses).mean()


@mutant("the -inf fill is a CPU tensor made with torch.full (fails for scores on a GPU)", needs="cuda")
def image_given_caption_loss(scores, target, mask=None):
    # "returns ... a 0-dim tensor of the dtype and on the device of scores"
    if mask is not None:
        scores = torch.where(mask, scores, torch.full(scores.shape, float("-inf"), dtype=scores.dtype))
    logp = torch.log_softmax(scores, dim=0)
    return -logp[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("padding multiplied by the mask (masked scores become 0, e^0 = 1 still counts)")
def image_given_caption_loss(scores, target, mask=None):
    # "Multiplying by the mask makes them 0, and e^0 = 1 still counts"
    if mask is not None:
        scores = scores * mask
    return F.cross_entropy(scores.T, target)


@mutant("stable softmax by hand with one global maximum (a column far below it underflows: 0/0)")
def image_given_caption_loss(scores, target, mask=None):
    # "Scores can also be far apart: use torch.log_softmax / torch.logsumexp."
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    shifted = torch.exp(scores - scores.max())
    p = shifted / shifted.sum(dim=0, keepdim=True)
    return -torch.log(p[target, torch.arange(scores.shape[1], device=scores.device)]).mean()


@alternative("F.cross_entropy on the transposed matrix, padding masked with torch.where to -inf")
def image_given_caption_loss(scores, target, mask=None):
    # "replace masked scores by -inf" / "the loss against F.cross_entropy(scores.T, target)"
    if mask is not None:
        scores = torch.where(mask, scores, torch.tensor(float("-inf"), dtype=scores.dtype, device=scores.device))
    return F.cross_entropy(scores.T, target)


@alternative("torch.logsumexp per column minus the gathered true score")
def image_given_caption_loss(scores, target, mask=None):
    # "use torch.log_softmax / torch.logsumexp"
    masked = scores if mask is None else scores.masked_fill(mask.logical_not(), -float("inf"))
    true = masked.gather(0, target.view(1, -1)).squeeze(0)
    return (torch.logsumexp(masked, dim=0) - true).mean()


@alternative("log-softmax by hand: subtract each column's maximum, then the log of the summed exponentials")
def image_given_caption_loss(scores, target, mask=None):
    # "Scores can also be far apart" (the column max keeps the exponentials in range; the target is never masked)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    shifted = scores - scores.max(dim=0, keepdim=True).values.detach()
    logp = shifted - torch.log(torch.exp(shifted).sum(dim=0, keepdim=True))
    cols = torch.arange(scores.shape[1], device=scores.device)
    return -logp[target, cols].sum() / scores.shape[1]


@alternative("computed in float64 and cast back to the dtype of scores")
def image_given_caption_loss(scores, target, mask=None):
    # "scores: (N, M) float tensor (any float dtype)" / "a 0-dim tensor of the dtype ... of scores"
    s = scores.to(torch.float64)
    if mask is not None:
        s = s.masked_fill(~mask.bool(), float("-inf"))
    loss = -torch.log_softmax(s, dim=0)[target, torch.arange(s.shape[1], device=s.device)].mean()
    return loss.to(scores.dtype)


@alternative("clone and index-assign -inf, F.nll_loss on the log-softmax down the columns")
def image_given_caption_loss(scores, target, mask=None):
    # "for caption j, a softmax down column j over its candidate images"
    s = scores.clone()
    if mask is not None:
        s[~mask] = float("-inf")
    return F.nll_loss(F.log_softmax(s, dim=0).T, target)


# ---------------------------------------------------------------------------------------------
# Exercise 4: caption_given_image_loss
# ---------------------------------------------------------------------------------------------


@mutant("torch.log(torch.softmax(..., dim=1)): -inf when the true caption is ~104 below the best")
def caption_given_image_loss(scores, target, mask=None):
    # "torch.log(torch.softmax(...)) does not overflow ... but underflows ... an infinite loss."
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    p = torch.softmax(scores, dim=1)
    return -torch.log(p[torch.arange(scores.shape[0], device=scores.device), target]).mean()


@mutant("padding filled with -1e30 (finite) instead of -inf")
def caption_given_image_loss(scores, target, mask=None):
    # "a large finite fill such as -10^9 is not -inf either: when every score lies below it ..., the padding takes
    # the probability."
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e30)
    return F.cross_entropy(scores, target)


@mutant("computed on a detached NumPy copy with scipy's logsumexp: the returned tensor has no gradient")
def caption_given_image_loss(scores, target, mask=None):
    # "returns the mean over the N images ...; 0-dim tensor, dtype and device of scores, differentiable."
    from scipy.special import logsumexp
    s = scores.detach().cpu().double().numpy()
    if mask is not None:
        s = np.where(mask.cpu().numpy(), s, -np.inf)
    t = target.cpu().numpy()
    loss = np.mean(logsumexp(s, axis=1) - s[np.arange(len(t)), t])
    return torch.tensor(loss, dtype=scores.dtype, device=scores.device)


@mutant("the loss cast to float32 at the end (the dtype of the example), whatever the dtype of scores")
def caption_given_image_loss(scores, target, mask=None):
    # "0-dim tensor, dtype and device of scores"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    loss = -torch.log_softmax(scores, dim=1).gather(1, target[:, None]).mean()
    return loss.to(torch.float32)


@mutant("mask=None replaced by torch.ones(...) made on the CPU (fails for scores on a GPU)", needs="cuda")
def caption_given_image_loss(scores, target, mask=None):
    # "0-dim tensor, dtype and device of scores"
    if mask is None:
        mask = torch.ones(scores.shape, dtype=torch.bool)
    scores = scores.masked_fill(~mask, float("-inf"))
    return -torch.log_softmax(scores, dim=1)[torch.arange(len(target), device=scores.device), target].mean()


@mutant("the row index built on the notebook's global `device`, not on scores.device", needs="cuda")
def caption_given_image_loss(scores, target, mask=None):
    # "0-dim tensor, dtype and device of scores"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    rows = torch.arange(scores.shape[0], device=device)  # noqa: F821 (the notebook's global)
    return -torch.log_softmax(scores, dim=1)[rows, target.to(device)].mean()  # noqa: F821


@mutant("half-precision scores upcast to float32 and the float32 loss returned")
def caption_given_image_loss(scores, target, mask=None):
    # "0-dim tensor, dtype and device of scores" (scores: "(N, M) float tensor", any float dtype as in exercise 3)
    if scores.dtype in (torch.float16, torch.bfloat16):
        scores = scores.float()
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return F.cross_entropy(scores, target)


@mutant("copied from exercise 3: softmax down the columns (dim=0)")
def caption_given_image_loss(scores, target, mask=None):
    # "softmax along each row over its candidate captions"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    logp = torch.log_softmax(scores, dim=0)
    return -logp[torch.arange(scores.shape[0], device=scores.device), target].mean()


@mutant("padding filled with -1e9, as the text warns against")
def caption_given_image_loss(scores, target, mask=None):
    # "a large finite fill such as -10^9 is not -inf either"
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e9)
    return F.cross_entropy(scores, target)


@alternative("exercise 3's loss on the transposed matrix and mask")
def caption_given_image_loss(scores, target, mask=None):
    # "the same for image queries" / "the two conditionals are the same score matrix normalised down its columns or
    # along its rows"
    return image_given_caption_loss(scores.T, target, None if mask is None else mask.T)


@alternative("F.cross_entropy on the masked matrix (torch.where with a scalar -inf)")
def caption_given_image_loss(scores, target, mask=None):
    # "replace masked scores by -inf" / "the loss against F.cross_entropy(scores, target)"
    if mask is not None:
        scores = torch.where(mask, scores, float("-inf"))
    return F.cross_entropy(scores, target, reduction="mean")


@alternative("log-softmax by hand with each row's maximum subtracted, gather for the true caption")
def caption_given_image_loss(scores, target, mask=None):
    # "softmax along each row over its candidate captions"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    shifted = scores - scores.amax(dim=1, keepdim=True)
    true = shifted.gather(1, target.unsqueeze(1)).squeeze(1)
    return (shifted.exp().sum(dim=1).log() - true).mean()


@alternative("float64 intermediate, result cast back to the dtype of scores")
def caption_given_image_loss(scores, target, mask=None):
    # "0-dim tensor, dtype and device of scores, differentiable"
    s = scores.double()
    if mask is not None:
        s = s.masked_fill(~mask, -torch.inf)
    per_image = torch.logsumexp(s, dim=1) - s[torch.arange(s.shape[0], device=s.device), target]
    return per_image.mean().to(dtype=scores.dtype)


@alternative("log-probabilities picked with a one-hot mask instead of an index")
def caption_given_image_loss(scores, target, mask=None):
    # "the mean over the N images of -log P(Y = y_{t_i} | X = x_i)"
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    logp = torch.log_softmax(scores, dim=1)
    hit = F.one_hot(target, num_classes=scores.shape[1]).bool()
    return -logp[hit].mean()


# ---------------------------------------------------------------------------------------------
# Exercise 5: DualScorer
# ---------------------------------------------------------------------------------------------


@mutant("a ReLU after the final Linear too (no weights, so the state_dict keeps its names)")
class DualScorer(nn.Module):
    # "self.cnn = nn.Sequential(...) with, in this order: ... nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim)"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim), nn.ReLU())
        self.scale = scale

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).to(self.embedding.weight.dtype)
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("nn.Embedding without padding_idx=0 (padding is masked anyway, so it seemed unneeded)")
class DualScorer(nn.Module):
    # "self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).to(self.embedding.weight.dtype)
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("a bag of *distinct* words: a token repeated in a caption counts once")
class DualScorer(nn.Module):
    # "the mean of the embeddings of the non-padding tokens (ids != 0) of each caption"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        present = torch.zeros(ids.shape[0], self.embedding.num_embeddings, dtype=self.embedding.weight.dtype,
                              device=ids.device)
        present.scatter_(1, ids, 1.0)
        present[:, 0] = 0.0
        mean = present @ self.embedding.weight / present.sum(1, keepdim=True).clamp(min=1)
        return F.normalize(mean, dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("<unk> (id 1) dropped too, as if it were padding")
class DualScorer(nn.Module):
    # "the mean of the embeddings of the non-padding tokens (ids != 0)"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        keep = (ids > 1).unsqueeze(-1).to(self.embedding.weight.dtype)   # <pad> = 0 and <unk> = 1
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("assumes trailing padding: averages the first (number of non-zero ids) positions")
class DualScorer(nn.Module):
    # "the mean of the embeddings of the non-padding tokens (ids != 0) ... Exclude the padding with a mask"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        lengths = (ids != 0).sum(dim=1)
        positions = torch.arange(ids.shape[1], device=ids.device)
        keep = (positions[None, :] < lengths[:, None]).unsqueeze(-1).to(self.embedding.weight.dtype)
        mean = (self.embedding(ids) * keep).sum(1) / lengths.clamp(min=1)[:, None].to(keep.dtype)
        return F.normalize(mean, dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("self.scale stored as a tensor, torch.tensor(scale)")
class DualScorer(nn.Module):
    # "self.scale = scale, a plain float (not a parameter)."
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = torch.tensor(scale)

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).to(self.embedding.weight.dtype)
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("encode_images divides by 255 again (the images are already in [0, 1])")
class DualScorer(nn.Module):
    # "encode_images(images): images (N, 3, 32, 32) float in [0, 1] -> (N, dim): self.cnn, then F.normalize"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).to(self.embedding.weight.dtype)
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images / 255.0), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("nn.LeakyReLU(0.1) instead of nn.ReLU() in the CNN (same state_dict)")
class DualScorer(nn.Module):
    # "nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(), ..."
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.LeakyReLU(0.1),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).to(self.embedding.weight.dtype)
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("image vectors normalised by hand, v / ||v|| (NaN where F.normalize gives 0)")
class DualScorer(nn.Module):
    # "encode_images(images): ... self.cnn, then F.normalize(v, dim=-1)."
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).to(self.embedding.weight.dtype)
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        v = self.cnn(images)
        return v / v.norm(dim=-1, keepdim=True)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("the token count's lower bound is a CPU tensor (torch.ones): fails for ids on a GPU", needs="cuda")
class DualScorer(nn.Module):
    # "Every tensor of this notebook is made on device" / "encode_texts(ids) ... -> (M, dim)"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).to(self.embedding.weight.dtype)
        count = torch.maximum(keep.sum(1), torch.ones(ids.shape[0], 1, dtype=keep.dtype))
        return F.normalize((self.embedding(ids) * keep).sum(1) / count, dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@alternative("F.embedding_bag(mode='mean', padding_idx=0) on the embedding's weight")
class DualScorer(nn.Module):
    # "the mean of the embeddings of the non-padding tokens (ids != 0) ... A caption of padding only encodes to the
    # zero vector"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        bag = F.embedding_bag(ids, self.embedding.weight, mode="mean", padding_idx=0)
        return F.normalize(bag, dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@alternative("the masked SUM of the embeddings (the mean's 1/count vanishes in the L2 normalisation)")
class DualScorer(nn.Module):
    # "the mean of the embeddings of the non-padding tokens ..., then L2-normalised with F.normalize"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        vectors = self.embedding(ids).masked_fill((ids == 0).unsqueeze(-1), 0.0)
        return F.normalize(vectors.sum(dim=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@alternative("bag-of-words count matrix (scatter_add) times the embedding table, <pad> column zeroed")
class DualScorer(nn.Module):
    # "The text side is a bag of words (the order of the words is lost)"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        layers = [nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim)]
        self.cnn = nn.Sequential(*layers)
        self.scale = float(scale)

    def encode_texts(self, ids):
        weight = self.embedding.weight
        counts = torch.zeros(ids.shape[0], weight.shape[0], dtype=weight.dtype, device=weight.device)
        counts.scatter_add_(1, ids, torch.ones(ids.shape, dtype=weight.dtype, device=weight.device))
        counts[:, 0] = 0
        mean = (counts @ weight) / counts.sum(dim=1, keepdim=True).clamp(min=1)
        return F.normalize(mean, dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * (self.encode_images(images) @ self.encode_texts(ids).T)


@alternative("F.cosine_similarity with broadcasting in forward; in-place ReLUs; Xavier-initialised Linear")
class DualScorer(nn.Module):
    # "forward(images, ids): the (N, M) score matrix, scale * encode_images(images) @ encode_texts(ids).T"
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        nn.init.xavier_uniform_(self.cnn[7].weight)
        nn.init.zeros_(self.cnn[7].bias)
        self.scale = scale

    def encode_texts(self, ids):
        keep = ids.ne(0)
        total = torch.einsum("ml,mld->md", keep.to(self.embedding.weight.dtype), self.embedding(ids))
        count = keep.sum(dim=1, keepdim=True).clamp(min=1).to(total.dtype)
        return F.normalize(total / count, dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        img, txt = self.encode_images(images), self.encode_texts(ids)
        return self.scale * F.cosine_similarity(img[:, None, :], txt[None, :, :], dim=-1)


@alternative("F.normalize written out, v / ||v||.clamp_min(1e-12); token count 0 replaced by 1 with torch.where")
class DualScorer(nn.Module):
    # "L2-normalised with F.normalize(v, dim=-1) ... A caption of padding only encodes to the zero vector (not NaN)."
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    @staticmethod
    def _unit(v):
        return v / v.norm(p=2, dim=-1, keepdim=True).clamp_min(1e-12)

    def encode_texts(self, ids):
        pad = (ids == 0).unsqueeze(-1)
        vectors = self.embedding(ids).masked_fill(pad, 0.0)
        n_tokens = (~pad).sum(dim=1).to(vectors.dtype)
        mean = vectors.sum(dim=1) / torch.where(n_tokens > 0, n_tokens, torch.ones_like(n_tokens))
        return self._unit(mean)

    def encode_images(self, images):
        return self._unit(self.cnn(images))

    def forward(self, images, ids):
        return self.scale * torch.matmul(self.encode_images(images), self.encode_texts(ids).transpose(0, 1))
