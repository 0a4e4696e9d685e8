"""utils.metrics on hand-computed cases, with ties and several captions per image."""

import itertools

import numpy as np
import pytest
import torch

from utils.metrics import image_to_text_ranks, metrics_table, retrieval_metrics, text_to_image_ranks


def test_two_images_four_captions_by_hand():
    scores = np.array([[0.9, 0.1, 0.5, 0.2],
                       [0.8, 0.7, 0.3, 0.6]])
    m = retrieval_metrics(scores, [0, 0, 1, 1], ks=(1, 2))
    # image 0: its best caption (0.9) is first; image 1: its best caption (0.6) is third
    assert m["i2t_R@1"] == pytest.approx(50.0)
    assert m["i2t_R@2"] == pytest.approx(50.0)
    assert m["i2t_medr"] == pytest.approx(2.0)
    assert m["i2t_mrr"] == pytest.approx((1 + 1 / 3) / 2)
    # captions 0..3 rank their image 1, 2, 2, 1
    assert m["t2i_R@1"] == pytest.approx(50.0)
    assert m["t2i_R@2"] == pytest.approx(100.0)
    assert m["t2i_medr"] == pytest.approx(1.5)
    assert m["t2i_meanr"] == pytest.approx(1.5)
    assert m["t2i_mrr"] == pytest.approx(0.75)
    assert m["rsum"] == pytest.approx(50 + 50 + 50 + 100)


def test_all_tied_text_query_is_chance():
    scores = np.full((4, 1), 0.3)
    r = text_to_image_ranks(scores, [2])
    assert r.recall(1)[0] == pytest.approx(0.25)
    assert r.recall(2)[0] == pytest.approx(0.5)
    assert r.recall(4)[0] == pytest.approx(1.0)
    assert r.expected_rank()[0] == pytest.approx(2.5)
    assert r.reciprocal_rank()[0] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)


def test_tie_with_two_correct_captions():
    scores = np.array([[0.5, 0.5, 0.5, 0.5],
                       [0.1, 0.2, 0.9, 0.3]])
    r = image_to_text_ranks(scores, [0, 0, 1, 1])
    # image 0: 2 correct among 4 tied: P(first)=1/2, P(J<=2)=1-C(2,2)/C(4,2)=5/6, E[J]=5/3
    assert r.recall(1)[0] == pytest.approx(0.5)
    assert r.recall(2)[0] == pytest.approx(5 / 6)
    assert r.expected_rank()[0] == pytest.approx(5 / 3)
    assert r.reciprocal_rank()[0] == pytest.approx(1 / 2 + 1 / 6 + 1 / 18)
    assert r.recall(1)[1] == 1.0


def test_tie_behind_a_better_candidate():
    scores = np.array([[0.9], [0.5], [0.5], [0.5]])  # 4 images, 1 caption of image 2
    r = text_to_image_ranks(scores, [2])
    assert (r.better[0], r.tied[0], r.hits[0]) == (1, 3, 1)
    assert r.recall(1)[0] == 0.0
    assert r.recall(2)[0] == pytest.approx(1 / 3)
    assert r.recall(3)[0] == pytest.approx(2 / 3)
    assert r.expected_rank()[0] == pytest.approx(3.0)
    assert r.reciprocal_rank()[0] == pytest.approx((1 / 2 + 1 / 3 + 1 / 4) / 3)


def _brute_force(scores, caption_image, k):
    """Average R@k / rank / 1/rank over every tie-breaking order of the candidates."""
    n_img, n_cap = scores.shape
    out = {"i2t": [], "t2i": []}
    for direction in out:
        s = scores if direction == "i2t" else scores.T
        n_cand = s.shape[1]
        for q in range(s.shape[0]):
            pos = (np.asarray(caption_image) == q) if direction == "i2t" else (np.arange(n_img) == caption_image[q])
            stats = []
            for perm in itertools.permutations(range(n_cand)):
                order = sorted(range(n_cand), key=lambda j: (-s[q, j], perm[j]))
                rank = 1 + min(order.index(j) for j in np.flatnonzero(pos))
                stats.append((rank <= k, rank, 1 / rank))
            out[direction].append(np.mean(stats, axis=0))
    return {d: np.array(v) for d, v in out.items()}


