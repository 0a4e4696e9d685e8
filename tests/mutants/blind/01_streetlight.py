"""Blind variants of notebook 01, written from the released notebook alone."""
from __future__ import annotations

import numpy as np

from autograder.mutation import alternative, mutant
from utils.text import tokenize

# ---------------------------------------------------------------------------------------------
# Exercise 1: rule_scores
# ---------------------------------------------------------------------------------------------


@mutant("strict r > 120 where the text says r >= 120")
def rule_scores(images, captions):
    # "A pixel (r, g, b) (uint8, 0-255) is red when r >= 120, r >= 3g and r >= 3b."
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r > 120) & (r >= 3 * g) & (r >= 3 * b)
    has_red = red.reshape(len(images), -1).any(axis=1)
    says_red = np.array([tokenize(c).count("red") > 0 for c in captions], dtype=bool)
    return (has_red[:, None] & says_red[None, :]).astype(np.float32)


@mutant("strict r > 3g and r > 3b where the text says >=")
def rule_scores(images, captions):
    # "A pixel (r, g, b) (uint8, 0-255) is red when r >= 120, r >= 3g and r >= 3b."
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r >= 120) & (r > 3 * g) & (r > 3 * b)
    has_red = red.reshape(len(images), -1).any(axis=1)
    says_red = np.array([tokenize(c).count("red") > 0 for c in captions], dtype=bool)
    return (has_red[:, None] & says_red[None, :]).astype(np.float32)


@mutant("multiplies in uint8 (3 * g wraps around), ignoring the Pitfall")
def rule_scores(images, captions):
    # "uint8 arithmetic wraps around: np.uint8(100) * 3 == 44. Convert to a wider integer type"
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    red = (r >= 120) & (r >= g * np.uint8(3)) & (r >= b * np.uint8(3))
    has_red = red.reshape(len(images), -1).any(axis=1)
    says_red = np.array([tokenize(c).count("red") > 0 for c in captions], dtype=bool)
    return (has_red[:, None] & says_red[None, :]).astype(np.float32)


@mutant("substring test 'red' in caption.lower(): 'reddish' and 'red-eyed' count")
def rule_scores(images, captions):
    # "#"red"(L) is the number of tokens of tokenize(L) equal to "red" ... "reddish" and "red-eyed" are other words"
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r >= 120) & (r >= 3 * g) & (r >= 3 * b)
    has_red = red.reshape(len(images), -1).any(axis=1)
    says_red = np.array(["red" in c.lower() for c in captions], dtype=bool)
    return (has_red[:, None] & says_red[None, :]).astype(np.float32)


@mutant("own split: c.lower().split() without stripping punctuation ('red.' and '(red)' missed)")
def rule_scores(images, captions):
    # "the provided tokenizer lowercases and strips punctuation at word edges, so "Red." and "(red)" count"
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r >= 120) & (r >= 3 * g) & (r >= 3 * b)
    has_red = red.reshape(len(images), -1).any(axis=1)
    says_red = np.array(["red" in c.lower().split() for c in captions], dtype=bool)
    return (has_red[:, None] & says_red[None, :]).astype(np.float32)


@mutant("case-sensitive word test: strips punctuation but does not lowercase ('Red', 'RED' missed)")
def rule_scores(images, captions):
    # "the provided tokenizer lowercases and strips punctuation at word edges, so "Red." ... count"
    import string

    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r >= 120) & (r >= 3 * g) & (r >= 3 * b)
    has_red = red.reshape(len(images), -1).any(axis=1)
    says_red = np.array([any(w.strip(string.punctuation) == "red" for w in c.split()) for c in captions],
                        dtype=bool)
    return (has_red[:, None] & says_red[None, :]).astype(np.float32)


@mutant("'or' between the two dominance tests (r >= 3g or r >= 3b)")
def rule_scores(images, captions):
    # "red when r >= 120, r >= 3g and r >= 3b ... orange, brown and pink shades fail r >= 3g or r >= 3b"
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r >= 120) & ((r >= 3 * g) | (r >= 3 * b))
    has_red = red.reshape(len(images), -1).any(axis=1)
    says_red = np.array([tokenize(c).count("red") > 0 for c in captions], dtype=bool)
    return (has_red[:, None] & says_red[None, :]).astype(np.float32)


@mutant("tests the image's MEAN colour instead of counting red pixels")
def rule_scores(images, captions):
    # "F(I, L) = 1 if #red pixels(I) > 0 and #"red"(L) > 0"
    m = images.astype(np.float64).mean(axis=(1, 2))
    r, g, b = m[:, 0], m[:, 1], m[:, 2]
    has_red = (r >= 120) & (r >= 3 * g) & (r >= 3 * b)
    says_red = np.array([tokenize(c).count("red") > 0 for c in captions], dtype=bool)
    return (has_red[:, None] & says_red[None, :]).astype(np.float32)


@mutant("returns float64 (np.outer of bool vectors cast with astype(float))")
def rule_scores(images, captions):
    # "returns a np.ndarray of shape (N, M), dtype float32, with entries 0.0 or 1.0."
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r >= 120) & (r >= 3 * g) & (r >= 3 * b)
    has_red = red.reshape(len(images), -1).any(axis=1).astype(float)
    says_red = np.array([tokenize(c).count("red") > 0 for c in captions], dtype=float)
    return np.outer(has_red, says_red)


@mutant("returns the product of the counts (#red pixels * #'red') instead of 0/1")
def rule_scores(images, captions):
    # "returns ... dtype float32, with entries 0.0 or 1.0."
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r >= 120) & (r >= 3 * g) & (r >= 3 * b)
    n_red = red.reshape(len(images), -1).sum(axis=1).astype(np.float32)
    n_word = np.array([tokenize(c).count("red") for c in captions], dtype=np.float32)
    return np.outer(n_red, n_word).astype(np.float32)


@alternative("Python loop over images with np.any and a set of tokens; int16 widening")
def rule_scores(images, captions):
    # "Convert to a wider integer type (e.g. images.astype(np.int32)) before multiplying." (int16 is wider)
    # "Count the red pixels of all images at once (no Python loop over pixels)." (loop over images only)
    out = np.zeros((len(images), len(captions)), dtype=np.float32)
    says = [("red" in set(tokenize(c))) for c in captions]
    for i, im in enumerate(images):
        x = im.astype(np.int16)
        if np.any((x[..., 0] >= 120) & (x[..., 0] >= 3 * x[..., 1]) & (x[..., 0] >= 3 * x[..., 2])):
            out[i] = np.array(says, dtype=np.float32)
    return out


@alternative("division-free comparisons in float64, count_nonzero, np.where to build the matrix")
def rule_scores(images, captions):
    # "A pixel (r, g, b) (uint8, 0-255) is red when r >= 120, r >= 3g and r >= 3b." (float64 is exact here)
    x = images.astype(np.float64)
    red = (x[..., 0] >= 120) & (x[..., 0] - 3 * x[..., 1] >= 0) & (x[..., 0] - 3 * x[..., 2] >= 0)
    n_red = np.count_nonzero(red, axis=(1, 2))
    n_word = np.array([sum(t == "red" for t in tokenize(c)) for c in captions], dtype=np.int64)
    return np.where((n_red[:, None] > 0) & (n_word[None, :] > 0), np.float32(1), np.float32(0))


@alternative("einsum of float32 indicator vectors; uint16 widening; token count via Counter")
def rule_scores(images, captions):
    # "returns a np.ndarray of shape (N, M), dtype float32, with entries 0.0 or 1.0."
    from collections import Counter

    x = images.astype(np.uint16)
    red = (x[..., 0] >= 120) & (x[..., 0] >= 3 * x[..., 1]) & (x[..., 0] >= 3 * x[..., 2])
    a = red.any(axis=(1, 2)).astype(np.float32)
    b = np.array([Counter(tokenize(c))["red"] > 0 for c in captions], dtype=np.float32).reshape(-1)
    return np.einsum("i,j->ij", a, b).astype(np.float32)


@alternative("torch for the pixel test, converted back to a numpy float32 array")
def rule_scores(images, captions):
    # "images: np.ndarray of shape (N, H, W, 3), dtype uint8" -> any library may count the pixels
    import torch

    t = torch.from_numpy(np.ascontiguousarray(images)).to(torch.int32)
    red = (t[..., 0] >= 120) & (t[..., 0] >= 3 * t[..., 1]) & (t[..., 0] >= 3 * t[..., 2])
    has_red = red.flatten(1).sum(1).numpy() > 0 if len(images) else np.zeros(0, dtype=bool)
    says_red = np.array([tokenize(c).count("red") for c in captions], dtype=np.int64) > 0
    return np.logical_and.outer(has_red, says_red).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Exercise 2: kmeans
# ---------------------------------------------------------------------------------------------


@mutant("initialises with rng.permutation(n)[:k] instead of rng.choice(n, size=k, replace=False)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the initial centroids are pixels[rng.choice(n, size=k, replace=False)]."
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.permutation(n)[:k]].copy()
    for _ in range(n_iter):
        d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        lab = np.argmin(d, axis=1)
        dist = d[np.arange(n), lab]
        newC = C.copy()
        empty = []
        for j in range(k):
            m = lab == j
            if m.any():
                newC[j] = X[m].mean(axis=0)
            else:
                empty.append(j)
        order = np.lexsort((np.arange(n), -dist))
        for j, p in zip(empty, order, strict=False):
            newC[j] = X[p]
        C = newC
    lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C.astype(np.float32), lab.astype(np.int64)


@mutant("returns the labels of the last assignment step (before the last update), not for the final centroids")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Return (centroids, labels): ... labels (n,) int64, the assignment of every pixel to the final centroids."
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    for _ in range(n_iter):
        d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        lab = np.argmin(d, axis=1)
        dist = d[np.arange(n), lab]
        newC = C.copy()
        empty = []
        for j in range(k):
            m = lab == j
            if m.any():
                newC[j] = X[m].mean(axis=0)
            else:
                empty.append(j)
        order = np.lexsort((np.arange(n), -dist))
        for j, p in zip(empty, order, strict=False):
            newC[j] = X[p]
        C = newC
    return C.astype(np.float32), lab.astype(np.int64)


