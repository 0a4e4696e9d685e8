"""Notebook 05's solution functions against reference libraries and their contracts' statistics.

The functions are taken from the solution notebook itself (the single source of truth).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from open_clip.loss import ClipLoss
from scipy.stats import chisquare

from autograder.solution import solution_function

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "05_conditional" / "conditional.ipynb"


def solution(name: str):
    """The solution's implementation of `name`."""
    return solution_function(name, NOTEBOOK)


def random_pairs(seed: int, n: int = 300) -> list[tuple[str, str]]:
    """n (object, word) pairs with repeats, some combinations never seen."""
    rng = np.random.default_rng(seed)
    objects, words = ["dog", "cat", "guitar", "ball", "owl"], ["play", "sit", "fly", "perch"]
    return [(str(rng.choice(objects)), str(rng.choice(words, p=[0.4, 0.3, 0.2, 0.1]))) for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conditionals_match_pandas_crosstab(seed: int) -> None:
    pairs = random_pairs(seed)
    P = solution("conditionals_from_pairs")(pairs)
    frame = pd.DataFrame(pairs, columns=["x", "y"])
    x_given_y = pd.crosstab(frame.x, frame.y, normalize="columns")
    y_given_x = pd.crosstab(frame.x, frame.y, normalize="index")
    for x in x_given_y.index:
        for y in x_given_y.columns:
            assert P["P(X|Y)"][y][x] == pytest.approx(x_given_y.loc[x, y], abs=1e-12)
            assert P["P(Y|X)"][x][y] == pytest.approx(y_given_x.loc[x, y], abs=1e-12)
    assert P["P(X)"] == pytest.approx(frame.x.value_counts(normalize=True).to_dict())
    assert P["P(Y)"] == pytest.approx(frame.y.value_counts(normalize=True).to_dict())


def test_conditionals_obey_bayes_and_normalise() -> None:
    P = solution("conditionals_from_pairs")(random_pairs(3))
    for y, column in P["P(X|Y)"].items():
        assert sum(column.values()) == pytest.approx(1.0)
        for x, p in column.items():
            assert p * P["P(Y)"][y] == pytest.approx(P["P(Y|X)"][x][y] * P["P(X)"][x])
    for row in P["P(Y|X)"].values():
        assert sum(row.values()) == pytest.approx(1.0)


def test_conditionals_of_the_lecture() -> None:
    P = solution("conditionals_from_pairs")([("dog", "terrier"), ("dog", "husky"), ("guitar", "play"),
                                              ("frisbee", "play")])
    assert P["P(X|Y)"]["play"]["guitar"] == 0.5
    assert P["P(Y|X)"]["guitar"]["play"] == 1.0
    assert P["P(X|Y)"]["play"]["guitar"] * P["P(Y)"]["play"] == 0.25


def reference_candidates(n_images, caption_image, n_distractors, shuffle, rng):
    """The contract of sample_candidates, written as a plain loop from the notebook's text."""
    keys = rng.random((len(caption_image), n_images - 1))
    target = rng.integers(0, n_distractors + 1, size=len(caption_image)) if shuffle else \
        np.zeros(len(caption_image), dtype=np.int64)
    rows = []
    for j, true in enumerate(caption_image):
        others = sorted(range(n_images - 1), key=lambda v: keys[j, v])[:n_distractors]
        distractors = [v if v < true else v + 1 for v in others]
        rows.append(distractors[:target[j]] + [true] + distractors[target[j]:])
    return np.array(rows, dtype=np.int64).reshape(len(caption_image), n_distractors + 1), target


@pytest.mark.parametrize("shuffle", [True, False])
def test_sample_candidates_follows_the_prescribed_draws(shuffle: bool) -> None:
    truth = np.random.default_rng(5).integers(0, 17, 60)
    got = solution("sample_candidates")(17, truth, 6, shuffle, np.random.default_rng(9))
    want = reference_candidates(17, truth, 6, shuffle, np.random.default_rng(9))
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].dtype == np.int64 and got[1].dtype == np.int64


def test_sample_candidates_is_uniform_over_slots_and_images() -> None:
    sample = solution("sample_candidates")
    truth = np.full(20_000, 3)
    cand, target = sample(12, truth, 4, True, np.random.default_rng(0))
    assert chisquare(np.bincount(target, minlength=5)).pvalue > 1e-3
    distractors = cand[np.arange(5)[None, :] != target[:, None]]
    counts = np.bincount(distractors, minlength=12)
    assert counts[3] == 0
    assert chisquare(np.delete(counts, 3)).pvalue > 1e-3
    assert all(len(set(row)) == 5 for row in cand.tolist())


def test_sample_candidates_rejects_too_many_distractors() -> None:
    with pytest.raises(ValueError):
        solution("sample_candidates")(4, [0], 4, False, np.random.default_rng(0))


