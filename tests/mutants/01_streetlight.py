"""Notebook 01's mutants (wrong answers students write) and alternatives (right answers they write).

Graded through the real grader by tests/test_mutants.py: every mutant must lose points on its
exercise, every alternative must keep full marks (autograder/mutation.py explains the format).
"""

from __future__ import annotations

import re

import numpy as np

from autograder.mutation import alternative, mutant
from utils.text import tokenize

# ---------------------------------------------------------------- exercise 1: rule_scores


@mutant("strict inequalities: r > 120, r > 3g, r > 3b")
def rule_scores(images, captions):
    rgb = images.astype(np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_pixels = ((r > 120) & (r > 3 * g) & (r > 3 * b)).sum(axis=(1, 2))
    red_words = np.array([tokenize(c).count("red") for c in captions])
    return ((red_pixels[:, None] > 0) & (red_words[None, :] > 0)).astype(np.float32)


@mutant("uint8 arithmetic wraps around (no widening)")
def rule_scores(images, captions):
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    red_pixels = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).sum(axis=(1, 2))
    red_words = np.array([tokenize(c).count("red") for c in captions])
    return ((red_pixels[:, None] > 0) & (red_words[None, :] > 0)).astype(np.float32)


@mutant("forgets the r >= 3b clause")
def rule_scores(images, captions):
    rgb = images.astype(np.int32)
    r, g = rgb[..., 0], rgb[..., 1]
    red_pixels = ((r >= 120) & (r >= 3 * g)).sum(axis=(1, 2))
    red_words = np.array([tokenize(c).count("red") for c in captions])
    return ((red_pixels[:, None] > 0) & (red_words[None, :] > 0)).astype(np.float32)


@mutant("substring test 'red' in caption.lower() (counts 'reddish', 'red-eyed')")
def rule_scores(images, captions):
    rgb = images.astype(np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_pixels = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).sum(axis=(1, 2))
    red_words = np.array(["red" in c.lower() for c in captions])
    return ((red_pixels[:, None] > 0) & red_words[None, :]).astype(np.float32)


@mutant("case-sensitive word count (str.split, no lowercasing)")
def rule_scores(images, captions):
    rgb = images.astype(np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_pixels = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).sum(axis=(1, 2))
    red_words = np.array([[w.strip(".,!?()") for w in c.split()].count("red") for c in captions])
    return ((red_pixels[:, None] > 0) & (red_words[None, :] > 0)).astype(np.float32)


@mutant("returns float64")
def rule_scores(images, captions):
    rgb = images.astype(np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_pixels = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).sum(axis=(1, 2))
    red_words = np.array([tokenize(c).count("red") for c in captions])
    return ((red_pixels[:, None] > 0) & (red_words[None, :] > 0)).astype(np.float64)


@mutant("looks at the first row of pixels only (assumes square, indexes wrongly)")
def rule_scores(images, captions):
    rgb = images[:, 0].astype(np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_pixels = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).sum(axis=1)
    red_words = np.array([tokenize(c).count("red") for c in captions])
    return ((red_pixels[:, None] > 0) & (red_words[None, :] > 0)).astype(np.float32)


@mutant("an image counts as red only with at least two red pixels (the rule says #red pixels > 0)")
def rule_scores(images, captions):
    rgb = images.astype(np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_pixels = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).sum(axis=(1, 2))
    red_words = np.array([tokenize(c).count("red") for c in captions])
    return ((red_pixels[:, None] > 1) & (red_words[None, :] > 0)).astype(np.float32)


@alternative("float arithmetic, np.any over pixels, outer product of indicators")
def rule_scores(images, captions):
    rgb = images.astype(np.float64)
    red = (rgb[..., 0] >= 120) & (rgb[..., 0] >= 3 * rgb[..., 1]) & (rgb[..., 0] >= 3 * rgb[..., 2])
    has_red = red.reshape(len(images), -1).any(axis=1).astype(np.float32)
    says_red = np.array([float("red" in tokenize(c)) for c in captions], dtype=np.float32)
    return np.outer(has_red, says_red).astype(np.float32)