@mutant("no empty-cluster rule: an empty centroid stays where it is")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "empty-cluster rule: a centroid that received no pixel is moved onto the pixel that is currently worst served"
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
        for j in range(k):
            m = lab == j
            if m.any():
                C[j] = X[m].mean(axis=0)
    lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C.astype(np.float32), lab.astype(np.int64)


@mutant("worst-served distance measured AFTER the update (to the moved centroids)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the pixel with the largest distance to its assigned centroid (before the update; ties -> lowest pixel index)"
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
        empty = []
        for j in range(k):
            m = lab == j
            if m.any():
                C[j] = X[m].mean(axis=0)
            else:
                empty.append(j)
        dist = ((X - C[lab]) ** 2).sum(axis=1)
        order = np.lexsort((np.arange(n), -dist))
        for j, p in zip(empty, order, strict=False):
            C[j] = X[p]
    lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C.astype(np.float32), lab.astype(np.int64)


@mutant("gives the same worst pixel (plain argmax) to every empty cluster")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Handle empty clusters in increasing index order, and never give the same pixel to two empty clusters."
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        lab = np.argmin(d, axis=1)
        dist = d[np.arange(n), lab]
        newC = C.copy()
        for j in range(k):
            m = lab == j
            newC[j] = X[m].mean(axis=0) if m.any() else X[np.argmax(dist)]
        C = newC
    lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C.astype(np.float32), lab.astype(np.int64)


@mutant("worst-served order from np.argsort(dist)[::-1]: ties go to the HIGHEST pixel index")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the pixel with the largest distance to its assigned centroid (before the update; ties -> lowest pixel index)"
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        lab = np.argmin(d, axis=1)
        dist = d[np.arange(n), lab]
        newC = C.copy()
        empty = []
        for j in range(k):
            m = lab == j
            if m.any():
                newC[j] = X[m].mean(axis=0)
            else:
                empty.append(j)
        order = np.argsort(dist, kind="stable")[::-1]
        for j, p in zip(empty, order, strict=False):
            newC[j] = X[p]
        C = newC
    lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C.astype(np.float32), lab.astype(np.int64)


@mutant("empty clusters handled in DECREASING index order (the last empty centroid gets the worst pixel)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Handle empty clusters in increasing index order"
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        lab = np.argmin(d, axis=1)
        dist = d[np.arange(n), lab]
        newC = C.copy()
        empty = []
        for j in range(k):
            m = lab == j
            if m.any():
                newC[j] = X[m].mean(axis=0)
            else:
                empty.append(j)
        order = np.lexsort((np.arange(n), -dist))
        for j, p in zip(empty[::-1], order, strict=False):
            newC[j] = X[p]
        C = newC
    lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C.astype(np.float32), lab.astype(np.int64)


@mutant("labels only computed inside the loop: n_iter=0 crashes (labels undefined)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Repeat n_iter times (n_iter may be 0)"
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    for _it in range(n_iter):
        d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        lab = np.argmin(d, axis=1)
        dist = d[np.arange(n), lab]
        newC = C.copy()
        empty = []
        for j in range(k):
            m = lab == j
            if m.any():
                newC[j] = X[m].mean(axis=0)
            else:
                empty.append(j)
        order = np.lexsort((np.arange(n), -dist))
        for j, p in zip(empty, order, strict=False):
            newC[j] = X[p]
        C = newC
        lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C.astype(np.float32), lab.astype(np.int64)


@alternative("blind mutant 'works in float32 throughout (distances and means)', correct once float64 is advice, not a rule: the checks' inputs have no near-ties, and it uses under 0.2 % of the tolerance there")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "pixels: np.ndarray (n, 3) float32 (RGB in [0, 1]). Work in float64 internally."
    X = np.asarray(pixels, dtype=np.float32)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = (X * X).sum(1)[:, None] - 2 * X @ C.T + (C * C).sum(1)[None, :]
        lab = np.argmin(d, axis=1)
        dist = d[np.arange(n), lab]
        newC = C.copy()
        empty = []
        for j in range(k):
            m = lab == j
            if m.any():
                newC[j] = X[m].mean(axis=0, dtype=np.float32)
            else:
                empty.append(j)
        order = np.lexsort((np.arange(n), -dist))
        for j, p in zip(empty, order, strict=False):
            newC[j] = X[p]
        C = newC
    d = (X * X).sum(1)[:, None] - 2 * X @ C.T + (C * C).sum(1)[None, :]
    return C.astype(np.float32), np.argmin(d, axis=1).astype(np.int64)


@mutant("returns int32 labels")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Return (centroids, labels): centroids (k, 3) float32 and labels (n,) int64"
    X = np.asarray(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        lab = np.argmin(d, axis=1)
        dist = d[np.arange(n), lab]
        newC = C.copy()
        empty = []
        for j in range(k):
            m = lab == j
            if m.any():
                newC[j] = X[m].mean(axis=0)
            else:
                empty.append(j)
        order = np.lexsort((np.arange(n), -dist))
        for j, p in zip(empty, order, strict=False):
            newC[j] = X[p]
        C = newC
    lab = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C.astype(np.float32), lab.astype(np.int32)


@alternative("expansion |x|^2 - 2 x.c + |c|^2 (the text's own formula), bincount means, masked-argmax loop for empties")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the distances from all pixels to all centroids are one (n, k) array (|x - c|^2 = |x|^2 - 2x.c + |c|^2, or broadcasting)."
    X = pixels.astype(np.float64)
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)]
    x2 = (X ** 2).sum(axis=1)

    def dists(C):
        return x2[:, None] - 2.0 * (X @ C.T) + (C ** 2).sum(axis=1)[None, :]

    for _ in range(n_iter):
        D = dists(C)
        lab = D.argmin(axis=1)
        worst = D[np.arange(n), lab].copy()
        counts = np.bincount(lab, minlength=k)
        sums = np.stack([np.bincount(lab, weights=X[:, c], minlength=k) for c in range(3)], axis=1)
        newC = C.copy()
        filled = counts > 0
        newC[filled] = sums[filled] / counts[filled, None]
        for j in np.flatnonzero(~filled):
            p = int(np.argmax(worst))
            newC[j] = X[p]
            worst[p] = -np.inf
        C = newC
    labels = dists(C).argmin(axis=1)
    return C.astype(np.float32), labels.astype(np.int64)


@alternative("column-by-column distance matrix (loop over k centroids), np.add.at for the means, stable sort for empties")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Vectorise the assignment step: the distances from all pixels to all centroids are one (n, k) array"
    X = np.array(pixels, dtype=np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    idx = rng.choice(n, size=k, replace=False)
    C = X[idx]

    def assign(C):
        D = np.empty((n, k))
        for j in range(k):
            D[:, j] = np.sum((X - C[j]) ** 2, axis=1)
        return D

    for _ in range(n_iter):
        D = assign(C)
        lab = np.argmin(D, axis=1)
        dist = np.min(D, axis=1)
        sums = np.zeros((k, 3))
        np.add.at(sums, lab, X)
        cnt = np.zeros(k)
        np.add.at(cnt, lab, 1)
        newC = np.where(cnt[:, None] > 0, sums / np.maximum(cnt, 1)[:, None], C)
        empties = [j for j in range(k) if cnt[j] == 0]
        ranked = np.argsort(-dist, kind="stable")  # largest first, ties by lowest index
        for j, p in zip(empties, ranked[: len(empties)], strict=False):
            newC[j] = X[p]
        C = newC
    lab = np.argmin(assign(C), axis=1)
    return np.asarray(C, dtype=np.float32), np.asarray(lab, dtype=np.int64)


@alternative("scipy.spatial.distance.cdist('sqeuclidean') and a pure-Python empty-cluster loop")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "assign every pixel to the centroid with the smallest squared Euclidean distance (ties go to the lowest centroid index)"
    from scipy.spatial.distance import cdist

    X = pixels.astype(np.float64)
    n = len(X)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(n, size=k, replace=False)]
    for _ in range(n_iter):
        D = cdist(X, C, "sqeuclidean")
        lab = np.argmin(D, axis=1)
        dist = D[np.arange(n), lab]
        newC = np.empty_like(C)
        used = set()
        for j in range(k):
            members = X[lab == j]
            if len(members):
                newC[j] = members.mean(axis=0)
        for j in range(k):
            if not np.any(lab == j):
                best, best_d = -1, -1.0
                for p in range(n):
                    if p not in used and dist[p] > best_d:
                        best, best_d = p, dist[p]
                used.add(best)
                newC[j] = X[best]
        C = newC
    lab = np.argmin(cdist(X, C, "sqeuclidean"), axis=1)
    return C.astype(np.float32), lab.astype(np.int64)


@alternative("torch float64 on the CPU (torch.cdist would round: explicit broadcasting), results back to numpy")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "pixels: np.ndarray (n, 3) float32 (RGB in [0, 1]). Work in float64 internally."
    import torch

    n = len(pixels)
    rng = np.random.default_rng(seed)
    init = rng.choice(n, size=k, replace=False)
    X = torch.from_numpy(np.asarray(pixels)).to(torch.float64)
    C = X[torch.from_numpy(np.asarray(init))].clone()
    ar = torch.arange(n)
    for _ in range(n_iter):
        D = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)
        lab = torch.from_numpy(D.numpy().argmin(axis=1))
        dist = D[ar, lab]
        cnt = torch.bincount(lab, minlength=k)
        sums = torch.zeros(k, 3, dtype=torch.float64).index_add_(0, lab, X)
        newC = C.clone()
        ok = cnt > 0
        newC[ok] = sums[ok] / cnt[ok, None].to(torch.float64)
        empties = torch.nonzero(~ok).flatten().tolist()
        if empties:
            order = np.lexsort((np.arange(n), -dist.numpy()))
            for j, p in zip(empties, order, strict=False):
                newC[j] = X[int(p)]
        C = newC
    D = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)
    return C.numpy().astype(np.float32), D.numpy().argmin(axis=1).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Exercise 3: colour_histograms
