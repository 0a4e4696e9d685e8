"""Notebook 03's solution functions against reference libraries and the formulas written out.

The hidden checks compare a student's function with the solution; these tests check the solution
itself: counts against a loop over positions, PPMI cell by cell, the SVD against scikit-learn,
the SGNS loss and its gradients against numpy and finite differences, the noise distribution
against gensim's word2vec sampling table, neighbours against gensim's `most_similar`.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import torch

from autograder.solution import solution_function

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "03_word2vec" / "word2vec.ipynb"


@cache
def solution(name: str):
    """One of the notebook's solution functions."""
    return solution_function(name, NOTEBOOK)


@pytest.mark.parametrize("window", [1, 2, 4, 15])
def test_cooccurrence_counts_equal_a_loop_over_positions(window: int) -> None:
    ids = np.random.default_rng(window).integers(0, 8, (20, 11))
    expected = np.zeros((8, 8), dtype=np.float32)
    for row in ids:
        for i, a in enumerate(row):
            for j, b in enumerate(row):
                if i != j and abs(i - j) <= window and a and b:
                    expected[a, b] += 1
    got = solution("cooccurrence_counts")(ids, 8, window)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_ppmi_equals_the_formula_cell_by_cell() -> None:
    counts = np.random.default_rng(1).poisson(1.5, (6, 9)).astype(np.float64)
    counts[2] = 0
    shift, alpha = 3, 0.75
    context = counts.sum(axis=0) ** alpha
    got = solution("ppmi")(counts, shift=shift, alpha=alpha)
    for w in range(6):
        for c in range(9):
            if counts[w, c] == 0:
                expected = 0.0
            else:
                p_wc, p_w = counts[w, c] / counts.sum(), counts[w].sum() / counts.sum()
                expected = max(math.log(p_wc / (p_w * context[c] / context.sum())) - math.log(shift), 0.0)
            assert got[w, c] == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_svd_embeddings_agree_with_scikit_learn_truncated_svd() -> None:
    from sklearn.decomposition import TruncatedSVD

    rng = np.random.default_rng(2)
    matrix = scipy.sparse.csr_matrix(np.maximum(rng.normal(size=(40, 25)), 0) * (rng.random((40, 25)) < 0.3))
    W = solution("svd_embeddings")(matrix, 6)
    reference = TruncatedSVD(6, algorithm="arpack", random_state=0).fit(matrix)
    u_sigma = reference.transform(matrix)                   # U_d Sigma_d
    np.testing.assert_allclose(np.linalg.norm(W, axis=0) ** 2, reference.singular_values_, rtol=1e-4)
    np.testing.assert_allclose(W @ W.T, u_sigma @ np.diag(1 / reference.singular_values_) @ u_sigma.T,
                               rtol=1e-4, atol=1e-5)


def test_sgns_loss_equals_numpy_and_its_gradients_pass_gradcheck() -> None:
    g = torch.Generator().manual_seed(3)
    centre, context = torch.randint(0, 9, (7,), generator=g), torch.randint(0, 9, (7,), generator=g)
    negatives = torch.randint(0, 9, (7, 4), generator=g)
    W_in = torch.randn(9, 5, generator=g, dtype=torch.float64, requires_grad=True)
    W_out = torch.randn(9, 5, generator=g, dtype=torch.float64, requires_grad=True)
    loss = solution("sgns_loss")(centre, context, negatives, W_in, W_out)

    u, v = W_in.detach().numpy(), W_out.detach().numpy()

    def log_sigmoid(x: float) -> float:
        """log sigma(x) = -log(1 + exp(-x))."""
        return -np.log1p(np.exp(-x))

    expected = np.mean([-log_sigmoid(u[c] @ v[o]) - sum(log_sigmoid(-(u[c] @ v[n])) for n in ns)
                        for c, o, ns in zip(centre.numpy(), context.numpy(), negatives.numpy(), strict=True)])
    assert loss.item() == pytest.approx(expected, rel=1e-10)
    assert torch.autograd.gradcheck(lambda a, b: solution("sgns_loss")(centre, context, negatives, a, b),
                                    (W_in, W_out))


def test_noise_distribution_equals_gensims_word2vec_sampling_table() -> None:
    from gensim.models import Word2Vec

    rng = np.random.default_rng(4)
    sentences = [[f"w{i}" for i in rng.zipf(1.6, 12) if i < 60] for _ in range(300)]
    model = Word2Vec(sentences, vector_size=4, min_count=1, negative=5, ns_exponent=0.75, workers=1, epochs=1)
    counts = torch.tensor([model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key])
    table = model.cum_table.astype(np.float64)              # cumulative, scaled to 2**31 - 1
    reference = np.diff(np.concatenate([[0.0], table])) / table[-1]
    got = solution("noise_distribution")(counts, power=0.75)
    np.testing.assert_allclose(got.numpy(), reference, rtol=1e-5, atol=1e-8)


def test_nearest_neighbours_agree_with_gensim_most_similar() -> None:
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(50)]
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    keyed = KeyedVectors(vector_size=8)
    keyed.add_vectors(words, vectors)
    for query in ("w0", "w17", "w49"):
        got = solution("nearest_neighbours")(vectors, words, query, 6)
        expected = keyed.most_similar(query, topn=6)
        assert [w for w, _ in got] == [w for w, _ in expected]
        np.testing.assert_allclose([c for _, c in got], [c for _, c in expected], rtol=1e-5)


def test_smoothed_bow_equals_an_explicit_loop() -> None:
    rng = np.random.default_rng(6)
    similarity = rng.uniform(-0.3, 1.0, (7, 7))
    bow = rng.poisson(1.0, (5, 7)).astype(np.float32)
    for k in (0, 1, 3, 6):
        expected = bow.astype(np.float64).copy()
        for j in range(7):
            for n in sorted((n for n in range(7) if n != j), key=lambda n: (-similarity[j, n], n))[:k]:
                expected[:, n] += bow[:, j] * max(similarity[j, n], 0.0)
        np.testing.assert_allclose(solution("smoothed_bow")(bow, similarity, k), expected, rtol=1e-6)
