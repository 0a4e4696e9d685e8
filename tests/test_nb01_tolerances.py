"""Notebook 01's tolerances come from the float32 error of correct formulations (issue 19, rule 2).

Every correct implementation we know (the alternatives of tests/mutants/01_streetlight.py, the
blind helper's, and the formulations below: float32 distances by the expansion formula, float64
throughout, the other multiplication order) must use at most a tenth of each hidden check's
tolerance on the hidden inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tolerances

from autograder import mutation

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "solutions" / "01_streetlight" / "streetlight.ipynb"
MARGIN = 0.1  # a correct formulation may use at most this share of a tolerance

EXTRA = {
    "kmeans": {
        "scipy cdist distances, bincount means per channel": '''
def kmeans(pixels, k, n_iter=25, seed=0):
    from scipy.spatial.distance import cdist
    x = pixels.astype(np.float64)
    c = x[np.random.default_rng(seed).choice(len(x), size=k, replace=False)]
    for _ in range(n_iter):
        d = cdist(x, c, "sqeuclidean")
        labels = d.argmin(axis=1)
        served = d[np.arange(len(x)), labels]
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, weights=x[:, ch], minlength=k) for ch in range(3)], axis=1)
        new = c.copy()
        new[counts > 0] = sums[counts > 0] / counts[counts > 0, None]
        worst = np.lexsort((np.arange(len(x)), -served))
        for j, pixel in zip(np.flatnonzero(counts == 0), worst):
            new[j] = x[pixel]
        c = new
    return c.astype(np.float32), cdist(x, c, "sqeuclidean").argmin(axis=1).astype(np.int64)
''',
    },
    "colour_histograms": {
        "float32 expansion formula |x|^2 - 2 x.c + |c|^2": '''
def colour_histograms(images, centroids, chunk=200):
    c = centroids.astype(np.float32)
    out = np.zeros((len(images), len(c)), dtype=np.float32)
    for start in range(0, len(images), chunk):
        part = images[start:start + chunk]
        x = part.reshape(-1, 3).astype(np.float32) / np.float32(255)
        d = (x * x).sum(1)[:, None] - 2 * x @ c.T + (c * c).sum(1)[None, :]
        labels = d.argmin(axis=1).reshape(len(part), -1)
        for i, row in enumerate(labels):
            out[start + i] = np.bincount(row, minlength=len(c)) / row.size
    return out
''',
    },
    "cooccurrence_theta": {
        "float64 throughout, cast at the end": '''
def cooccurrence_theta(A, B):
    A, B = A.astype(np.float64), B.astype(np.float64)
    den = A.sum(0)[:, None] + B.sum(0)[None, :]
    return np.divide(A.T @ B, den, out=np.zeros_like(den), where=den != 0).astype(np.float32)
''',
    },
    "score_matrix": {
        "float64 throughout, cast at the end": '''
def score_matrix(A, theta, B):
    return (A.astype(np.float64) @ theta.astype(np.float64) @ B.astype(np.float64).T).astype(np.float32)
''',
        "(A theta) B^T in float32": '''
def score_matrix(A, theta, B):
    return (A.astype(np.float32) @ theta.astype(np.float32)) @ B.astype(np.float32).T
''',
    },
}


def formulations(name: str) -> dict[str, str]:
    """Label -> source of every correct formulation of `name` we have."""
    found = {}
    for path in (ROOT / "tests" / "mutants" / "01_streetlight.py",
                 ROOT / "tests" / "mutants" / "blind" / "01_streetlight.py"):
        if path.exists():
            for variant in mutation.load_variants(path):
                if variant.kind == "alternative" and variant.name == name:
                    found[f"{path.parent.name}: {variant.label}"] = variant.source
    return found | EXTRA.get(name, {})


@pytest.fixture(scope="module")
def ns() -> dict:
    """The notebook's definitions."""
    return tolerances.namespace(NOTEBOOK)


@pytest.mark.parametrize(("name", "grade_id"), [("kmeans", "test_kmeans"),
                                                ("colour_histograms", "test_colour_histograms"),
                                                ("cooccurrence_theta", "test_cooccurrence_theta"),
                                                ("score_matrix", "test_score_matrix")])
def test_correct_formulations_use_a_tenth_of_the_tolerance_at_most(ns: dict, name: str, grade_id: str) -> None:
    calls = [c for c in tolerances.hidden_calls(NOTEBOOK, grade_id, ns) if not c["exact"]]
    assert calls, f"no toleranced hidden check of {name}"
    worst = {}
    for label, source in formulations(name).items():
        candidate = tolerances.define(source, ns)
        for call in calls:
            for case, share in tolerances.measure(call, ns[name], candidate).items():
                worst[(label, case)] = share
    report = "\n".join(f"  {share:9.2e}  {label} | {case}" for (label, case), share in
                       sorted(worst.items(), key=lambda item: -item[1]))
    print(f"{name}: share of (rtol={calls[0]['rtol']:g}, atol={calls[0]['atol']:g}) used\n{report}")
    assert max(worst.values()) <= MARGIN, f"{name}: a correct formulation uses too much of the tolerance\n{report}"


def test_the_histogram_checks_have_no_near_ties(ns: dict) -> None:
    """float32 and float64 distances assign every hidden pixel alike, on any machine.

    The text allows float32 distances, so no hidden pixel may be almost equally far from two
    different centroids: the gap must be far above float32's rounding of a squared distance
    (about 1e-7 times |x|^2 + |c|^2 <= 6).
    """
    import numpy as np

    for call in tolerances.hidden_calls(NOTEBOOK, "test_colour_histograms", ns):
        for label, case in call["cases"].items():
            x = case["images"].reshape(-1, 3).astype(np.float64) / 255
            c = np.unique(case["centroids"].astype(np.float64), axis=0)
            if len(c) < 2:
                continue
            d = np.sort(((x[:, None] - c[None]) ** 2).sum(-1), axis=1)
            assert (d[:, 1] - d[:, 0]).min() > 10 * 6e-7, f"{label}: a near-tie between two centroids"