# ---------------------------------------------------------------------------------------------


@mutant("drops the last partial chunk (range(0, N - chunk + 1, chunk))")
def colour_histograms(images, centroids, chunk=500):
    # "returns (N, k) float32 whose rows sum to 1."
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N - chunk + 1, chunk):
        px = images[s:s + chunk].reshape(-1, 3) / 255
        d = (px ** 2).sum(1)[:, None] - 2 * px @ C.T + (C ** 2).sum(1)[None, :]
        lab = d.argmin(axis=1).reshape(-1, H * W)
        for i, row in enumerate(lab):
            out[s + i] = np.bincount(row, minlength=k) / (H * W)
    return out


@mutant("ties between centroids go to the HIGHEST index (<= in the running-minimum loop)")
def colour_histograms(images, centroids, chunk=500):
    # "nearest centroid by squared Euclidean distance, ties -> lowest index (as in kmeans)"
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        px = images[s:s + chunk].reshape(-1, 3) / 255
        best = np.full(len(px), np.inf)
        lab = np.zeros(len(px), dtype=np.int64)
        for j in range(k):
            d = ((px - C[j]) ** 2).sum(axis=1)
            closer = d <= best
            best[closer] = d[closer]
            lab[closer] = j
        lab = lab.reshape(-1, H * W)
        for i, row in enumerate(lab):
            out[s + i] = np.bincount(row, minlength=k) / (H * W)
    return out


@mutant("forgets / 255: compares 0-255 pixel values with centroids in [0, 1]")
def colour_histograms(images, centroids, chunk=500):
    # "use pixel values images / 255 (RGB in [0, 1])"
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        px = images[s:s + chunk].reshape(-1, 3).astype(np.float64)
        d = (px ** 2).sum(1)[:, None] - 2 * px @ C.T + (C ** 2).sum(1)[None, :]
        lab = d.argmin(axis=1).reshape(-1, H * W)
        for i, row in enumerate(lab):
            out[s + i] = np.bincount(row, minlength=k) / (H * W)
    return out


@mutant("integer division images // 255: every channel becomes 0 or 1")
def colour_histograms(images, centroids, chunk=500):
    # "use pixel values images / 255 (RGB in [0, 1])"
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        px = (images[s:s + chunk].reshape(-1, 3) // 255).astype(np.float64)
        d = (px ** 2).sum(1)[:, None] - 2 * px @ C.T + (C ** 2).sum(1)[None, :]
        lab = d.argmin(axis=1).reshape(-1, H * W)
        for i, row in enumerate(lab):
            out[s + i] = np.bincount(row, minlength=k) / (H * W)
    return out


@mutant("normalises by H * H (assumes square images)")
def colour_histograms(images, centroids, chunk=500):
    # "a_i is the fraction of its pixels whose nearest centroid is i" (images are (N, H, W, 3), not square in general)
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        px = images[s:s + chunk].reshape(-1, 3) / 255
        d = (px ** 2).sum(1)[:, None] - 2 * px @ C.T + (C ** 2).sum(1)[None, :]
        lab = d.argmin(axis=1).reshape(-1, H * W)
        for i, row in enumerate(lab):
            out[s + i] = np.bincount(row, minlength=k) / (H * H)
    return out


@mutant("returns raw pixel counts (rows do not sum to 1)")
def colour_histograms(images, centroids, chunk=500):
    # "An image's feature vector ... is its normalised histogram over the bins ... returns (N, k) float32 whose rows sum to 1."
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        px = images[s:s + chunk].reshape(-1, 3) / 255
        d = (px ** 2).sum(1)[:, None] - 2 * px @ C.T + (C ** 2).sum(1)[None, :]
        lab = d.argmin(axis=1).reshape(-1, H * W)
        for i, row in enumerate(lab):
            out[s + i] = np.bincount(row, minlength=k)
    return out


@mutant("no chunks: one (N*H*W, k, 3) broadcast over all images at once")
def colour_histograms(images, centroids, chunk=500):
    # "Memory is part of the contract: on 2,000 images of 32x32 pixels with 16 bins your function may allocate at most 256 MB"
    N, H, W, _ = images.shape
    k = len(centroids)
    px = images.reshape(-1, 3) / 255
    d = ((px[:, None, :] - centroids.astype(np.float64)[None, :, :]) ** 2).sum(axis=2)
    lab = d.argmin(axis=1).reshape(N, H * W)
    onehot = lab[:, :, None] == np.arange(k)[None, None, :]
    return onehot.mean(axis=1).astype(np.float32)


@mutant("returns float64 (counts / (H * W) left in float64)")
def colour_histograms(images, centroids, chunk=500):
    # "returns (N, k) float32 whose rows sum to 1."
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    out = np.zeros((N, k))
    for s in range(0, N, chunk):
        px = images[s:s + chunk].reshape(-1, 3) / 255
        d = (px ** 2).sum(1)[:, None] - 2 * px @ C.T + (C ** 2).sum(1)[None, :]
        lab = d.argmin(axis=1).reshape(-1, H * W)
        for i, row in enumerate(lab):
            out[s + i] = np.bincount(row, minlength=k) / (H * W)
    return out


@mutant("np.bincount without minlength: fails when the highest bins are unused")
def colour_histograms(images, centroids, chunk=500):
    # "returns (N, k) float32" with column i counting centroid i
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        px = images[s:s + chunk].reshape(-1, 3) / 255
        d = (px ** 2).sum(1)[:, None] - 2 * px @ C.T + (C ** 2).sum(1)[None, :]
        lab = d.argmin(axis=1).reshape(-1, H * W)
        for i, row in enumerate(lab):
            out[s + i] = np.bincount(row) / (H * W)
    return out


@alternative("expansion formula per chunk of PIXELS (not images), one global bincount over image*k + bin")
def colour_histograms(images, centroids, chunk=500):
    # "process the images in chunks (e.g. 500 at a time) so memory stays small, and count with np.bincount or a one-hot sum."
    N, H, W, _ = images.shape
    k = centroids.shape[0]
    P = H * W
    flat = images.reshape(-1, 3)
    C = centroids.astype(np.float64)
    c2 = (C ** 2).sum(axis=1)
    labels = np.empty(len(flat), dtype=np.int64)
    step = 100_000
    for s in range(0, len(flat), step):
        x = flat[s:s + step] / 255
        d = (x ** 2).sum(axis=1)[:, None] - 2 * x @ C.T + c2[None, :]
        labels[s:s + step] = np.argmin(d, axis=1)
    image_of = np.arange(len(flat)) // P
    counts = np.bincount(image_of * k + labels, minlength=N * k).reshape(N, k)
    return (counts / P).astype(np.float32)


@alternative("one-hot sum over a boolean (n, P, k) array per chunk of 50 images, then mean")
def colour_histograms(images, centroids, chunk=500):
    # "count with np.bincount or a one-hot sum"
    N, H, W, _ = images.shape
    k = len(centroids)
    C = centroids.astype(np.float64)
    step = min(chunk, 50)
    parts = []
    for s in range(0, N, step):
        px = images[s:s + step].astype(np.float64) / 255          # (n, H, W, 3)
        d = ((px[..., None, :] - C) ** 2).sum(axis=-1)           # (n, H, W, k)
        lab = d.reshape(len(px), H * W, k).argmin(axis=-1)        # (n, P)
        onehot = lab[..., None] == np.arange(k)
        parts.append(onehot.mean(axis=1))
    if not parts:
        return np.zeros((0, k), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32)


@alternative("float32 arithmetic (images.astype(float32) / 255) with scipy cdist, one bincount per image")
def colour_histograms(images, centroids, chunk=500):
    # "images: (N, H, W, 3) uint8; use pixel values images / 255 (RGB in [0, 1])" (the dtype of the arithmetic is not prescribed)
    from scipy.spatial.distance import cdist

    N, H, W, _ = images.shape
    k = len(centroids)
    out = np.empty((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        part = images[s:s + chunk]
        px = part.reshape(-1, 3).astype(np.float32) / np.float32(255)
        lab = cdist(px, centroids.astype(np.float32), "sqeuclidean").argmin(axis=1).reshape(len(part), -1)
        for i in range(len(part)):
            out[s + i] = np.bincount(lab[i], minlength=k) / lab.shape[1]
    return out


@alternative("per image loop with the (P, k) distance matrix and np.unique counts")
def colour_histograms(images, centroids, chunk=500):
    # "process the images in chunks (e.g. 500 at a time)" -- a chunk of one image is allowed
    N = images.shape[0]
    k = centroids.shape[0]
    C = np.asarray(centroids, dtype=np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for n in range(N):
        px = images[n].reshape(-1, 3) / 255.0
        d = ((px[:, None, :] - C[None]) ** 2).sum(-1)
        vals, cnt = np.unique(d.argmin(1), return_counts=True)
        out[n, vals] = cnt / px.shape[0]
    return out


@alternative("torch on the CPU in float64 with chunking, returned as numpy float32")
def colour_histograms(images, centroids, chunk=500):
    # "nearest centroid by squared Euclidean distance, ties -> lowest index (as in kmeans)"
    import torch

    N, H, W, _ = images.shape
    k = len(centroids)
    C = torch.from_numpy(np.asarray(centroids, dtype=np.float64))
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        part = torch.from_numpy(np.ascontiguousarray(images[s:s + chunk])).to(torch.float64) / 255
        px = part.reshape(-1, 3)
        d = ((px[:, None, :] - C[None]) ** 2).sum(-1)
        lab = torch.from_numpy(d.numpy().argmin(axis=1)).reshape(-1, H * W)
        oh = torch.nn.functional.one_hot(lab, k).to(torch.float64).mean(1)
        out[s:s + len(part)] = oh.numpy()
    return out


# ---------------------------------------------------------------------------------------------
# Exercise 4: bag_of_words
# ---------------------------------------------------------------------------------------------


@mutant("empty caption list returns shape (0,) (np.array of an empty list of rows)")
def bag_of_words(captions, vocabulary):
    # "returns (M, V) float32 counts (an empty list of captions gives shape (0, V))."
    col = {w: j for j, w in enumerate(vocabulary)}
    rows = []
    for c in captions:
        row = [0.0] * len(vocabulary)
        for t in tokenize(c):
            if t in col:
                row[col[t]] += 1
        rows.append(row)
    return np.array(rows, dtype=np.float32)


@mutant("binary presence (0/1) instead of counts")
def bag_of_words(captions, vocabulary):
    # "b = omega(L) counts how often each vocabulary word occurs in it"
    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, c in enumerate(captions):
        for t in set(tokenize(c)):
            if t in col:
                out[i, col[t]] = 1
    return out


@mutant("own tokenizer: lower().split(' ') + strip(punctuation): tabs and newlines are not separators")
def bag_of_words(captions, vocabulary):
    # "captions: list of M strings; tokenize each with the provided tokenize"
    import string

    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, c in enumerate(captions):
        for piece in c.lower().split(" "):
            t = piece.strip(string.punctuation)
            if t in col:
                out[i, col[t]] += 1
    return out


@mutant("own tokenizer with re.findall(r'[a-z]+'): splits 'hot-air' and "
        "\"isn't\" apart")
def bag_of_words(captions, vocabulary):
    # "captions: list of M strings; tokenize each with the provided tokenize"
    import re

    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, c in enumerate(captions):
        for t in re.findall(r"[a-z]+", c.lower()):
            if t in col:
                out[i, col[t]] += 1
    return out


@mutant("returns float64 counts")
def bag_of_words(captions, vocabulary):
    # "returns (M, V) float32 counts"
    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)))
    for i, c in enumerate(captions):
        for t in tokenize(c):
            if t in col:
                out[i, col[t]] += 1
    return out


@mutant("returns the transpose (V, M)")
def bag_of_words(captions, vocabulary):
    # "returns (M, V) float32 counts"; "column j counts vocabulary[j]"
    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(vocabulary), len(captions)), dtype=np.float32)
    for i, c in enumerate(captions):
        for t in tokenize(c):
            if t in col:
                out[col[t], i] += 1
    return out