@alternative("Python loop over images, set of tokens")
def rule_scores(images, captions):
    says = [("red" in set(tokenize(c))) for c in captions]
    out = np.zeros((len(images), len(captions)), dtype=np.float32)
    for i, image in enumerate(images):
        x = image.astype(np.int64)
        if np.count_nonzero((x[..., 0] >= 120) & (x[..., 0] >= 3 * x[..., 1]) & (x[..., 0] >= 3 * x[..., 2])):
            out[i] = says
    return out


# ---------------------------------------------------------------- exercise 2: kmeans


@mutant("empty-cluster rule measured after the update instead of before")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]

    def assign(c):
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        return labels, d[np.arange(len(x)), labels]

    for _ in range(n_iter):
        labels, _ = assign(centroids)
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros((k, 3))
        np.add.at(sums, labels, x)
        updated = centroids.copy()
        filled = counts > 0
        updated[filled] = sums[filled] / counts[filled, None]
        dist = ((x - updated[labels]) ** 2).sum(axis=1)
        worst_first = np.argsort(-dist, kind="stable")
        for j, pixel in zip(np.flatnonzero(~filled), worst_first, strict=False):
            updated[j] = x[pixel]
        centroids = updated
    labels, _ = assign(centroids)
    return centroids.astype(np.float32), labels.astype(np.int64)


@mutant("empty clusters keep their old centroid")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]
    for _ in range(n_iter):
        labels = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
        for j in range(k):
            if (labels == j).any():
                centroids[j] = x[labels == j].mean(axis=0)
    labels = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
    return centroids.astype(np.float32), labels.astype(np.int64)


@mutant("two empty clusters take the same worst pixel")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]
    for _ in range(n_iter):
        d = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        dist = d[np.arange(len(x)), labels]
        updated = centroids.copy()
        for j in range(k):
            members = labels == j
            updated[j] = x[members].mean(axis=0) if members.any() else x[int(np.argmax(dist))]
        centroids = updated
    labels = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
    return centroids.astype(np.float32), labels.astype(np.int64)


@mutant("returns the labels of the last assignment step, not of the final centroids")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]
    labels = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
    for _ in range(n_iter):
        d = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        dist = d[np.arange(len(x)), labels]
        updated = centroids.copy()
        counts = np.bincount(labels, minlength=k)
        for j in np.flatnonzero(counts):
            updated[j] = x[labels == j].mean(axis=0)
        for j, pixel in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable"), strict=False):
            updated[j] = x[pixel]
        centroids = updated
    return centroids.astype(np.float32), labels.astype(np.int64)


@mutant("initialises with the first k pixels instead of rng.choice")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    centroids = x[:k].copy()
    for _ in range(n_iter):
        d = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        dist = d[np.arange(len(x)), labels]
        counts = np.bincount(labels, minlength=k)
        updated = centroids.copy()
        for j in np.flatnonzero(counts):
            updated[j] = x[labels == j].mean(axis=0)
        for j, pixel in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable"), strict=False):
            updated[j] = x[pixel]
        centroids = updated
    labels = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
    return centroids.astype(np.float32), labels.astype(np.int64)