def test_losses_sum_to_open_clip_symmetric_loss() -> None:
    """Without a mask, (L_X|Y + L_Y|X) / 2 on a square pool is CLIP's loss, values and gradients."""
    gen = torch.Generator().manual_seed(0)
    images = torch.randn(9, 16, generator=gen, dtype=torch.float64, requires_grad=True)
    texts = torch.randn(9, 16, generator=gen, dtype=torch.float64, requires_grad=True)
    scale = torch.tensor(7.0, dtype=torch.float64)
    reference = ClipLoss()(F.normalize(images, dim=1), F.normalize(texts, dim=1), scale)
    grads = torch.autograd.grad(reference, (images, texts))
    S = scale * F.normalize(images, dim=1) @ F.normalize(texts, dim=1).T
    target = torch.arange(9)
    ours = (solution("image_given_caption_loss")(S, target) + solution("caption_given_image_loss")(S, target)) / 2
    torch.testing.assert_close(ours, reference)
    for a, b in zip(torch.autograd.grad(ours, (images, texts)), grads, strict=True):
        torch.testing.assert_close(a, b)


def test_masked_losses_equal_a_loop_over_queries() -> None:
    gen = torch.Generator().manual_seed(1)
    scores = 4 * torch.randn(7, 5, generator=gen, dtype=torch.float64)
    mask = torch.rand(7, 5, generator=gen) > 0.4
    target_x = torch.randint(0, 7, (5,), generator=gen)
    mask[target_x, torch.arange(5)] = True
    loop = torch.stack([F.cross_entropy(scores[mask[:, j], j][None], mask[:target_x[j], j].sum()[None])
                        for j in range(5)]).mean()
    torch.testing.assert_close(solution("image_given_caption_loss")(scores, target_x, mask), loop)
    target_y = torch.randint(0, 5, (7,), generator=gen)
    mask[torch.arange(7), target_y] = True
    loop = torch.stack([F.cross_entropy(scores[i, mask[i]][None], mask[i, :target_y[i]].sum()[None])
                        for i in range(7)]).mean()
    torch.testing.assert_close(solution("caption_given_image_loss")(scores, target_y, mask), loop)


def test_dual_scorer_text_side_is_embedding_bag_mean() -> None:
    torch.manual_seed(0)
    model = solution("DualScorer")(30, dim=8, width=4, scale=3.0).eval()
    with torch.no_grad():
        model.embedding.weight[0] = 5.0  # a non-zero <pad> row must not matter
    bag = torch.nn.EmbeddingBag(30, 8, mode="mean", padding_idx=0)
    bag.weight.data.copy_(model.embedding.weight.data)
    ids = torch.tensor([[3, 7, 0, 0], [1, 2, 3, 4], [0, 0, 0, 0], [9, 0, 0, 0]])
    with torch.no_grad():
        torch.testing.assert_close(model.encode_texts(ids), F.normalize(bag(ids), dim=-1))
        images = torch.rand(2, 3, 32, 32)
        cosine = F.normalize(model.cnn(images), dim=-1) @ F.normalize(bag(ids), dim=-1).T
        torch.testing.assert_close(model(images, ids), 3.0 * cosine)


def test_dual_scorer_gradients_skip_padding_and_reach_the_cnn() -> None:
    torch.manual_seed(1)
    model = solution("DualScorer")(12, dim=8, width=4, scale=10.0)
    ids = torch.tensor([[2, 5, 0], [7, 0, 0]])
    scores = model(torch.rand(2, 3, 32, 32), ids)
    solution("image_given_caption_loss")(scores, torch.arange(2)).backward()
    assert model.embedding.weight.grad[0].abs().sum() == 0
    assert model.embedding.weight.grad[[2, 5, 7]].abs().sum() > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.cnn.parameters())


def expected_candidate_loss(F_table: torch.Tensor, joint: torch.Tensor, k: int) -> torch.Tensor:
    """Exact expected -log P(true | candidates) over lists of k: the true object from P(X|y), k-1 from P(X)."""
    import itertools

    p_x = joint.sum(1)
    loss = torch.zeros((), dtype=joint.dtype)
    n_x = joint.shape[0]
    for x, y in itertools.product(range(n_x), range(joint.shape[1])):
        for others in itertools.product(range(n_x), repeat=k - 1):
            weight = joint[x, y] * torch.prod(p_x[list(others)])
            scores = F_table[[x, *others], y]
            loss = loss - weight * torch.log_softmax(scores, dim=0)[0]
    return loss


@pytest.mark.parametrize("k", [2, 3])
def test_softmax_over_candidates_is_minimised_at_pmi_plus_a_constant_per_caption(k: int) -> None:
    """Section 6's claim, exactly: distractors drawn from P(X), the optimum is PMI(x, y) + c(y), for any K."""
    gen = torch.Generator().manual_seed(k)
    joint = torch.rand(4, 3, generator=gen, dtype=torch.float64) + 0.05
    joint /= joint.sum()
    pmi = torch.log(joint / joint.sum(1, keepdim=True) / joint.sum(0, keepdim=True))
    at_pmi = (pmi + torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64)).requires_grad_(True)
    (grad,) = torch.autograd.grad(expected_candidate_loss(at_pmi, joint, k), at_pmi)
    assert grad.abs().max() < 1e-12
    not_pmi = torch.log(joint / joint.sum(0, keepdim=True)).requires_grad_(True)  # log P(x | y): not the optimum
    (grad,) = torch.autograd.grad(expected_candidate_loss(not_pmi, joint, k), not_pmi)
    assert grad.abs().max() > 1e-3