@mutant("fancy-index += with repeated indices: a word repeated in a caption counts once")
def bag_of_words(captions, vocabulary):
    # "b = omega(L) counts how often each vocabulary word occurs in it"
    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, c in enumerate(captions):
        idx = [col[t] for t in tokenize(c) if t in col]
        out[i, idx] += 1
    return out


@mutant("lower-cases the vocabulary too, so a vocabulary word 'Red' counts the token 'red'")
def bag_of_words(captions, vocabulary):
    # "vocabulary: list of V distinct words; column j counts vocabulary[j]" (tokens equal to the word, nothing else)
    col = {w.lower(): j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, c in enumerate(captions):
        for t in tokenize(c):
            if t in col:
                out[i, col[t]] += 1
    return out


@alternative("collections.Counter per caption, filled through a dict of columns")
def bag_of_words(captions, vocabulary):
    # "Look words up in a dict (word -> column), not with list.index"
    from collections import Counter

    col = dict(zip(vocabulary, range(len(vocabulary)), strict=False))
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, c in enumerate(captions):
        for w, n in Counter(tokenize(c)).items():
            if w in col:
                out[i, col[w]] = n
    return out


@alternative("flat (row, col) index lists and one np.add.at; built via float64 then cast")
def bag_of_words(captions, vocabulary):
    # "tokens not in the vocabulary are ignored; returns (M, V) float32 counts"
    col = {w: j for j, w in enumerate(vocabulary)}
    rows, cols = [], []
    for i, c in enumerate(captions):
        for t in tokenize(c):
            j = col.get(t, -1)
            if j >= 0:
                rows.append(i)
                cols.append(j)
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float64)
    np.add.at(out, (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)), 1.0)
    return out.astype(np.float32)


@alternative("one np.bincount over row * V + column")
def bag_of_words(captions, vocabulary):
    # "count with ..." -- any counting method; "(an empty list of captions gives shape (0, V))"
    V = len(vocabulary)
    col = {w: j for j, w in enumerate(vocabulary)}
    flat = [i * V + col[t] for i, c in enumerate(captions) for t in tokenize(c) if t in col]
    counts = np.bincount(np.asarray(flat, dtype=np.int64), minlength=len(captions) * V)
    return counts.reshape(len(captions), V).astype(np.float32)


@alternative("scipy.sparse COO matrix summed into a dense array")
def bag_of_words(captions, vocabulary):
    # "returns (M, V) float32 counts" (how the counts are accumulated is free)
    from scipy.sparse import coo_matrix

    col = {w: j for j, w in enumerate(vocabulary)}
    pairs = [(i, col[t]) for i, c in enumerate(captions) for t in tokenize(c) if t in col]
    r = np.array([p[0] for p in pairs], dtype=np.int64)
    c = np.array([p[1] for p in pairs], dtype=np.int64)
    m = coo_matrix((np.ones(len(pairs), dtype=np.float32), (r, c)), shape=(len(captions), len(vocabulary)))
    return np.asarray(m.toarray(), dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# Exercise 5: cooccurrence_theta
# ---------------------------------------------------------------------------------------------


@mutant("plain division: NaN where #i + #j = 0")
def cooccurrence_theta(A, B):
    # "theta_ij = #(i,j) / (#i + #j), and theta_ij = 0 where #i + #j = 0."
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = (A.T @ B) / (A.sum(0)[:, None] + B.sum(0)[None, :])
    return theta.astype(np.float32)


@mutant("adds eps = 1e-6 to the denominator instead of the exact zero rule")
def cooccurrence_theta(A, B):
    # "theta_ij = #(i,j) / (#i + #j), and theta_ij = 0 where #i + #j = 0."
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    theta = (A.T @ B) / (A.sum(0)[:, None] + B.sum(0)[None, :] + 1e-6)
    return theta.astype(np.float32)


@mutant("IoU/Jaccard denominator #i + #j - #(i,j)")
def cooccurrence_theta(A, B):
    # "theta_ij = #(i,j) / (#i + #j)"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    num = A.T @ B
    den = A.sum(0)[:, None] + B.sum(0)[None, :] - num
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0).astype(np.float32)


@mutant("#j counts the captions that contain word j ((B > 0).sum), not the word's total count")
def cooccurrence_theta(A, B):
    # "#i = sum_p a_i^(p) and #j = sum_p b_j^(p)"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    num = A.T @ B
    den = A.sum(0)[:, None] + (B > 0).sum(0)[None, :]
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0).astype(np.float32)


@mutant("#i and #j as means over the P pairs instead of sums")
def cooccurrence_theta(A, B):
    # "#i = sum_p a_i^(p) and #j = sum_p b_j^(p)"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    num = A.T @ B
    den = A.mean(0)[:, None] + B.mean(0)[None, :]
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0).astype(np.float32)


@mutant("returns the (V, k) transpose")
def cooccurrence_theta(A, B):
    # "cooccurrence_theta(A, B): A (P, k), B (P, V) (any real dtype) -> (k, V) float32."
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    num = B.T @ A
    den = B.sum(0)[:, None] + A.sum(0)[None, :]
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0).astype(np.float32)


@mutant("no cast: returns float64 (or the inputs' float dtype)")
def cooccurrence_theta(A, B):
    # "(any real dtype) -> (k, V) float32"
    num = A.T @ B
    den = A.sum(0)[:, None] + B.sum(0)[None, :]
    return np.divide(num, den, out=np.zeros(num.shape), where=den != 0)


@mutant("denominator #i only (the conditional #(i,j) / #i), zero where #i = 0")
def cooccurrence_theta(A, B):
    # "theta_ij = #(i,j) / (#i + #j)"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    num = A.T @ B
    den = np.repeat(A.sum(0)[:, None], B.shape[1], axis=1)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0).astype(np.float32)


@mutant("float16 intermediates (to save memory) lose precision")
def cooccurrence_theta(A, B):
    # "theta_ij = #(i,j) / (#i + #j)" computed faithfully for any real input
    A = np.asarray(A, dtype=np.float16)
    B = np.asarray(B, dtype=np.float16)
    num = A.T @ B
    den = A.sum(0)[:, None] + B.sum(0)[None, :]
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0).astype(np.float32)


@alternative("float32 throughout, np.where on a safe denominator")
def cooccurrence_theta(A, B):
    # "A (P, k), B (P, V) (any real dtype) -> (k, V) float32. No loops."
    A = np.asarray(A, dtype=np.float32)
    B = np.asarray(B, dtype=np.float32)
    num = A.T @ B
    den = A.sum(axis=0)[:, None] + B.sum(axis=0)[None, :]
    zero = den == 0
    return np.where(zero, np.float32(0), num / np.where(zero, np.float32(1), den)).astype(np.float32)