@mutant("labels returned as int32")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]
    for _ in range(n_iter):
        d = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        dist = d[np.arange(len(x)), labels]
        counts = np.bincount(labels, minlength=k)
        updated = centroids.copy()
        for j in np.flatnonzero(counts):
            updated[j] = x[labels == j].mean(axis=0)
        for j, pixel in zip(np.flatnonzero(counts == 0), np.argsort(-dist, kind="stable"), strict=False):
            updated[j] = x[pixel]
        centroids = updated
    labels = ((x[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
    return centroids.astype(np.float32), labels.astype(np.int32)


@mutant("ties between centroids go to the highest index")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]

    def assign(c):
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        labels = k - 1 - d[:, ::-1].argmin(axis=1)
        return labels, d[np.arange(len(x)), labels]

    for _ in range(n_iter):
        labels, dist = assign(centroids)
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros((k, 3))
        np.add.at(sums, labels, x)
        updated = centroids.copy()
        filled = counts > 0
        updated[filled] = sums[filled] / counts[filled, None]
        worst_first = np.argsort(-dist, kind="stable")
        for j, pixel in zip(np.flatnonzero(~filled), worst_first, strict=False):
            updated[j] = x[pixel]
        centroids = updated
    labels, _ = assign(centroids)
    return centroids.astype(np.float32), labels.astype(np.int64)


@mutant("worst-served ties go to the highest pixel index")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]

    def assign(c):
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        return labels, d[np.arange(len(x)), labels]

    for _ in range(n_iter):
        labels, dist = assign(centroids)
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros((k, 3))
        np.add.at(sums, labels, x)
        updated = centroids.copy()
        filled = counts > 0
        updated[filled] = sums[filled] / counts[filled, None]
        worst_first = len(x) - 1 - np.argsort(-dist[::-1], kind='stable')
        for j, pixel in zip(np.flatnonzero(~filled), worst_first, strict=False):
            updated[j] = x[pixel]
        centroids = updated
    labels, _ = assign(centroids)
    return centroids.astype(np.float32), labels.astype(np.int64)


@mutant("empty clusters handled in decreasing index order")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]

    def assign(c):
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        return labels, d[np.arange(len(x)), labels]

    for _ in range(n_iter):
        labels, dist = assign(centroids)
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros((k, 3))
        np.add.at(sums, labels, x)
        updated = centroids.copy()
        filled = counts > 0
        updated[filled] = sums[filled] / counts[filled, None]
        worst_first = np.argsort(-dist, kind="stable")
        for j, pixel in zip(np.flatnonzero(~filled)[::-1], worst_first, strict=False):
            updated[j] = x[pixel]
        centroids = updated
    labels, _ = assign(centroids)
    return centroids.astype(np.float32), labels.astype(np.int64)


@mutant("returns float64 centroids")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]

    def assign(c):
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        return labels, d[np.arange(len(x)), labels]

    for _ in range(n_iter):
        labels, dist = assign(centroids)
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros((k, 3))
        np.add.at(sums, labels, x)
        updated = centroids.copy()
        filled = counts > 0
        updated[filled] = sums[filled] / counts[filled, None]
        worst_first = np.argsort(-dist, kind="stable")
        for j, pixel in zip(np.flatnonzero(~filled), worst_first, strict=False):
            updated[j] = x[pixel]
        centroids = updated
    labels, _ = assign(centroids)
    return centroids.astype(np.float64), labels.astype(np.int64)


@alternative("expanded distances |x|^2 - 2xc + |c|^2, per-cluster loop, float64 throughout")
def kmeans(pixels, k, n_iter=25, seed=0):
    x = np.asarray(pixels, dtype=np.float64)
    rng = np.random.default_rng(seed)
    c = x[rng.choice(x.shape[0], size=k, replace=False)].copy()

    def distances(c):
        d = (x * x).sum(1)[:, None] - 2 * x @ c.T + (c * c).sum(1)[None, :]
        return np.maximum(d, 0.0)

    for _ in range(n_iter):
        d = distances(c)
        labels = np.argmin(d, axis=1)
        served = d[np.arange(len(x)), labels]
        order = sorted(range(len(x)), key=lambda i: (-served[i], i))
        new = c.copy()
        taken = 0
        for j in range(k):
            members = x[labels == j]
            if len(members):
                new[j] = members.mean(axis=0)
            else:
                new[j] = x[order[taken]]
                taken += 1
        c = new
    return c.astype(np.float32), np.argmin(distances(c), axis=1).astype(np.int64)


# ---------------------------------------------------------------- exercise 3: colour_histograms


