"""Retrieval metrics for image-caption sets with several captions per image.

Conventions (the standard ones of Flickr30k/COCO retrieval papers):

* `scores[i, j]` is the score of image `i` with caption `j`; higher means a better match.
  `caption_image[j]` is the index of the image caption `j` describes.
* text -> image: each caption is a query with exactly one correct image.
* image -> text: each image is a query; its rank is the rank of the BEST of its captions.
* R@K is the percentage of queries whose correct item is in the top K; RSUM adds the six R@K
  (K = 1, 5, 10, both directions); MRR is the mean of 1 / rank; ranks start at 1.

Ties (documented rule, deterministic): candidates whose scores are exactly equal are ordered
uniformly at random, and every metric is the EXACT expectation over that random order, computed
in closed form (no random numbers are drawn). A constant scorer therefore gets the chance level
R@K = K / n_candidates, never a lucky 100 % or an unlucky 0 %. For one query let `better` be the
number of candidates scoring strictly higher than its best correct candidate, `tied` the number
scoring exactly that score (itself included) and `hits` the correct ones among them. The first
correct candidate lands at position `better + J`, where J is the position of the first of `hits`
marked items in a random order of `tied` items: P(J > m) = C(tied - hits, m) / C(tied, m) and
E[J] = (tied + 1) / (hits + 1). Median and mean rank are taken over the queries' expected ranks.

Median rank convention: the plain median (`np.median`: with an even number of queries, the mean
of the two middle ranks, and expected ranks may be fractional under ties). VSE++-style code
reports `np.floor(np.median(ranks)) + 1` over 0-based integer ranks, i.e. the floor of the
median; the two agree whenever the median is a whole number, and otherwise differ by less than
1 (by exactly 0.5 when ranks are integers and the two middle ones differ by one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import gammaln

KS = (1, 5, 10)


@dataclass(frozen=True)
class QueryRanks:
    """Per-query rank statistics of the best correct candidate (see the module's tie rule)."""

    better: np.ndarray  # candidates scoring strictly higher than the best correct one
    tied: np.ndarray  # candidates scoring exactly the best correct score (itself included)
    hits: np.ndarray  # correct candidates among the tied ones (>= 1)

    def recall(self, k: int) -> np.ndarray:
        """P(rank <= k) for every query (0/1 without ties, fractional within a tie)."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        m = k - self.better  # places left inside the tie group
        return 1.0 - _prob_first_hit_after(self.tied, self.hits, m)

    def expected_rank(self) -> np.ndarray:
        """E[rank] for every query: better + (tied + 1) / (hits + 1)."""
        return self.better + (self.tied + 1) / (self.hits + 1)

    def reciprocal_rank(self) -> np.ndarray:
        """E[1 / rank] for every query (exact under random order within ties)."""
        out = 1.0 / (self.better + 1.0)
        for q in np.flatnonzero(self.tied > self.hits):
            t, c, s = int(self.tied[q]), int(self.hits[q]), int(self.better[q])
            j = np.arange(0, t - c + 2)
            after = _prob_first_hit_after(np.full_like(j, t), np.full_like(j, c), j)
            p_at = after[:-1] - after[1:]  # P(J = j) for j = 1 .. t - c + 1
            out[q] = float(np.sum(p_at / (s + j[1:])))
        return out


def _prob_first_hit_after(tied: np.ndarray, hits: np.ndarray, m: np.ndarray | int) -> np.ndarray:
    """P(J > m): none of the first m places of a random order of `tied` items is one of `hits`."""
    tied = np.asarray(tied, dtype=np.int64)
    hits = np.asarray(hits, dtype=np.int64)
    m = np.broadcast_to(np.asarray(m, dtype=np.int64), tied.shape)
    out = np.zeros(tied.shape, dtype=np.float64)
    out[m <= 0] = 1.0
    mid = (m > 0) & (m <= tied - hits)
    t, c, mm = tied[mid], hits[mid], m[mid]
    out[mid] = np.exp(gammaln(t - c + 1) - gammaln(t - c - mm + 1) - gammaln(t + 1) + gammaln(t - mm + 1))
    return out


def _as_scores(scores: np.ndarray | torch.Tensor) -> np.ndarray:
    """A float64 numpy copy of a 2-d score matrix, rejecting NaN and non-arrays."""
    if isinstance(scores, torch.Tensor):
        scores = scores.detach().to("cpu", torch.float64).numpy()
    if not isinstance(scores, np.ndarray):
        raise TypeError(f"scores must be a numpy array or torch tensor, got {type(scores).__name__}")
    if scores.ndim != 2:
        raise ValueError(f"scores must be 2-d (n_images, n_captions), got shape {scores.shape}")
    scores = scores.astype(np.float64)
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN: ranks would be meaningless")
    return scores


def _as_caption_image(caption_image: np.ndarray | torch.Tensor | list, n_images: int,
                      n_captions: int) -> np.ndarray:
    """Validate the caption -> image index vector against the score matrix's shape."""
    if isinstance(caption_image, torch.Tensor):
        caption_image = caption_image.cpu().numpy()
    ci = np.asarray(caption_image)
    if ci.ndim != 1 or ci.shape[0] != n_captions:
        raise ValueError(
            f"caption_image must have one entry per caption: scores has {n_captions} caption "
            f"columns but caption_image has shape {ci.shape}"
        )
    if ci.size and (not np.issubdtype(ci.dtype, np.integer) or ci.min() < 0 or ci.max() >= n_images):
        raise ValueError(
            f"caption_image must hold image indices in [0, {n_images}); got dtype {ci.dtype}, "
            f"range [{ci.min()}, {ci.max()}]"
        )
    return ci.astype(np.int64)


def _ranks(scores: np.ndarray, positive: np.ndarray) -> QueryRanks:
    """Rank statistics of each row's best positive column (rows are queries)."""
    if not positive.any(axis=1).all():
        missing = int(np.flatnonzero(~positive.any(axis=1))[0])
        raise ValueError(f"query {missing} has no correct candidate (an image without captions?)")
    best = np.where(positive, scores, -np.inf).max(axis=1, keepdims=True)
    better = (scores > best).sum(axis=1)
    tie = scores == best
    return QueryRanks(better=better, tied=tie.sum(axis=1), hits=(tie & positive).sum(axis=1))


def image_to_text_ranks(scores: np.ndarray | torch.Tensor, caption_image: np.ndarray) -> QueryRanks:
    """Ranks for image queries over all captions (the best of the image's captions counts)."""
    s = _as_scores(scores)
    ci = _as_caption_image(caption_image, *s.shape)
    positive = ci[None, :] == np.arange(s.shape[0])[:, None]
    return _ranks(s, positive)


def text_to_image_ranks(scores: np.ndarray | torch.Tensor, caption_image: np.ndarray) -> QueryRanks:
    """Ranks for caption queries over all images (each caption has one correct image)."""
    s = _as_scores(scores)
    ci = _as_caption_image(caption_image, *s.shape)
    positive = np.arange(s.shape[0])[None, :] == ci[:, None]
    return _ranks(s.T, positive)


def _summary(ranks: QueryRanks, prefix: str, ks: tuple[int, ...]) -> dict[str, float]:
    """R@K (percent), median/mean rank and MRR of one direction."""
    out = {f"{prefix}_R@{k}": 100.0 * float(ranks.recall(k).mean()) for k in ks}
    expected = ranks.expected_rank()
    out[f"{prefix}_medr"] = float(np.median(expected))
    out[f"{prefix}_meanr"] = float(expected.mean())
    out[f"{prefix}_mrr"] = float(ranks.reciprocal_rank().mean())
    return out


def retrieval_metrics(
    scores: np.ndarray | torch.Tensor,
    caption_image: np.ndarray | torch.Tensor | list,
    ks: tuple[int, ...] = KS,
) -> dict[str, float]:
    """R@K, median rank, mean rank and MRR both ways, plus RSUM, for an (images x captions) score matrix."""
    s = _as_scores(scores)
    ci = _as_caption_image(caption_image, *s.shape)
    out = _summary(image_to_text_ranks(s, ci), "i2t", ks)
    out.update(_summary(text_to_image_ranks(s, ci), "t2i", ks))
    out["rsum"] = sum(out[f"{d}_R@{k}"] for d in ("i2t", "t2i") for k in ks)
    return out


def paired_bootstrap(
    per_query: dict[str, np.ndarray],
    query_group: np.ndarray | list[int],
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Means of per-query values over resamples of the query GROUPS (e.g. images), the same draws for every method.

    `per_query[name]` holds one value per query (e.g. 100 * `text_to_image_ranks(S, ci).recall(10)`,
    one per caption); `query_group[q]` is the group of query q (for text->image queries, the image
    the caption describes, so an image's five captions are resampled together; for image->text
    queries, `arange(n_images)`). Each resample draws as many groups as there are, with
    replacement, and averages the values of the queries of the drawn groups (a group drawn twice
    counts twice). Returns `{name: (n_resamples,) array of resampled means}`. Because every method
    sees the same draws, `out[a] - out[b]` is the paired bootstrap distribution of the difference
    between two methods evaluated on the same queries: its standard deviation is the standard error
    of the difference. The gallery (the candidates each query is ranked against) is not resampled.
    """
    groups = np.asarray(query_group)
    if groups.ndim != 1 or not np.issubdtype(groups.dtype, np.integer):
        raise ValueError(f"query_group must be a 1-d integer array, got dtype {groups.dtype}, shape {groups.shape}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    names, ids = np.unique(groups, return_inverse=True)
    values = {}
    for name, v in per_query.items():
        v = np.asarray(v, dtype=np.float64)
        if v.shape != groups.shape:
            raise ValueError(f"per_query[{name!r}] has shape {v.shape}, query_group has shape {groups.shape}")
        values[name] = v
    n_groups = len(names)
    draws = np.random.default_rng(seed).integers(0, n_groups, size=(n_resamples, n_groups))
    times = np.zeros((n_resamples, n_groups))  # how often each group is drawn in each resample
    np.add.at(times, (np.arange(n_resamples)[:, None], draws), 1.0)
    size = np.bincount(ids, minlength=n_groups).astype(np.float64)  # queries per group
    total = times @ size
    return {name: times @ np.bincount(ids, weights=v, minlength=n_groups) / total for name, v in values.items()}


def metrics_table(rows: dict[str, dict[str, float]], keys: tuple[str, ...] | None = None):
    """A pandas DataFrame with one row per method (e.g. rule / colour bins / random)."""
    import pandas as pd

    frame = pd.DataFrame.from_dict(rows, orient="index")
    if keys is not None:
        frame = frame.loc[:, list(keys)]
    return frame.round(2)