@alternative("einsum for #(i,j) and np.add.outer for the denominator, errstate + nan_to_num")
def cooccurrence_theta(A, B):
    # "theta_ij = 0 where #i + #j = 0."
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    num = np.einsum("pi,pj->ij", A, B)
    den = np.add.outer(A.sum(axis=0), B.sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = num / den
    theta[den == 0] = 0.0
    return theta.astype(np.float32)


@alternative("torch float64 matrix product, result as numpy float32")
def cooccurrence_theta(A, B):
    # "(any real dtype) -> (k, V) float32. No loops."
    import torch

    a = torch.as_tensor(np.asarray(A, dtype=np.float64))
    b = torch.as_tensor(np.asarray(B, dtype=np.float64))
    num = a.T @ b
    den = a.sum(0)[:, None] + b.sum(0)[None, :]
    theta = torch.where(den == 0, torch.zeros_like(num), num / torch.where(den == 0, torch.ones_like(den), den))
    return theta.numpy().astype(np.float32)


@alternative("numpy masked arrays, filled with 0")
def cooccurrence_theta(A, B):
    # "theta_ij = #(i,j) / (#i + #j), and theta_ij = 0 where #i + #j = 0."
    A = A.astype(float)
    B = B.astype(float)
    den = np.ma.masked_equal(A.sum(0)[:, None] + B.sum(0)[None, :], 0.0)
    return np.ma.filled((A.T @ B) / den, 0.0).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Exercise 6: score_matrix
# ---------------------------------------------------------------------------------------------


@alternative("blind mutant 'multiplies in the expensive order A (theta B^T)': that order is the cheaper one here (the old text had the two reversed) and the order is free by the text")
def score_matrix(A, theta, B):
    # "multiply in the cheap order (A theta is only N x V)."
    A = A.astype(np.float32)
    theta = theta.astype(np.float32)
    B = B.astype(np.float32)
    return A @ (theta @ B.T)


@mutant("returns the (M, N) transpose B theta^T A^T")
def score_matrix(A, theta, B):
    # "score_matrix(A, theta, B): A (N, k), theta (k, V), B (M, V) -> (N, M) float32."
    A = A.astype(np.float32)
    theta = theta.astype(np.float32)
    B = B.astype(np.float32)
    return B @ (A @ theta).T


@mutant("no cast: float64 inputs give a float64 result")
def score_matrix(A, theta, B):
    # "Cast every input to float32 first"; "-> (N, M) float32"
    return A @ theta @ B.T


@mutant("casts only the result: integer inputs are multiplied as integers (uint8 products wrap around)")
def score_matrix(A, theta, B):
    # "Cast every input to float32 first"
    return ((A @ theta) @ B.T).astype(np.float32)


@mutant("casts to float16 'to be fast'")
def score_matrix(A, theta, B):
    # "Cast every input to float32 first"
    A = A.astype(np.float16)
    theta = theta.astype(np.float16)
    B = B.astype(np.float16)
    return ((A @ theta) @ B.T).astype(np.float32)


@mutant("L2-normalises the rows of A and B first (cosine-style)")
def score_matrix(A, theta, B):
    # "S = A theta B^T, S_nm = sum_ij A_ni theta_ij B_mj."
    A = A.astype(np.float32)
    theta = theta.astype(np.float32)
    B = B.astype(np.float32)
    A = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
    B = B / np.maximum(np.linalg.norm(B, axis=1, keepdims=True), 1e-12)
    return (A @ theta) @ B.T


@alternative("np.linalg.multi_dot (picks the cheap order itself)")
def score_matrix(A, theta, B):
    # "multiply in the cheap order (A theta is only N x V)."
    return np.linalg.multi_dot([A.astype(np.float32), theta.astype(np.float32), B.astype(np.float32).T])


@alternative("computes S^T = B (A theta)^T in float32 and returns its transpose view (Fortran-ordered)")
def score_matrix(A, theta, B):
    # "-> (N, M) float32" (memory layout not prescribed)
    At = A.astype(np.float32) @ theta.astype(np.float32)
    return (B.astype(np.float32) @ At.T).T


@alternative("np.dot with a preallocated float32 output")
def score_matrix(A, theta, B):
    # "Cast every input to float32 first, and multiply in the cheap order"
    A32 = np.asarray(A, dtype=np.float32)
    T32 = np.asarray(theta, dtype=np.float32)
    B32 = np.asarray(B, dtype=np.float32)
    left = np.dot(A32, T32)
    out = np.empty((A32.shape[0], B32.shape[0]), dtype=np.float32)
    np.dot(left, np.ascontiguousarray(B32.T), out=out)
    return out


@alternative("torch float32 matmul on the CPU, back to numpy")
def score_matrix(A, theta, B):
    # "(N, M) float32" as an np.ndarray; the library doing the product is not prescribed
    import torch

    a = torch.from_numpy(np.ascontiguousarray(A, dtype=np.float32))
    t = torch.from_numpy(np.ascontiguousarray(theta, dtype=np.float32))
    b = torch.from_numpy(np.ascontiguousarray(B, dtype=np.float32))
    return ((a @ t) @ b.T).numpy()


# ---- round 2 (a second blind author, after the first round's fixes) ----


# ----------------------------------------------------------------------------------------------
# Exercise 1 - rule_scores
# ----------------------------------------------------------------------------------------------


@mutant("strict inequalities r > 120, r > 3g, r > 3b")
def rule_scores(images, captions):
    # "A pixel (r, g, b) ... is red when r >= 120, r >= 3g and r >= 3b."
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = ((r > 120) & (r > 3 * g) & (r > 3 * b)).reshape(len(images), -1).any(axis=1)
    says = np.array(["red" in tokenize(c) for c in captions], dtype=bool)
    return np.outer(red, says).astype(np.float32)


@mutant("only r is widened: 3 * g and 3 * b are still uint8 products and wrap around")
def rule_scores(images, captions):
    # "uint8 arithmetic wraps around: np.uint8(100) * 3 == 44. Convert to a wider integer type ... before multiplying."
    r = images[..., 0].astype(np.int32)
    g, b = images[..., 1], images[..., 2]
    red = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).reshape(len(images), -1).any(axis=1)
    says = np.array(["red" in tokenize(c) for c in captions], dtype=bool)
    return np.outer(red, says).astype(np.float32)


@mutant("the r >= 3b condition forgotten (purple / magenta pixels count as red)")
def rule_scores(images, captions):
    # "red when r >= 120, r >= 3g and r >= 3b"
    x = images.astype(np.int32)
    r, g = x[..., 0], x[..., 1]
    red = ((r >= 120) & (r >= 3 * g)).reshape(len(images), -1).any(axis=1)
    says = np.array(["red" in tokenize(c) for c in captions], dtype=bool)
    return np.outer(red, says).astype(np.float32)


@mutant("the r >= 120 condition forgotten (dark reds such as (90, 20, 20) count)")
def rule_scores(images, captions):
    # "red when r >= 120, r >= 3g and r >= 3b"
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = ((r >= 3 * g) & (r >= 3 * b) & (r > 0)).reshape(len(images), -1).any(axis=1)
    says = np.array(["red" in tokenize(c) for c in captions], dtype=bool)
    return np.outer(red, says).astype(np.float32)


@mutant("an image counts as red only when more than 1 % of its pixels are red")
def rule_scores(images, captions):
    # "F(I, L) = 1 if #red pixels(I) > 0 and #"red"(L) > 0"
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = (r >= 120) & (r >= 3 * g) & (r >= 3 * b)
    share = red.reshape(len(images), -1).mean(axis=1)
    says = np.array(["red" in tokenize(c) for c in captions], dtype=bool)
    return np.outer(share > 0.01, says).astype(np.float32)


@mutant("the word found with the regex \\bred\\b, which also matches inside 'red-eyed'")
def rule_scores(images, captions):
    # '#"red"(L) is the number of tokens of tokenize(L) equal to "red" ... "reddish" and "red-eyed" are other words'
    import re
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).reshape(len(images), -1).any(axis=1)
    says = np.array([re.search(r"\bred\b", c.lower()) is not None for c in captions], dtype=bool)
    return np.outer(red, says).astype(np.float32)


@mutant("own tokenizer: lowercase, strip only '.' and ',' ('(red)' and 'red!' are missed)")
def rule_scores(images, captions):
    # '(the provided tokenizer lowercases and strips punctuation at word edges, so "Red." and "(red)" count'
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).reshape(len(images), -1).any(axis=1)
    says = np.array([c.lower().replace(".", " ").replace(",", " ").split().count("red") > 0 for c in captions])
    return np.outer(red, says).astype(np.float32)


@mutant("substring test 'red' in caption.lower() ('reddish', 'bored' count)")
def rule_scores(images, captions):
    # '"reddish" and "red-eyed" are other words'
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).reshape(len(images), -1).any(axis=1)
    says = np.array(["red" in c.lower() for c in captions], dtype=bool)
    return np.outer(red, says).astype(np.float32)


@mutant("returns the (M, N) matrix: captions as rows")
def rule_scores(images, captions):
    # "returns a np.ndarray of shape (N, M)"
    x = images.astype(np.int32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).reshape(len(images), -1).any(axis=1)
    says = np.array(["red" in tokenize(c) for c in captions], dtype=bool)
    return np.outer(says, red).astype(np.float32)


@alternative("float division r / 3 >= g on the uint8 values (no integer product at all)")
def rule_scores(images, captions):
    # "Convert to a wider integer type (e.g. ...)" - r / 3 >= g is the same test without multiplying uint8
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    red = (r >= 120) & (r / 3 >= g) & (r / 3 >= b)
    has_red = red.any(axis=(1, 2))
    counts = np.array([tokenize(c).count("red") for c in captions])
    return ((has_red[:, None].astype(np.float32) * (counts[None, :] > 0)) > 0).astype(np.float32)


@alternative("int16 widening, logical_and.reduce, per-image counts with count_nonzero, Counter for the words")
def rule_scores(images, captions):
    # "Count the red pixels of all images at once (no Python loop over pixels)"
    from collections import Counter
    x = images.astype(np.int16)
    red = np.logical_and.reduce([x[..., 0] >= 120, x[..., 0] >= 3 * x[..., 1], x[..., 0] >= 3 * x[..., 2]])
    n_red = np.count_nonzero(red.reshape(red.shape[0], -1), axis=1)
    n_word = np.array([Counter(tokenize(c))["red"] for c in captions], dtype=np.int64)
    out = np.zeros((len(images), len(captions)), dtype=np.float32)
    out[np.ix_(n_red > 0, n_word > 0)] = 1.0
    return out