@pytest.mark.parametrize("seed", range(4))
def test_matches_brute_force_over_tie_orders(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 3, size=(3, 5)).astype(float)  # few values: many ties
    caption_image = np.array([0, 0, 1, 2, 2])
    brute = _brute_force(scores, caption_image, k=2)
    for name, ranks in (("i2t", image_to_text_ranks(scores, caption_image)),
                        ("t2i", text_to_image_ranks(scores, caption_image))):
        np.testing.assert_allclose(ranks.recall(2), brute[name][:, 0], atol=1e-9)
        np.testing.assert_allclose(ranks.expected_rank(), brute[name][:, 1], atol=1e-9)
        np.testing.assert_allclose(ranks.reciprocal_rank(), brute[name][:, 2], atol=1e-9)


def test_constant_scorer_gets_chance_level():
    caption_image = np.repeat(np.arange(100), 5)
    m = retrieval_metrics(np.zeros((100, 500)), caption_image)
    assert m["t2i_R@10"] == pytest.approx(10.0)
    assert m["t2i_medr"] == pytest.approx(50.5)
    assert m["i2t_R@1"] == pytest.approx(100 * 5 / 500)


def test_torch_input_and_deterministic():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(6, 12)).astype(np.float32)
    ci = np.repeat(np.arange(6), 2)
    a = retrieval_metrics(scores, ci)
    b = retrieval_metrics(torch.from_numpy(scores), torch.from_numpy(ci))
    assert a == b


@pytest.mark.parametrize("scores, ci, message", [
    (np.zeros((2, 3)), [0, 1], "one entry per caption"),
    (np.zeros((2, 3)), [0, 1, 2], r"\[0, 2\)"),
    (np.zeros(3), [0, 1, 2], "2-d"),
    (np.array([[0.0, np.nan], [1.0, 0.0]]), [0, 1], "NaN"),
    (np.zeros((3, 2)), [0, 1], "no correct candidate"),
])
def test_rejects_bad_input_with_clear_message(scores, ci, message):
    with pytest.raises(ValueError, match=message):
        retrieval_metrics(scores, ci)


def test_metrics_table_has_one_row_per_method():
    ci = np.repeat(np.arange(3), 2)
    rows = {"random": retrieval_metrics(np.random.default_rng(1).random((3, 6)), ci),
            "perfect": retrieval_metrics(np.eye(3).repeat(2, axis=1), ci)}
    table = metrics_table(rows, keys=("t2i_R@1", "rsum"))
    assert list(table.index) == ["random", "perfect"]
    assert table.loc["perfect", "t2i_R@1"] == 100.0


def test_paired_bootstrap_matches_a_direct_resample():
    from utils.metrics import paired_bootstrap

    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(6), [1, 3, 2, 5, 1, 4])
    a, b = rng.random(len(groups)), rng.random(len(groups))
    out = paired_bootstrap({"a": a, "b": b}, groups, n_resamples=7, seed=3)
    draws = np.random.default_rng(3).integers(0, 6, size=(7, 6))
    for r, drawn in enumerate(draws):  # concatenate the queries of the drawn groups, then average
        rows = np.concatenate([np.flatnonzero(groups == g) for g in drawn])
        assert out["a"][r] == pytest.approx(a[rows].mean())
        assert out["b"][r] == pytest.approx(b[rows].mean())


def test_paired_bootstrap_pairs_the_methods_and_groups_the_queries():
    from utils.metrics import paired_bootstrap

    rng = np.random.default_rng(1)
    hits = (rng.random(4000) < 0.3).astype(float)
    one = paired_bootstrap({"x": hits, "same": hits.copy()}, np.arange(4000), n_resamples=2000, seed=0)
    np.testing.assert_array_equal(one["x"], one["same"])  # same draws: a method minus itself is exactly 0
    binomial = np.sqrt(hits.mean() * (1 - hits.mean()) / 4000)
    assert one["x"].std() == pytest.approx(binomial, rel=0.1)  # one query per group: the binomial error
    # five identical queries per group are one observation, not five: the error grows by sqrt(5)
    grouped = paired_bootstrap({"x": np.repeat(hits[:800], 5)}, np.repeat(np.arange(800), 5), n_resamples=2000)
    independent = np.sqrt(hits[:800].mean() * (1 - hits[:800].mean()) / 4000)
    assert grouped["x"].std() / independent == pytest.approx(np.sqrt(5), rel=0.1)


def test_paired_bootstrap_rejects_mismatched_shapes():
    from utils.metrics import paired_bootstrap

    with pytest.raises(ValueError, match="shape"):
        paired_bootstrap({"a": np.zeros(3)}, np.arange(4))
    with pytest.raises(ValueError, match="integer"):
        paired_bootstrap({"a": np.zeros(3)}, np.zeros(3))
