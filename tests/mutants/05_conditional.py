"""Notebook 05's mutants (wrong answers students write) and alternatives (right answers they write).

Graded through the real grader by tests/test_mutants.py: every mutant must lose points on its
exercise, every alternative must keep full marks (autograder/mutation.py explains the format).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.mutation import alternative, mutant

# ---------------------------------------------------------------- exercise 1: conditionals_from_pairs


@mutant("P(X|Y) divided by #x and P(Y|X) by #y (the conditionals swapped)")
def conditionals_from_pairs(pairs):
    n = len(pairs)
    joint = Counter(pairs)
    cx = Counter(x for x, _ in pairs)
    cy = Counter(y for _, y in pairs)
    return {"P(X)": {x: cx[x] / n for x in cx}, "P(Y)": {y: cy[y] / n for y in cy},
            "P(X|Y)": {y: {x: joint[x, y] / cx[x] for x in cx} for y in cy},
            "P(Y|X)": {x: {y: joint[x, y] / cy[y] for y in cy} for x in cx}}


@mutant("nested the wrong way round: P(X|Y) keyed by the object first")
def conditionals_from_pairs(pairs):
    n = len(pairs)
    joint = Counter(pairs)
    cx = Counter(x for x, _ in pairs)
    cy = Counter(y for _, y in pairs)
    return {"P(X)": {x: cx[x] / n for x in cx}, "P(Y)": {y: cy[y] / n for y in cy},
            "P(X|Y)": {x: {y: joint[x, y] / cy[y] for y in cy} for x in cx},
            "P(Y|X)": {y: {x: joint[x, y] / cx[x] for x in cx} for y in cy}}


@mutant("duplicates counted once (set of pairs)")
def conditionals_from_pairs(pairs):
    pairs = sorted(set(pairs))
    n = len(pairs)
    joint = Counter(pairs)
    cx = Counter(x for x, _ in pairs)
    cy = Counter(y for _, y in pairs)
    return {"P(X)": {x: cx[x] / n for x in cx}, "P(Y)": {y: cy[y] / n for y in cy},
            "P(X|Y)": {y: {x: joint[x, y] / cy[y] for x in cx} for y in cy},
            "P(Y|X)": {x: {y: joint[x, y] / cx[x] for y in cy} for x in cx}}


@mutant("incomplete tables: pairs never seen are left out instead of 0.0")
def conditionals_from_pairs(pairs):
    n = len(pairs)
    joint = Counter(pairs)
    cx = Counter(x for x, _ in pairs)
    cy = Counter(y for _, y in pairs)
    p_x_y, p_y_x = {}, {}
    for (x, y), c in joint.items():
        p_x_y.setdefault(y, {})[x] = c / cy[y]
        p_y_x.setdefault(x, {})[y] = c / cx[x]
    return {"P(X)": {x: cx[x] / n for x in cx}, "P(Y)": {y: cy[y] / n for y in cy},
            "P(X|Y)": p_x_y, "P(Y|X)": p_y_x}


@mutant("one Counter for objects and words (a string that is both is counted together)")
def conditionals_from_pairs(pairs):
    n = len(pairs)
    joint = Counter(pairs)
    both = Counter([x for x, _ in pairs] + [y for _, y in pairs])
    xs = list(dict.fromkeys(x for x, _ in pairs))
    ys = list(dict.fromkeys(y for _, y in pairs))
    return {"P(X)": {x: both[x] / n for x in xs}, "P(Y)": {y: both[y] / n for y in ys},
            "P(X|Y)": {y: {x: joint[x, y] / both[y] for x in xs} for y in ys},
            "P(Y|X)": {x: {y: joint[x, y] / both[x] for y in ys} for x in xs}}


@mutant("marginals over distinct values: P(X) = 1 / number of objects")
def conditionals_from_pairs(pairs):
    joint = Counter(pairs)
    cx = Counter(x for x, _ in pairs)
    cy = Counter(y for _, y in pairs)
    return {"P(X)": {x: 1 / len(cx) for x in cx}, "P(Y)": {y: 1 / len(cy) for y in cy},
            "P(X|Y)": {y: {x: joint[x, y] / cy[y] for x in cx} for y in cy},
            "P(Y|X)": {x: {y: joint[x, y] / cx[x] for y in cy} for x in cx}}


@mutant("crashes on an empty list (division by zero)")
def conditionals_from_pairs(pairs):
    n = len(pairs)
    joint = Counter(pairs)
    cx = Counter(x for x, _ in pairs)
    cy = Counter(y for _, y in pairs)
    scale = 1 / n
    return {"P(X)": {x: cx[x] * scale for x in cx}, "P(Y)": {y: cy[y] * scale for y in cy},
            "P(X|Y)": {y: {x: joint[x, y] / cy[y] for x in cx} for y in cy},
            "P(Y|X)": {x: {y: joint[x, y] / cx[x] for y in cy} for x in cx}}


@alternative("a count matrix with numpy, normalised by its column and row sums")
def conditionals_from_pairs(pairs):
    xs = sorted({x for x, _ in pairs})
    ys = sorted({y for _, y in pairs})
    counts = np.zeros((len(xs), len(ys)))
    for x, y in pairs:
        counts[xs.index(x), ys.index(y)] += 1
    n = counts.sum()
    by_y, by_x = counts.sum(axis=0), counts.sum(axis=1)
    return {"P(X)": {x: float(by_x[a] / n) for a, x in enumerate(xs)},
            "P(Y)": {y: float(by_y[b] / n) for b, y in enumerate(ys)},
            "P(X|Y)": {y: {x: float(counts[a, b] / by_y[b]) for a, x in enumerate(xs)} for b, y in enumerate(ys)},
            "P(Y|X)": {x: {y: float(counts[a, b] / by_x[a]) for b, y in enumerate(ys)} for a, x in enumerate(xs)}}


@alternative("pandas crosstab with normalize='columns' / 'index' (numpy float values)")
def conditionals_from_pairs(pairs):
    import pandas as pd

    if not pairs:
        return {"P(X)": {}, "P(Y)": {}, "P(X|Y)": {}, "P(Y|X)": {}}
    frame = pd.DataFrame(pairs, columns=["x", "y"])
    table = pd.crosstab(frame.x, frame.y)
    x_given_y = pd.crosstab(frame.x, frame.y, normalize="columns")
    y_given_x = pd.crosstab(frame.x, frame.y, normalize="index")
    return {"P(X)": {str(k): v for k, v in (table.sum(axis=1) / len(frame)).items()},
            "P(Y)": {str(k): v for k, v in (table.sum(axis=0) / len(frame)).items()},
            "P(X|Y)": {str(y): {str(x): x_given_y.loc[x, y] for x in table.index} for y in table.columns},
            "P(Y|X)": {str(x): {str(y): y_given_x.loc[x, y] for y in table.columns} for x in table.index}}


@alternative("joint first, conditionals by Bayes from the joint and the marginals")
def conditionals_from_pairs(pairs):
    n = len(pairs)
    xs = list(dict.fromkeys(x for x, _ in pairs))
    ys = list(dict.fromkeys(y for _, y in pairs))
    joint = {(x, y): 0.0 for x in xs for y in ys}
    for pair in pairs:
        joint[pair] += 1 / n
    p_x = {x: sum(joint[x, y] for y in ys) for x in xs}
    p_y = {y: sum(joint[x, y] for x in xs) for y in ys}
    return {"P(X)": p_x, "P(Y)": p_y,
            "P(X|Y)": {y: {x: joint[x, y] / p_y[y] for x in xs} for y in ys},
            "P(Y|X)": {x: {y: joint[x, y] / p_x[x] for y in ys} for x in xs}}


# ---------------------------------------------------------------- exercise 2: sample_candidates


@mutant("the true image can be drawn as a distractor (keys over all images, no skipping)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    distractors = np.argsort(keys, axis=1)[:, :n_distractors]
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("distractors drawn with replacement (rng.integers): repeats")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    others = rng.integers(0, n_images - 1, size=(len(true), n_distractors))
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("target slot drawn from 0..n-1: never the last slot")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, max(n_distractors, 1), size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("target drawn before the keys (the order of the random draws)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("the true image swapped into its slot (the displaced distractor moves to slot 0)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    candidates = np.concatenate([true[:, None], distractors], axis=1)
    rows = np.arange(len(true))
    moved = candidates[rows, target].copy()
    candidates[rows, target] = true
    candidates[rows, 0] = moved
    return candidates, target.astype(np.int64)


@mutant("keys in decreasing order (the n LARGEST keys)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(-keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("true image appended last when not shuffling (target n instead of 0)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    if shuffle:
        target = rng.integers(0, n_distractors + 1, size=len(true))
    else:
        target = np.full(len(true), n_distractors, dtype=np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("no ValueError for too many distractors (silently fewer columns)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    k = distractors.shape[1]
    target = rng.integers(0, k + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(k + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), k + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("target drawn even without shuffling, then zeroed (a call to the generator the text forbids)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true))
    if not shuffle:
        target = np.zeros(len(true), dtype=np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("no lower bound: a negative n_distractors is no ValueError (rows built with np.insert)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if n_distractors > n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    rows = [np.insert(distractors[j], target[j], true[j]) for j in range(len(true))]
    return np.array(rows, dtype=np.int64).reshape(len(true), -1), target.astype(np.int64)


@mutant("no keys drawn when there are no distractors (the generator's state differs)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    if n_distractors == 0:
        others = np.zeros((len(true), 0), dtype=np.int64)
    else:
        keys = rng.random((len(true), n_images - 1))
        others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("np.argpartition: the n smallest keys, not in increasing key order")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    if n_distractors == 0:
        others = np.zeros((len(true), 0), dtype=np.int64)
    else:
        others = np.argpartition(keys, n_distractors - 1, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


@mutant("target returned as int32")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image, dtype=np.int64)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int32)


@alternative("a Python loop over captions with np.insert, keys drawn once")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = [int(t) for t in caption_image]
    if n_distractors < 0 or n_distractors > n_images - 1:
        raise ValueError(f"n_distractors must be at most {n_images - 1}")
    keys = rng.random((len(true), n_images - 1))
    if shuffle:
        target = rng.integers(0, n_distractors + 1, size=len(true)).astype(np.int64)
    else:
        target = np.zeros(len(true), dtype=np.int64)
    rows = []
    for j, t in enumerate(true):
        others = [int(v) + (v >= t) for v in np.argsort(keys[j])[:n_distractors]]
        rows.append(np.insert(np.array(others, dtype=np.int64), target[j], t))
    candidates = np.array(rows, dtype=np.int64).reshape(len(true), n_distractors + 1)
    return candidates, target


@alternative("distractors as a table of the other images, gathered with take_along_axis; stable sort")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image).astype(np.int64).reshape(-1)
    if n_distractors > n_images - 1 or n_distractors < 0:
        raise ValueError("not enough other images")
    m = len(true)
    keys = rng.random((m, n_images - 1))
    order = np.argsort(keys, axis=1, kind="stable")[:, :n_distractors]
    other_images = np.arange(n_images - 1)[None, :] + (np.arange(n_images - 1)[None, :] >= true[:, None])
    distractors = np.take_along_axis(other_images, order, axis=1)
    target = rng.integers(0, n_distractors + 1, size=m) if shuffle else np.zeros(m, dtype=np.int64)
    slots = np.arange(n_distractors + 1)[None, :]
    left = np.take_along_axis(np.pad(distractors, ((0, 0), (0, 1))), np.minimum(slots, n_distractors), axis=1)
    right = np.take_along_axis(np.pad(distractors, ((0, 0), (1, 0))), slots, axis=1)
    candidates = np.where(slots < target[:, None], left, np.where(slots == target[:, None], true[:, None], right))
    return candidates.astype(np.int64), target.astype(np.int64)


@mutant("candidates in the dtype of caption_image (an int32 array gives int32 candidates)")
def sample_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    true = np.asarray(caption_image)
    if not 0 <= n_distractors <= n_images - 1:
        raise ValueError("too many distractors")
    keys = rng.random((len(true), n_images - 1))
    others = np.argsort(keys, axis=1)[:, :n_distractors]
    distractors = others + (others >= true[:, None])
    target = rng.integers(0, n_distractors + 1, size=len(true)) if shuffle else np.zeros(len(true), np.int64)
    is_target = np.arange(n_distractors + 1)[None, :] == target[:, None]
    candidates = np.empty((len(true), n_distractors + 1), dtype=true.dtype if len(true) else np.int64)
    candidates[is_target] = true
    candidates[~is_target] = distractors.ravel()
    return candidates, target.astype(np.int64)


# ---------------------------------------------------------------- exercise 3: image_given_caption_loss


@mutant("softmax over the wrong axis (dim=1: over captions)")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=1)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("padding multiplied by the mask (score 0, not -inf)")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores * mask
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("ignores the mask")
def image_given_caption_loss(scores, target, mask=None):
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("mask read the wrong way (True = padding)")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(mask & (torch.arange(scores.shape[0], device=scores.device)[:, None]
                                            != target[None, :]), float("-inf"))
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("sum over captions instead of the mean")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].sum()


@mutant("log of a hand-made softmax: exp overflows for large scores")
def image_given_caption_loss(scores, target, mask=None):
    e = torch.exp(scores)
    if mask is not None:
        e = e * mask
    p = e / e.sum(dim=0, keepdim=True)
    return -torch.log(p[target, torch.arange(scores.shape[1], device=scores.device)]).mean()


@mutant("the column indices made on the default device (the CPU), not on the scores' device", needs="cuda")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1])].mean()


@mutant("the loss returned on the CPU (.cpu()), not on the scores' device", needs="cuda")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=1)
    return -log_p[torch.arange(scores.shape[0], device=scores.device), target].mean().cpu()


@mutant("per-caption losses returned, not their mean")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)]


@mutant("computed in float32 whatever the input dtype")
def image_given_caption_loss(scores, target, mask=None):
    scores = scores.float()
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@alternative("F.cross_entropy on the transposed, masked scores")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = torch.where(mask, scores, torch.full_like(scores, float("-inf")))
    return F.cross_entropy(scores.T, target)


@mutant("a finite fill (-1e9): padding takes the probability when every score is below it (text: exactly 0)")
def image_given_caption_loss(scores, target, mask=None):
    filled = scores if mask is None else scores.masked_fill(~mask, -1e9)
    picked = filled.gather(0, target[None, :]).squeeze(0)
    return (torch.logsumexp(filled, dim=0) - picked).mean()


@mutant("torch.log(torch.softmax(...)): a probability that underflows to 0 gives an infinite loss")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    p = torch.softmax(scores, dim=0)
    return -torch.log(p[target, torch.arange(scores.shape[1], device=scores.device)]).mean()


@alternative("a -inf fill and logsumexp by hand (the lse rounded at the scores' magnitude)")
def image_given_caption_loss(scores, target, mask=None):
    filled = scores if mask is None else scores.masked_fill(~mask, float("-inf"))
    picked = filled.gather(0, target[None, :]).squeeze(0)
    return (torch.logsumexp(filled, dim=0) - picked).mean()


@alternative("fill with the dtype's most negative finite number: exp underflows to exactly 0")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    log_p = scores - torch.logsumexp(scores, dim=0, keepdim=True)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@alternative("float64 intermediates, cast back to the scores' dtype")
def image_given_caption_loss(scores, target, mask=None):
    wide = scores.double()
    if mask is not None:
        wide = wide.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(wide, dim=0)
    return (-log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()).to(scores.dtype)


@mutant("a finite fill of -1e30: padding takes the probability when the scores lie below it (text: exactly 0)")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e30)
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("half precision computed in float32 and the float32 loss returned (text: the dtype of scores)")
def image_given_caption_loss(scores, target, mask=None):
    if scores.dtype in (torch.float16, torch.bfloat16):
        scores = scores.to(torch.float32)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target, torch.arange(scores.shape[1], device=scores.device)].mean()


@mutant("a Python loop over captions, F.cross_entropy per column (text: vectorised)")
def image_given_caption_loss(scores, target, mask=None):
    losses = []
    for j in range(scores.shape[1]):
        column = scores[:, j] if mask is None else scores[:, j].masked_fill(~mask[:, j], float("-inf"))
        losses.append(F.cross_entropy(column[None, :], target[j:j + 1]))
    return torch.stack(losses).mean()


@mutant("the column indices made on the notebook's global device, not on the scores' device", needs="cuda")
def image_given_caption_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[target.to(device), torch.arange(scores.shape[1], device=device)].mean()  # noqa: F821


# ---------------------------------------------------------------- exercise 4: caption_given_image_loss


@mutant("softmax over the wrong axis (dim=0: over images)")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=0)
    return -log_p[torch.arange(scores.shape[0], device=scores.device), target].mean()


@mutant("exercise 3 on the transposed scores, but the mask not transposed")
def caption_given_image_loss(scores, target, mask=None):
    return image_given_caption_loss(scores.T, target, mask)


@mutant("padding multiplied by the mask (score 0, not -inf)")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores * mask
    log_p = torch.log_softmax(scores, dim=1)
    return -log_p[torch.arange(scores.shape[0], device=scores.device), target].mean()


@mutant("log of a hand-made softmax: exp overflows for large scores")
def caption_given_image_loss(scores, target, mask=None):
    e = torch.exp(scores)
    if mask is not None:
        e = e * mask
    p = e / e.sum(dim=1, keepdim=True)
    return -torch.log(p[torch.arange(scores.shape[0], device=scores.device), target]).mean()


@mutant("sum over images instead of the mean")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=1)
    return -log_p[torch.arange(scores.shape[0], device=scores.device), target].sum()


@mutant("a finite fill (-1e9): padding takes the probability when every score is below it (text: exactly 0)")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e9)
    log_p = torch.log_softmax(scores, dim=1)
    return -log_p[torch.arange(scores.shape[0], device=scores.device), target].mean()


@mutant("torch.log(torch.softmax(...)): a probability that underflows to 0 gives an infinite loss")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    p = torch.softmax(scores, dim=1)
    return -torch.log(p[torch.arange(scores.shape[0], device=scores.device), target]).mean()


@alternative("exercise 3 on the transposed scores and mask")
def caption_given_image_loss(scores, target, mask=None):
    return image_given_caption_loss(scores.T, target, None if mask is None else mask.T)


@alternative("a -inf fill and logsumexp by hand along the rows")
def caption_given_image_loss(scores, target, mask=None):
    filled = scores if mask is None else scores.masked_fill(~mask, float("-inf"))
    picked = filled.gather(1, target[:, None]).squeeze(1)
    return (torch.logsumexp(filled, dim=1) - picked).mean()


@alternative("F.cross_entropy with a -inf fill")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return F.cross_entropy(scores, target)


@mutant("a finite fill of -1e30: padding takes the probability when the scores lie below it (text: exactly 0)")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e30)
    log_p = torch.log_softmax(scores, dim=1)
    return -log_p[torch.arange(scores.shape[0], device=scores.device), target].mean()


@mutant("half precision computed in float32 and the float32 loss returned (text: the dtype of scores)")
def caption_given_image_loss(scores, target, mask=None):
    if scores.dtype in (torch.float16, torch.bfloat16):
        scores = scores.to(torch.float32)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return F.cross_entropy(scores, target)


@mutant("a Python loop over images, one log-softmax per row (text: vectorised)")
def caption_given_image_loss(scores, target, mask=None):
    total = 0
    for i in range(scores.shape[0]):
        row = scores[i] if mask is None else scores[i].masked_fill(~mask[i], float("-inf"))
        total = total - torch.log_softmax(row, dim=0)[target[i]]
    return total / scores.shape[0]


@mutant("the row indices made on the notebook's global device, not on the scores' device", needs="cuda")
def caption_given_image_loss(scores, target, mask=None):
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    log_p = torch.log_softmax(scores, dim=1)
    return -log_p[torch.arange(scores.shape[0], device=device), target.to(device)].mean()  # noqa: F821


# ---------------------------------------------------------------- exercise 5: DualScorer


@mutant("padding included in the mean (averages over all L positions)")
class DualScorer(nn.Module):
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
        return F.normalize(self.embedding(ids).mean(dim=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("max pooling over the tokens instead of the mean")
class DualScorer(nn.Module):
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
        e = self.embedding(ids).masked_fill((ids == 0).unsqueeze(-1), float("-inf")).amax(dim=1)
        return F.normalize(torch.nan_to_num(e, neginf=0.0), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("image vectors not normalised (dot product, not cosine)")
class DualScorer(nn.Module):
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
        keep = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return self.cnn(images)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("no padding_idx=0: the <pad> row of a fresh model is random")
class DualScorer(nn.Module):
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
        keep = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("the loaded <pad> row zeroed in place instead of masking the padding")
class DualScorer(nn.Module):
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
        with torch.no_grad():
            self.embedding.weight[0] = 0.0  # "the <pad> row is zero": made so, in the loaded weights
        count = (ids != 0).sum(1, keepdim=True).clamp(min=1)
        return F.normalize(self.embedding(ids).sum(1) / count, dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("the scale stored as a tensor, not a plain float")
class DualScorer(nn.Module):
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = torch.tensor(float(scale))

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("forgets the scale")
class DualScorer(nn.Module):
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
        keep = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.encode_images(images) @ self.encode_texts(ids).T


@mutant("a ReLU after the last Linear layer")
class DualScorer(nn.Module):
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
        keep = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("no ReLU after the last convolution")
class DualScorer(nn.Module):
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.Identity(),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    def encode_texts(self, ids):
        keep = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("normalised by v / v.norm(): a caption of padding only gives NaN")
class DualScorer(nn.Module):
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
        keep = (ids != 0).unsqueeze(-1).float()
        v = (self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1)
        return v / v.norm(dim=-1, keepdim=True)

    def encode_images(self, images):
        v = self.cnn(images)
        return v / v.norm(dim=-1, keepdim=True)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("scores transposed: captions x images")
class DualScorer(nn.Module):
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
        keep = (ids != 0).unsqueeze(-1).float()
        return F.normalize((self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_texts(ids) @ self.encode_images(images).T


@mutant("a caption ends at its first 0: tokens after a padding id are dropped (text: a 0 anywhere is padding)")
class DualScorer(nn.Module):
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
        keep = (torch.cumprod((ids != 0).long(), dim=1) > 0).unsqueeze(-1).to(self.embedding.weight.dtype)
        v = (self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1)
        return F.normalize(v, dim=-1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=-1)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@mutant("image vectors divided by their norm by hand: a zero image vector gives NaN (text: F.normalize)")
class DualScorer(nn.Module):
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
        v = (self.embedding(ids) * keep).sum(1) / keep.sum(1).clamp(min=1)
        return F.normalize(v, dim=-1)

    def encode_images(self, images):
        v = self.cnn(images)
        return v / torch.linalg.vector_norm(v, dim=-1, keepdim=True)

    def forward(self, images, ids):
        return self.scale * self.encode_images(images) @ self.encode_texts(ids).T


@alternative("sum pooling (same direction as the mean after normalising), einsum for the mask")
class DualScorer(nn.Module):
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        layers = [nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
                  nn.Flatten(), nn.Linear(64 * width, dim)]
        self.cnn = nn.Sequential(*layers)
        self.scale = float(scale)

    def encode_texts(self, ids):
        total = torch.einsum("ml,mld->md", (ids > 0).float(), self.embedding(ids))
        return F.normalize(total, dim=1)

    def encode_images(self, images):
        return F.normalize(self.cnn(images), dim=1)

    def forward(self, images, ids):
        return torch.einsum("nd,md->nm", self.encode_images(images), self.encode_texts(ids)) * self.scale


@alternative("nn.EmbeddingBag(mode='mean', padding_idx=0) and a manual norm with a clamp")
class DualScorer(nn.Module):
    def __init__(self, vocab_size, dim=64, width=16, scale=10.0):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, dim, mode="mean", padding_idx=0)
        self.cnn = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, dim))
        self.scale = scale

    @staticmethod
    def _unit(v):
        return v / v.norm(dim=-1, keepdim=True).clamp(min=1e-12)

    def encode_texts(self, ids):
        return self._unit(self.embedding(ids))

    def encode_images(self, images):
        return self._unit(self.cnn(images))

    def forward(self, images, ids):
        return self.scale * (self.encode_images(images) @ self.encode_texts(ids).t())