@alternative("float32 pixel arithmetic and np.einsum of the two indicator vectors")
def rule_scores(images, captions):
    # "returns a np.ndarray of shape (N, M), dtype float32, with entries 0.0 or 1.0"
    x = images.astype(np.float32)
    red = (x[..., 0] >= 120) & (x[..., 0] >= 3 * x[..., 1]) & (x[..., 0] >= 3 * x[..., 2])
    a = red.reshape(len(images), -1).max(axis=1, initial=False).astype(np.float32)
    b = np.array([float(any(t == "red" for t in tokenize(c))) for c in captions], dtype=np.float32).reshape(-1)
    return np.einsum("n,m->nm", a, b).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Exercise 2 - kmeans
# ----------------------------------------------------------------------------------------------


@mutant("initial centroids from rng.permutation(n)[:k] instead of rng.choice(n, size=k, replace=False)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the initial centroids are pixels[rng.choice(n, size=k, replace=False)]"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.permutation(n)[:k]].copy()
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        lab = d.argmin(1)
        dist = d[np.arange(n), lab]
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        for e, p in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable")):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    return c.astype(np.float32), lab.astype(np.int64)


@mutant("initialisation with rng.choice(n, size=k) - replace=False forgotten")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the initial centroids are pixels[rng.choice(n, size=k, replace=False)]"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k)].copy()
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        lab = d.argmin(1)
        dist = d[np.arange(n), lab]
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        for e, p in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable")):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    return c.astype(np.float32), lab.astype(np.int64)


@mutant("empty clusters: ties between equally badly served pixels go to the HIGHEST pixel index (argsort(dist)[::-1])")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the pixel with the largest distance to its assigned centroid (...; ties -> lowest pixel index)"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        lab = d.argmin(1)
        dist = d[np.arange(n), lab]
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        worst_first = np.argsort(dist, kind="stable")[::-1]
        for e, p in zip(np.flatnonzero(counts == 0), worst_first):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    return c.astype(np.float32), lab.astype(np.int64)


@mutant("empty cluster takes the pixel farthest from ITSELF (not the worst-served pixel)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "a centroid that received no pixel is moved onto the pixel that is currently worst served - the
    #  pixel with the largest distance to its assigned centroid"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        lab = d.argmin(1)
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        taken = []
        for e in np.flatnonzero(counts == 0):
            far = d[:, e].copy()
            far[taken] = -1.0
            p = int(np.argmax(far))
            taken.append(p)
            new[e] = x[p]
        c = new
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    return c.astype(np.float32), lab.astype(np.int64)


@mutant("worst-served distances measured AFTER the update (to the moved centroids)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "(squared or not: the order is the same; measured before the update; ties -> lowest pixel index)"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        dist = ((x - new[lab]) ** 2).sum(1)
        for e, p in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable")):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    return c.astype(np.float32), lab.astype(np.int64)


@mutant("every empty cluster gets the single worst pixel (the same pixel twice)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the next one the second worst - and never give the same pixel to two empty clusters"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        lab = d.argmin(1)
        dist = d[np.arange(n), lab]
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        for e in np.flatnonzero(counts == 0):
            new[e] = x[int(np.argmax(dist))]
        c = new
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    return c.astype(np.float32), lab.astype(np.int64)


@mutant("returns the labels of the last assignment step, not re-assigned to the final centroids")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "labels (n,) int64, the assignment of every pixel to the final centroids"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k, replace=False)].copy()
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        lab = d.argmin(1)
        dist = d[np.arange(n), lab]
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        for e, p in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable")):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    return c.astype(np.float32), lab.astype(np.int64)


@mutant("assignment ties go to the highest centroid index")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "assign every pixel to the centroid with the smallest squared Euclidean distance (ties go to the lowest centroid index"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k, replace=False)].copy()

    def nearest(c):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        return k - 1 - d[:, ::-1].argmin(1), d

    for _ in range(n_iter):
        lab, d = nearest(c)
        dist = d[np.arange(n), lab]
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        for e, p in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable")):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    return c.astype(np.float32), nearest(c)[0].astype(np.int64)