@mutant("divides by H * H (assumes square images)")
def colour_histograms(images, centroids, chunk=500):
    n, h = images.shape[0], images.shape[1]
    c = centroids.astype(np.float64)
    out = np.zeros((n, len(c)), dtype=np.float32)
    for start in range(0, n, chunk):
        part = images[start:start + chunk]
        x = part.reshape(len(part), -1, 3).astype(np.float64) / 255.0
        for i in range(len(part)):
            labels = ((x[i][:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
            out[start + i] = np.bincount(labels, minlength=len(c)) / (h * h)
    return out


@mutant("pixel values not divided by 255")
def colour_histograms(images, centroids, chunk=500):
    c = centroids.astype(np.float64)
    out = np.zeros((len(images), len(c)), dtype=np.float32)
    for i, image in enumerate(images):
        x = image.reshape(-1, 3).astype(np.float64)
        labels = ((x[:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
        out[i] = np.bincount(labels, minlength=len(c)) / len(x)
    return out


@mutant("counts, not fractions")
def colour_histograms(images, centroids, chunk=500):
    c = centroids.astype(np.float64)
    out = np.zeros((len(images), len(c)), dtype=np.float32)
    for i, image in enumerate(images):
        x = image.reshape(-1, 3).astype(np.float64) / 255.0
        labels = ((x[:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
        out[i] = np.bincount(labels, minlength=len(c))
    return out


@mutant("np.bincount without minlength (short rows when the last bins are unused)")
def colour_histograms(images, centroids, chunk=500):
    c = centroids.astype(np.float64)
    out = np.zeros((len(images), len(c)), dtype=np.float32)
    for i, image in enumerate(images):
        x = image.reshape(-1, 3).astype(np.float64) / 255.0
        labels = ((x[:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
        out[i] = np.bincount(labels) / len(x)
    return out


@mutant("all images at once: correct values, but no chunks (memory)")
def colour_histograms(images, centroids, chunk=500):
    x = images.reshape(len(images), -1, 3).astype(np.float64) / 255.0
    c = centroids.astype(np.float64)
    labels = ((x[:, :, None, :] - c[None, None]) ** 2).sum(axis=3).argmin(axis=2)
    onehot = labels[..., None] == np.arange(len(c))
    return onehot.mean(axis=1).astype(np.float32)


@mutant("drops the last partial chunk")
def colour_histograms(images, centroids, chunk=500):
    n, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((n, k), dtype=np.float32)
    for start in range(0, n - chunk + 1 if n > chunk else 1, chunk):
        part = images[start:start + chunk]
        x = part.reshape(len(part), -1, 3).astype(np.float64) / 255.0
        labels = ((x[:, :, None, :] - c[None, None]) ** 2).sum(axis=3).argmin(axis=2)
        out[start:start + len(part)] = (labels[..., None] == np.arange(k)).mean(axis=1)
    return out


@mutant("ties between centroids go to the highest index")
def colour_histograms(images, centroids, chunk=200):
    c = centroids.astype(np.float64)
    k = len(c)
    out = np.zeros((len(images), k), dtype=np.float32)
    for start in range(0, len(images), chunk):
        part = images[start:start + chunk]
        x = part.reshape(-1, 3).astype(np.float64) / 255.0
        d = ((x[:, None, :] - c[None]) ** 2).sum(axis=2)
        labels = (k - 1 - d[:, ::-1].argmin(axis=1)).reshape(len(part), -1)
        for i, row in enumerate(labels):
            out[start + i] = np.bincount(row, minlength=k) / row.size
    return out


@alternative("one image at a time, one-hot mean, float32 distances")
def colour_histograms(images, centroids, chunk=500):
    c = centroids.astype(np.float32)
    out = np.empty((len(images), len(c)), dtype=np.float32)
    for i, image in enumerate(images):
        x = image.reshape(-1, 3).astype(np.float32) / np.float32(255.0)
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        out[i] = np.eye(len(c), dtype=np.float32)[d.argmin(axis=1)].mean(axis=0)
    return out


@alternative("chunks of 100 with np.add.at")
def colour_histograms(images, centroids, chunk=500):
    n, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((n, k), dtype=np.float64)
    pixels = images.shape[1] * images.shape[2]
    for start in range(0, n, 100):
        part = images[start:start + 100].reshape(-1, 3).astype(np.float64) / 255.0
        labels = ((part[:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
        rows = start + np.repeat(np.arange(len(part) // pixels), pixels)
        np.add.at(out, (rows, labels), 1.0)
    return (out / pixels).astype(np.float32)


# ---------------------------------------------------------------- exercise 4: bag_of_words


@mutant("its own regex tokenizer (splits 'hot-air', 'isn't')")
def bag_of_words(captions, vocabulary):
    column = {word: j for j, word in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, caption in enumerate(captions):
        for token in re.findall(r"\w+", caption.lower()):
            if token in column:
                out[i, column[token]] += 1
    return out


@mutant("presence (0/1), not counts")
def bag_of_words(captions, vocabulary):
    column = {word: j for j, word in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, caption in enumerate(captions):
        for token in tokenize(caption):
            if token in column:
                out[i, column[token]] = 1
    return out


@mutant("str.split without lowercasing or stripping punctuation")
def bag_of_words(captions, vocabulary):
    column = {word: j for j, word in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, caption in enumerate(captions):
        for token in caption.split():
            if token in column:
                out[i, column[token]] += 1
    return out


@mutant("returns int64 counts")
def bag_of_words(captions, vocabulary):
    column = {word: j for j, word in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.int64)
    for i, caption in enumerate(captions):
        for token in tokenize(caption):
            if token in column:
                out[i, column[token]] += 1
    return out


@mutant("crashes on an empty list of captions (np.stack of nothing)")
def bag_of_words(captions, vocabulary):
    column = {word: j for j, word in enumerate(vocabulary)}
    rows = []
    for caption in captions:
        row = np.zeros(len(vocabulary), dtype=np.float32)
        for token in tokenize(caption):
            if token in column:
                row[column[token]] += 1
        rows.append(row)
    return np.stack(rows)


@mutant("splits on single spaces only (tabs and newlines glue words together)")
def bag_of_words(captions, vocabulary):
    column = {word: j for j, word in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, caption in enumerate(captions):
        for piece in caption.lower().split(" "):
            token = piece.strip(".,;:!?\"'()[]{}")
            if token in column:
                out[i, column[token]] += 1
    return out


@mutant("lower-cases the vocabulary too (a column 'Red' counts the token 'red')")
def bag_of_words(captions, vocabulary):
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, caption in enumerate(captions):
        tokens = tokenize(caption)
        for j, word in enumerate(vocabulary):
            out[i, j] = tokens.count(word.lower())
    return out


@mutant("tests `token in vocabulary` on the list before the dict lookup (O(V) per token)")
def bag_of_words(captions, vocabulary):
    column = {word: j for j, word in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, caption in enumerate(captions):
        for token in tokenize(caption):
            if token in vocabulary:
                out[i, column[token]] += 1
    return out


@alternative("collections.Counter per caption, list.index-free")
def bag_of_words(captions, vocabulary):
    from collections import Counter

    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, caption in enumerate(captions):
        counts = Counter(tokenize(caption))
        out[i] = [counts.get(word, 0) for word in vocabulary]
    return out


# ---------------------------------------------------------------- exercise 5: cooccurrence_theta


@mutant("crashes on integer A and B (np.divide into zeros_like(joint))")
def cooccurrence_theta(A, B):
    joint = A.T @ B
    denominator = A.sum(axis=0)[:, None] + B.sum(axis=0)[None, :]
    out = np.zeros_like(joint)
    np.divide(joint, denominator, out=out, where=denominator > 0)
    return out.astype(np.float32)


@mutant("NaN where a bin and a word never occur")
def cooccurrence_theta(A, B):
    A, B = A.astype(np.float32), B.astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (A.T @ B) / (A.sum(axis=0)[:, None] + B.sum(axis=0)[None, :])


@mutant("divides by #i * #j instead of #i + #j")
def cooccurrence_theta(A, B):
    A, B = A.astype(np.float32), B.astype(np.float32)
    denominator = A.sum(axis=0)[:, None] * B.sum(axis=0)[None, :]
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, (A.T @ B) / safe, 0.0).astype(np.float32)


@mutant("counts rows where both occur instead of summing products")
def cooccurrence_theta(A, B):
    A, B = A.astype(np.float32), B.astype(np.float32)
    joint = (A > 0).astype(np.float32).T @ (B > 0).astype(np.float32)
    denominator = A.sum(axis=0)[:, None] + B.sum(axis=0)[None, :]
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, joint / safe, 0.0).astype(np.float32)


@mutant("returns float64")
def cooccurrence_theta(A, B):
    A, B = A.astype(np.float64), B.astype(np.float64)
    denominator = A.sum(axis=0)[:, None] + B.sum(axis=0)[None, :]
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, (A.T @ B) / safe, 0.0)


@mutant("adds eps = 1e-6 to the denominator instead of the exact zero rule")
def cooccurrence_theta(A, B):
    A, B = A.astype(np.float32), B.astype(np.float32)
    return ((A.T @ B) / (A.sum(axis=0)[:, None] + B.sum(axis=0)[None, :] + 1e-6)).astype(np.float32)


@mutant("denominator clipped at 1e-10 (np.maximum) instead of the exact zero rule")
def cooccurrence_theta(A, B):
    A = A.astype(np.float32)
    B = B.astype(np.float32)
    denominator = np.maximum(A.sum(axis=0)[:, None] + B.sum(axis=0)[None, :], 1e-10)
    return (A.T @ B / denominator).astype(np.float32)


@mutant("integers widened to int16 only: A^T B of uint8 counts wraps around")
def cooccurrence_theta(A, B):
    if np.issubdtype(A.dtype, np.integer):
        A = A.astype(np.int16)
    if np.issubdtype(B.dtype, np.integer):
        B = B.astype(np.int16)
    joint = (A.T @ B).astype(np.float32)
    denominator = A.sum(axis=0).astype(np.float32)[:, None] + B.sum(axis=0).astype(np.float32)[None, :]
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, joint / safe, 0.0).astype(np.float32)


@mutant("a Python loop over the words, one column at a time")
def cooccurrence_theta(A, B):
    A = A.astype(np.float32)
    B = B.astype(np.float32)
    columns = []
    for j in range(B.shape[1]):
        b = B[:, j]
        denominator = A.sum(axis=0) + b.sum()
        safe = np.where(denominator > 0, denominator, 1.0)
        columns.append(np.where(denominator > 0, (A.T @ b) / safe, 0.0))
    return np.stack(columns, axis=1).astype(np.float32)


@alternative("float64 einsum, np.divide with where= into a float array")
def cooccurrence_theta(A, B):
    A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
    joint = np.einsum("pi,pj->ij", A, B)
    denominator = A.sum(0)[:, None] + B.sum(0)[None, :]
    theta = np.zeros(joint.shape, dtype=np.float64)
    np.divide(joint, denominator, out=theta, where=denominator != 0)
    return theta.astype(np.float32)


# ---------------------------------------------------------------- exercise 6: score_matrix


@mutant("forgets to cast: integer inputs stay integer")
def score_matrix(A, theta, B):
    return (A @ theta) @ B.T


@mutant("transposes the result (captions x images)")
def score_matrix(A, theta, B):
    A, theta, B = A.astype(np.float32), theta.astype(np.float32), B.astype(np.float32)
    return B @ (A @ theta).T


@mutant("B instead of B transposed, hidden by a reshape")
def score_matrix(A, theta, B):
    A, theta, B = A.astype(np.float32), theta.astype(np.float32), B.astype(np.float32)
    return ((A @ theta) @ B.reshape(B.shape[1], B.shape[0])).astype(np.float32)


@alternative("the other multiplication order, (A theta) B^T (slower here, equal within float32 rounding)")
def score_matrix(A, theta, B):
    A, theta, B = A.astype(np.float32), theta.astype(np.float32), B.astype(np.float32)
    return (A @ theta) @ B.T


@mutant("casts only the result: uint8 inputs are multiplied as uint8 and wrap around")
def score_matrix(A, theta, B):
    return (A @ (theta @ B.T)).astype(np.float32)


@alternative("einsum in float64, cast at the end")
def score_matrix(A, theta, B):
    return np.einsum("ni,ij,mj->nm", A.astype(np.float64), theta.astype(np.float64),
                     B.astype(np.float64)).astype(np.float32)
