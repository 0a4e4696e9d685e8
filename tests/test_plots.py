"""utils.plots: every figure renders headless, is titled and labelled, and rejects bad input."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import plots  # noqa: E402

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(6, 16, 16, 3), dtype=np.uint8)


def _titles(fig):
    return [fig._suptitle.get_text() if fig._suptitle else ""] + [ax.get_title() for ax in fig.axes]


def test_image_grid_writes_png(tmp_path):
    fig = plots.image_grid(IMAGES, [f"caption {i}" for i in range(6)], ncols=3, title="Gallery")
    assert "Gallery" in _titles(fig)
    assert "caption 5" in _titles(fig)
    path = plots.save(fig, tmp_path / "grid.png")
    assert path.stat().st_size > 1000


def test_image_grid_checks_lengths():
    with pytest.raises(ValueError, match="6 images but 2 captions"):
        plots.image_grid(IMAGES, ["a", "b"])
    with pytest.raises(ValueError, match="at least one"):
        plots.image_grid([])


def test_query_results_both_directions(tmp_path):
    fig = plots.query_results("a red bird", list(IMAGES[:3]), [0.9, 0.5, 0.1], [False, True, False])
    assert any("a red bird" in t for t in _titles(fig))
    assert "(correct)" in fig.axes[1].get_xlabel()
    plots.save(fig, tmp_path / "t2i.png")
    fig = plots.query_results(IMAGES[0], ["a", "b"], [2.0, 1.0], [True, False])
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert texts[0].startswith("1. ✓ a")
    with pytest.raises(ValueError, match="equal length"):
        plots.query_results("q", ["a"], [1.0, 2.0], [True])


def test_heatmap_curves_and_bars(tmp_path):
    fig = plots.similarity_heatmap(RNG.random((3, 4)), ["r1", "r2", "r3"], list("abcd"),
                                   title="theta", xlabel="word", ylabel="colour bin", annotate=True)
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("theta", "word", "colour bin")
    with pytest.raises(ValueError, match="2-d"):
        plots.similarity_heatmap(np.zeros(3))
    fig = plots.training_curves([{"epoch": 1, "loss": 2.0, "R@1": 5.0}, {"epoch": 2, "loss": 1.0, "R@1": 9.0}])
    assert [a.get_title() for a in fig.axes] == ["loss", "R@1"]
    fig = plots.group_bars({"colour bins": {"colour": 40.0, "object": 2.0}, "random": {"colour": 1.0, "object": 1.0}},
                           title="R@10 by query group", ylabel="R@10 (%)", chance=1.0)
    assert fig.axes[0].get_ylabel() == "R@10 (%)"
    assert len(fig.axes[0].patches) == 4
    plots.save(fig, tmp_path / "bars.png")