@mutant("the legacy global generator: np.random.seed(seed); np.random.choice(n, k, replace=False)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Initialisation: rng = np.random.default_rng(seed); the initial centroids are pixels[rng.choice(n, size=k, replace=False)]"
    x = pixels.astype(np.float64)
    n = len(x)
    np.random.seed(seed)
    c = x[np.random.choice(n, k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        lab = d.argmin(1)
        dist = d[np.arange(n), lab]
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        for e, p in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable")):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    return c.astype(np.float32), lab.astype(np.int64)


@mutant("labels returned as int32 (argmin cast to np.int32)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Return (centroids, labels): centroids (k, 3) float32 and labels (n,) int64"
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        lab = d.argmin(1)
        dist = d[np.arange(n), lab]
        new = c.copy()
        counts = np.bincount(lab, minlength=k)
        for j in np.flatnonzero(counts):
            new[j] = x[lab == j].mean(0)
        for e, p in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable")):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    return c.astype(np.float32), lab.astype(np.int32)


@alternative("expansion formula |x|^2 - 2x.c + |c|^2, np.add.at sums for the means, lexsort for the worst pixels")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "the distances from all pixels to all centroids are one (n, k) array (|x - c|^2 = |x|^2 - 2x.c + |c|^2, or broadcasting)"
    x = np.asarray(pixels, dtype=np.float64)
    n = x.shape[0]
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(n, size=k, replace=False)]
    xx = np.einsum("ij,ij->i", x, x)

    def distances(c):
        return xx[:, None] - 2.0 * x @ c.T + np.einsum("ij,ij->i", c, c)[None, :]

    for _ in range(n_iter):
        d = distances(centroids)
        labels = np.argmin(d, axis=1)
        worst = d[np.arange(n), labels]
        sums = np.zeros((k, 3))
        np.add.at(sums, labels, x)
        counts = np.bincount(labels, minlength=k)
        updated = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centroids)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            ranking = np.lexsort((np.arange(n), -worst))        # largest distance first, then lowest index
            updated[empty] = x[ranking[:empty.size]]
        centroids = updated
    labels = np.argmin(distances(centroids), axis=1)
    return centroids.astype(np.float32), labels.astype(np.int64)


@alternative("all arithmetic in float32 (the text: float32 passes the checks), init by rng.choice on the rows")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Computing in float64 is the safer choice ... The checks' inputs have no near-ties, so float32 arithmetic passes them too (measured)."
    x = np.asarray(pixels, dtype=np.float32)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = rng.choice(x, size=k, replace=False).astype(np.float32)   # the same draw as rng.choice(n, ...) on the rows
    for _ in range(n_iter):
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        lab = d.argmin(axis=1)
        dist = d[np.arange(n), lab]
        new = c.copy()
        for j in range(k):
            members = x[lab == j]
            if len(members):
                new[j] = members.mean(axis=0)
        empty = [j for j in range(k) if not np.any(lab == j)]
        worst = sorted(range(n), key=lambda p: (-dist[p], p))
        for e, p in zip(empty, worst):  # noqa: B905 (the blind author's code, kept as written)
            new[e] = x[p]
        c = new
    lab = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    return c.astype(np.float32), lab.astype(np.int64)


@alternative("stops early once the centroids are an exact fixed point (later iterations would change nothing)")
def kmeans(pixels, k, n_iter=25, seed=0):
    # "Repeat n_iter times" - once an update leaves every centroid exactly where it was, the remaining
    #  iterations repeat the same assignment and the same update
    x = pixels.astype(np.float64)
    n = len(x)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(n, size=k, replace=False)].copy()
    for _ in range(n_iter):
        d = np.stack([((x - c[j]) ** 2).sum(axis=1) for j in range(k)], axis=1)
        lab = d.argmin(axis=1)
        dist = np.take_along_axis(d, lab[:, None], axis=1)[:, 0]
        counts = np.bincount(lab, minlength=k)
        new = c.copy()
        nonempty = counts > 0
        new[nonempty] = (np.eye(k)[lab].T @ x)[nonempty] / counts[nonempty, None]
        empty = np.flatnonzero(~nonempty)
        order = np.argsort(-dist, kind="stable")
        new[empty] = x[order[:len(empty)]]
        if np.array_equal(new, c):
            break
        c = new
    lab = np.stack([((x - c[j]) ** 2).sum(axis=1) for j in range(k)], axis=1).argmin(axis=1)
    return c.astype(np.float32), lab.astype(np.int64)


# ----------------------------------------------------------------------------------------------
# Exercise 3 - colour_histograms
# ----------------------------------------------------------------------------------------------


@mutant("pixel values not divided by 255 (0-255 pixels against [0, 1] centroids)")
def colour_histograms(images, centroids, chunk=200):
    # "use pixel values images / 255 (RGB in [0, 1])"
    N, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        block = images[s:s + chunk].astype(np.float64)
        n, H, W, _ = block.shape
        x = block.reshape(-1, 3)
        lab = ((x ** 2).sum(1)[:, None] - 2 * x @ c.T + (c ** 2).sum(1)[None]).argmin(1).reshape(n, H * W)
        for i in range(n):
            out[s + i] = np.bincount(lab[i], minlength=k) / (H * W)
    return out


@mutant("pixel values divided by 256 instead of 255")
def colour_histograms(images, centroids, chunk=200):
    # "use pixel values images / 255 (RGB in [0, 1])"
    N, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        block = images[s:s + chunk].astype(np.float64) / 256
        n, H, W, _ = block.shape
        x = block.reshape(-1, 3)
        lab = ((x ** 2).sum(1)[:, None] - 2 * x @ c.T + (c ** 2).sum(1)[None]).argmin(1).reshape(n, H * W)
        for i in range(n):
            out[s + i] = np.bincount(lab[i], minlength=k) / (H * W)
    return out


@mutant("one histogram per chunk: all images of a chunk get the chunk's pooled histogram")
def colour_histograms(images, centroids, chunk=200):
    # "a_i is the fraction of its pixels whose nearest centroid is i"; "the result must not depend on it [chunk]"
    N, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        block = images[s:s + chunk].astype(np.float64) / 255
        x = block.reshape(-1, 3)
        lab = ((x ** 2).sum(1)[:, None] - 2 * x @ c.T + (c ** 2).sum(1)[None]).argmin(1)
        out[s:s + chunk] = np.bincount(lab, minlength=k) / len(lab)
    return out


@mutant("nearest centroid by the L1 (city-block) distance")
def colour_histograms(images, centroids, chunk=200):
    # "nearest centroid by squared Euclidean distance"
    N, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        block = images[s:s + chunk].astype(np.float64) / 255
        n, H, W, _ = block.shape
        x = block.reshape(-1, 3)
        d = np.zeros((len(x), k))
        for ch in range(3):
            d += np.abs(x[:, ch, None] - c[None, :, ch])
        lab = d.argmin(1).reshape(n, H * W)
        for i in range(n):
            out[s + i] = np.bincount(lab[i], minlength=k) / (H * W)
    return out


@mutant("distance ties go to the highest centroid index")
def colour_histograms(images, centroids, chunk=200):
    # "nearest centroid by squared Euclidean distance, ties -> lowest index (as in kmeans)"
    N, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        block = images[s:s + chunk].astype(np.float64) / 255
        n, H, W, _ = block.shape
        x = block.reshape(-1, 3)
        d = np.zeros((len(x), k))
        for ch in range(3):
            d += (x[:, ch, None] - c[None, :, ch]) ** 2
        lab = (k - 1 - d[:, ::-1].argmin(1)).reshape(n, H * W)
        for i in range(n):
            out[s + i] = np.bincount(lab[i], minlength=k) / (H * W)
    return out


@mutant("divides by H * H (assumes square images)")
def colour_histograms(images, centroids, chunk=200):
    # "a_i is the fraction of its pixels"; "returns (N, k) float32 whose rows sum to 1"
    N, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((N, k), dtype=np.float32)
    for s in range(0, N, chunk):
        block = images[s:s + chunk].astype(np.float64) / 255
        n, H, W, _ = block.shape
        x = block.reshape(-1, 3)
        lab = ((x ** 2).sum(1)[:, None] - 2 * x @ c.T + (c ** 2).sum(1)[None]).argmin(1).reshape(n, H * W)
        for i in range(n):
            out[s + i] = np.bincount(lab[i], minlength=k) / (H * H)
    return out


@mutant("no chunks: the (n, k, 3) broadcast over all pixels at once (peak memory above 256 MB)")
def colour_histograms(images, centroids, chunk=200):
    # "Memory is part of the contract: on 2,000 images of 32x32 pixels with 16 bins your function may allocate at most 256 MB"
    N, H, W, _ = images.shape
    k = len(centroids)
    x = images.reshape(-1, 3) / 255
    lab = ((x[:, None, :] - centroids[None].astype(np.float64)) ** 2).sum(-1).argmin(1)
    counts = np.bincount(np.repeat(np.arange(N), H * W) * k + lab, minlength=N * k).reshape(N, k)
    return (counts / (H * W)).astype(np.float32)


@mutant("returns float64 (no cast)")
def colour_histograms(images, centroids, chunk=200):
    # "returns (N, k) float32 whose rows sum to 1"
    N, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((N, k))
    for s in range(0, N, chunk):
        block = images[s:s + chunk].astype(np.float64) / 255
        n, H, W, _ = block.shape
        x = block.reshape(-1, 3)
        lab = ((x ** 2).sum(1)[:, None] - 2 * x @ c.T + (c ** 2).sum(1)[None]).argmin(1).reshape(n, H * W)
        for i in range(n):
            out[s + i] = np.bincount(lab[i], minlength=k) / (H * W)
    return out


@alternative("one-hot sum per chunk with squared differences accumulated one channel at a time, float32 distances")
def colour_histograms(images, centroids, chunk=200):
    # "float32 or float64 distances both do"; "count with np.bincount or a one-hot sum"; "(the squared differences summed one channel at a time)"
    N, H, W, _ = images.shape
    k = centroids.shape[0]
    c = centroids.astype(np.float32)
    parts = []
    for start in range(0, N, chunk):
        x = images[start:start + chunk].reshape(-1, H * W, 3).astype(np.float32) / np.float32(255)
        d = np.zeros(x.shape[:2] + (k,), dtype=np.float32)
        for ch in range(3):
            d += (x[..., ch, None] - c[:, ch]) ** 2
        nearest = d.argmin(axis=-1)                                   # (n, H*W)
        onehot = nearest[..., None] == np.arange(k)                   # (n, H*W, k) bool
        parts.append(onehot.sum(axis=1) / (H * W))
    if not parts:
        return np.zeros((0, k), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32)


@alternative("np.bincount image by image, rows divided by their own pixel count")
def colour_histograms(images, centroids, chunk=200):
    # "process the images in chunks so memory stays small, and count with np.bincount"
    N = images.shape[0]
    k = len(centroids)
    c = np.asarray(centroids, dtype=np.float64)
    c_sq = np.sum(c * c, axis=1)
    hist = np.empty((N, k), dtype=np.float32)
    for lo in range(0, N, chunk):
        hi = min(lo + chunk, N)
        x = images[lo:hi].reshape(hi - lo, -1, 3) / 255.0                      # float64
        d = np.einsum("npc,npc->np", x, x)[..., None] - 2.0 * (x @ c.T) + c_sq
        labels = d.argmin(axis=2)
        for i, row in enumerate(labels):
            counts = np.bincount(row, minlength=k)
            hist[lo + i] = counts / counts.sum()
    return hist


@alternative("chunk counted in pixels, np.add.at into the histogram, scipy-free")
def colour_histograms(images, centroids, chunk=200):
    # "chunk: how many images to process at a time; the result must not depend on it"
    N, H, W, _ = images.shape
    k = len(centroids)
    flat = images.reshape(N * H * W, 3)
    owner = np.repeat(np.arange(N), H * W)
    counts = np.zeros((N, k), dtype=np.int64)
    step = max(1, chunk) * H * W
    c = centroids.astype(np.float64)
    for lo in range(0, len(flat), step):
        x = flat[lo:lo + step].astype(np.float64) / 255
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        np.add.at(counts, (owner[lo:lo + step], d.argmin(axis=1)), 1)
    return (counts / max(H * W, 1)).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Exercise 4 - bag_of_words
# ----------------------------------------------------------------------------------------------


@mutant("vocabulary words lowercased before the lookup (a capitalised vocabulary word now counts)")
def bag_of_words(captions, vocabulary):
    # "(an exact match: tokens are lowercase, so a vocabulary word with a capital letter counts nothing)"
    col = {}
    for j, w in enumerate(vocabulary):
        col.setdefault(w.lower(), []).append(j)
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for m, caption in enumerate(captions):
        for t in tokenize(caption):
            for j in col.get(t, []):
                out[m, j] += 1
    return out


@mutant("np.array of the rows: an empty list of captions gives shape (0,), not (0, V)")
def bag_of_words(captions, vocabulary):
    # "returns (M, V) float32 counts (an empty list of captions gives shape (0, V))"
    col = {w: j for j, w in enumerate(vocabulary)}
    rows = []
    for caption in captions:
        row = [0.0] * len(vocabulary)
        for t in tokenize(caption):
            if t in col:
                row[col[t]] += 1
        rows.append(row)
    return np.array(rows, dtype=np.float32)


@mutant("own tokenizer splitting on single spaces (tabs and newlines do not separate words)")
def bag_of_words(captions, vocabulary):
    # "tokenize each with the provided tokenize (any whitespace - spaces, tabs, newlines - separates words)"
    import string
    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for m, caption in enumerate(captions):
        for piece in caption.lower().split(" "):
            t = piece.strip(string.punctuation)
            if t in col:
                out[m, col[t]] += 1
    return out


@mutant("presence (0/1) instead of counts: set(tokenize(caption))")
def bag_of_words(captions, vocabulary):
    # "counts how often each vocabulary word occurs in it"
    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for m, caption in enumerate(captions):
        for t in set(tokenize(caption)):
            if t in col:
                out[m, col[t]] = 1
    return out


@mutant("words found with re.findall(r'\\w+') ('hot-air' and \"isn't\" are split)")
def bag_of_words(captions, vocabulary):
    # "tokenize each with the provided tokenize"
    import re
    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for m, caption in enumerate(captions):
        for t in re.findall(r"\w+", caption.lower()):
            if t in col:
                out[m, col[t]] += 1
    return out


@mutant("looks words up with vocabulary.index (O(V) per token)")
def bag_of_words(captions, vocabulary):
    # "Look words up in a dict (word -> column), not with list.index (that is O(V) per token)."
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for m, caption in enumerate(captions):
        for t in tokenize(caption):
            if t in vocabulary:
                out[m, vocabulary.index(t)] += 1
    return out


@mutant("returns float64 counts")
def bag_of_words(captions, vocabulary):
    # "returns (M, V) float32 counts"
    col = {w: j for j, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)))
    for m, caption in enumerate(captions):
        for t in tokenize(caption):
            if t in col:
                out[m, col[t]] += 1
    return out


@alternative("collections.Counter per caption, filled through the dict")
def bag_of_words(captions, vocabulary):
    # "Look words up in a dict (word -> column)"
    from collections import Counter
    index = dict(zip(vocabulary, range(len(vocabulary))))  # noqa: B905 (the blind author's code, kept as written)
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for m, caption in enumerate(captions):
        for word, n in Counter(tokenize(caption)).items():
            if word in index:
                out[m, index[word]] = n
    return out


@alternative("flat (row, column) index lists and one np.bincount with minlength M*V")
def bag_of_words(captions, vocabulary):
    # "returns (M, V) float32 counts (an empty list of captions gives shape (0, V))"
    col = {w: j for j, w in enumerate(vocabulary)}
    M, V = len(captions), len(vocabulary)
    flat = [m * V + col[t] for m, c in enumerate(captions) for t in tokenize(c) if t in col]
    counts = np.bincount(np.asarray(flat, dtype=np.int64), minlength=M * V)
    return counts.reshape(M, V).astype(np.float32)


@alternative("np.add.at on a zero matrix with the index arrays")
def bag_of_words(captions, vocabulary):
    # "tokens not in the vocabulary are ignored"
    lookup = {word: j for j, word in enumerate(vocabulary)}
    rows, cols = [], []
    for m, caption in enumerate(captions):
        for token in tokenize(caption):
            j = lookup.get(token, -1)
            if j >= 0:
                rows.append(m)
                cols.append(j)
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    np.add.at(out, (np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)), 1.0)
    return out


# ----------------------------------------------------------------------------------------------
# Exercise 5 - cooccurrence_theta
# ----------------------------------------------------------------------------------------------


@mutant("a small epsilon 1e-8 added to the denominator")
def cooccurrence_theta(A, B):
    # "exactly the formula everywhere else - no small epsilon added to the denominator: features may be
    #  of any scale (the checks include tiny ones)"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    return ((A.T @ B) / (A.sum(0)[:, None] + B.sum(0)[None, :] + 1e-8)).astype(np.float32)


@mutant("denominators below 1e-9 treated as zero (theta set to 0 there)")
def cooccurrence_theta(A, B):
    # "theta_ij = 0 where #i + #j = 0, and exactly the formula everywhere else ... (the checks include tiny ones)"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    denom = A.sum(0)[:, None] + B.sum(0)[None, :]
    safe = denom > 1e-9
    return np.where(safe, (A.T @ B) / np.where(safe, denom, 1.0), 0.0).astype(np.float32)


@mutant("#i and #j as the number of pairs where the feature is non-zero (the lecture's 'times occurred')")
def cooccurrence_theta(A, B):
    # "#i = sum_p a_i^(p) and #j = sum_p b_j^(p)"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    denom = (A > 0).sum(0)[:, None] + (B > 0).sum(0)[None, :]
    co = A.T @ B
    return np.divide(co, denom, out=np.zeros_like(co), where=denom > 0).astype(np.float32)


@mutant("the product A^T B taken in the input dtype (uint8 counts wrap around), float only for the division")
def cooccurrence_theta(A, B):
    # "A (P, k), B (P, V), non-negative, of any real dtype (integer counts too)"
    co = (A.T @ B).astype(np.float64)
    denom = A.sum(0).astype(np.float64)[:, None] + B.sum(0).astype(np.float64)[None, :]
    return np.divide(co, denom, out=np.zeros_like(co), where=denom > 0).astype(np.float32)


@alternative("blind mutant 'everything in float32: products of tiny features underflow', correct by the text: the reference computes in float32 too, and the text now bounds the scale (the checks' tiny features, about 1e-12, do not underflow in float32)")
def cooccurrence_theta(A, B):
    # "exactly the formula everywhere else ...: features may be of any scale (the checks include tiny ones)"
    A = A.astype(np.float32)
    B = B.astype(np.float32)
    co = A.T @ B
    denom = A.sum(0)[:, None] + B.sum(0)[None, :]
    return np.divide(co, denom, out=np.zeros_like(co), where=denom > 0).astype(np.float32)


@mutant("Jaccard-style denominator #i + #j - #(i,j)")
def cooccurrence_theta(A, B):
    # "theta_ij = #(i,j) / (#i + #j)"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    co = A.T @ B
    denom = A.sum(0)[:, None] + B.sum(0)[None, :] - co
    return np.divide(co, denom, out=np.zeros_like(co), where=denom > 0).astype(np.float32)


@mutant("Python loops over the bins and the words (values right, but the text says no loops)")
def cooccurrence_theta(A, B):
    # "(k, V) float32. No loops."
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    k, V = A.shape[1], B.shape[1]
    theta = np.zeros((k, V))
    for i in range(k):
        for j in range(V):
            denom = A[:, i].sum() + B[:, j].sum()
            if denom != 0:
                theta[i, j] = (A[:, i] * B[:, j]).sum() / denom
    return theta.astype(np.float32)


@mutant("0/0 left as NaN where a bin and a word never occur")
def cooccurrence_theta(A, B):
    # "theta_ij = 0 where #i + #j = 0"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((A.T @ B) / (A.sum(0)[:, None] + B.sum(0)[None, :])).astype(np.float32)


@alternative("np.where with the denominator replaced by 1 where it is 0 (the numerator is 0 there)")
def cooccurrence_theta(A, B):
    # "theta_ij = 0 where #i + #j = 0" - non-negative features: #i + #j = 0 forces #(i,j) = 0
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    pair = A.T @ B
    denom = A.sum(axis=0)[:, None] + B.sum(axis=0)
    return (pair / np.where(denom == 0, 1.0, denom)).astype(np.float32)


@alternative("einsum for #(i,j), column sums through ones @ A, NaN replaced after an errstate division")
def cooccurrence_theta(A, B):
    # "#(i,j) = sum_p a_i b_j (that is A^T B)"; "#i = sum_p a_i and #j = sum_p b_j"
    A = A.astype(np.float64)
    B = B.astype(np.float64)
    ones = np.ones(A.shape[0])
    co = np.einsum("pi,pj->ij", A, B)
    denom = np.add.outer(ones @ A, ones @ B)
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = co / denom
    return np.nan_to_num(theta, nan=0.0).astype(np.float32)


@alternative("np.divide with out= and where=, inputs converted with np.asarray(dtype=float64)")
def cooccurrence_theta(A, B):
    # "No loops. theta_ij = 0 where #i + #j = 0, and exactly the formula everywhere else"
    A64 = np.asarray(A, np.float64)
    B64 = np.asarray(B, np.float64)
    num = A64.T.dot(B64)
    den = A64.sum(0).reshape(-1, 1) + B64.sum(0).reshape(1, -1)
    theta = np.divide(num, den, out=np.zeros(num.shape), where=den > 0)
    return theta.astype(np.float32, copy=False)


# ----------------------------------------------------------------------------------------------
# Exercise 6 - score_matrix
# ----------------------------------------------------------------------------------------------


@mutant("multiplies first, casts to float32 after (uint8 products wrap)")
def score_matrix(A, theta, B):
    # "Cast every input to float32 before multiplying: integer inputs, even uint8 ones, must not be multiplied as integers"
    return (A @ (theta @ B.T)).astype(np.float32)


@mutant("no cast at all: the result has the inputs' dtype")
def score_matrix(A, theta, B):
    # "of any real dtype -> (N, M) float32"
    return A @ (theta @ B.T)


@mutant("only A is cast: int64 theta and B promote the product to float64")
def score_matrix(A, theta, B):
    # "Cast every input to float32 before multiplying"; "-> (N, M) float32"
    return A.astype(np.float32) @ theta @ B.T


@mutant("returns float64 (everything cast to float64)")
def score_matrix(A, theta, B):
    # "-> (N, M) float32"
    A, theta, B = (np.asarray(m, dtype=np.float64) for m in (A, theta, B))
    return A @ theta @ B.T


@mutant("returns the (M, N) matrix B theta^T A^T")
def score_matrix(A, theta, B):
    # "score_matrix(A, theta, B): A (N, k), theta (k, V), B (M, V) ... -> (N, M) float32"
    A, theta, B = (np.asarray(m, dtype=np.float32) for m in (A, theta, B))
    return B @ theta.T @ A.T


@mutant("each caption's column divided by its word count (length-normalised scores)")
def score_matrix(A, theta, B):
    # "S = A theta B^T, S_nm = sum_ij A_ni theta_ij B_mj"
    A, theta, B = (np.asarray(m, dtype=np.float32) for m in (A, theta, B))
    lengths = np.maximum(B.sum(axis=1), 1.0)
    return (A @ (theta @ B.T)) / lengths[None, :]


@alternative("(A theta) B^T order")
def score_matrix(A, theta, B):
    # "The product is associative, so the order changes only the cost and the float32 rounding (either order passes the checks)."
    A32 = A.astype(np.float32)
    theta32 = theta.astype(np.float32)
    B32 = B.astype(np.float32)
    return (A32 @ theta32) @ B32.T


@alternative("np.linalg.multi_dot on float32 copies")
def score_matrix(A, theta, B):
    # "Cast every input to float32 before multiplying"
    return np.linalg.multi_dot([np.asarray(A, np.float32), np.asarray(theta, np.float32), np.asarray(B, np.float32).T])


@alternative("np.einsum with optimize=True on float32 inputs")
def score_matrix(A, theta, B):
    # "S_nm = sum_ij A_ni theta_ij B_mj"
    return np.einsum("ni,ij,mj->nm", A.astype(np.float32), theta.astype(np.float32), B.astype(np.float32),
                     optimize=True).astype(np.float32)


@alternative("float64 intermediates, float32 result")
def score_matrix(A, theta, B):
    # "integer inputs ... must not be multiplied as integers"; the result is "(N, M) float32"
    S = np.asarray(A, dtype=np.float64) @ (np.asarray(theta, dtype=np.float64) @ np.asarray(B, dtype=np.float64).T)
    return S.astype(np.float32)


@alternative("np.matmul(..., dtype=np.float32) casting inside the ufunc")
def score_matrix(A, theta, B):
    # "Cast every input to float32 before multiplying"
    right = np.matmul(theta, np.transpose(B), dtype=np.float32)
    return np.matmul(A, right, dtype=np.float32)
