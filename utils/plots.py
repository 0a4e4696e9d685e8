"""Figures the notebooks show: image grids, query results, heatmaps, curves and bar charts.

Every function returns a titled, labelled `matplotlib.figure.Figure` and never calls `plt.show()`
itself, so it works headless (Agg) in tests and inline in Jupyter. `save(fig, path)` writes a PNG.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def _wrap(text: str, width: int) -> str:
    """Wrap a caption onto several short lines."""
    return "\n".join(textwrap.wrap(text, width)) or " "


def _as_hwc(image: np.ndarray) -> np.ndarray:
    """An (H, W, 3) image for imshow from HWC uint8 or CHW float input."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[0] == 3 and image.shape[-1] != 3:
        image = image.transpose(1, 2, 0)
    if image.dtype != np.uint8:
        image = np.clip(image, 0.0, 1.0)
    return image


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    captions: Sequence[str] | None = None,
    ncols: int = 4,
    title: str = "",
    wrap: int = 28,
    scale: float = 2.2,
) -> Figure:
    """A grid of images, each with an optional wrapped caption under it."""
    n = len(images)
    if n == 0:
        raise ValueError("image_grid needs at least one image")
    if captions is not None and len(captions) != n:
        raise ValueError(f"got {n} images but {len(captions)} captions")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    text_h = 0.55 if captions is not None else 0.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(scale * ncols, (scale + text_h) * nrows),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(_as_hwc(images[k]), interpolation="nearest")
            if captions is not None:
                ax.set_title(_wrap(captions[k], wrap), fontsize=8)
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def query_results(
    query: str | np.ndarray,
    results: Sequence[np.ndarray] | Sequence[str],
    scores: Sequence[float],
    correct: Sequence[bool],
    title: str = "",
) -> Figure:
    """A query (caption or image) and its top-k results, correct ones framed in green."""
    k = len(results)
    if not (len(scores) == len(correct) == k) or k == 0:
        raise ValueError("results, scores and correct must be non-empty and of equal length")
    text_query = isinstance(query, str)
    if text_query:  # caption -> images
        fig, axes = plt.subplots(1, k, figsize=(2.2 * k, 2.9), squeeze=False)
        for ax, image, s, ok in zip(axes[0], results, scores, correct, strict=True):
            ax.imshow(_as_hwc(image), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_edgecolor("tab:green" if ok else "tab:red")
                spine.set_linewidth(4 if ok else 1.5)
            ax.set_xlabel(f"score {s:.3g}" + ("  (correct)" if ok else ""), fontsize=8)
        fig.suptitle(title or f'Top-{k} images for "{query}"', fontsize=11)
    else:  # image -> captions
        fig, (ax_img, ax_txt) = plt.subplots(1, 2, figsize=(9, 2.9),
                                             gridspec_kw={"width_ratios": [1, 3]})
        ax_img.imshow(_as_hwc(query), interpolation="nearest")
        ax_img.axis("off")
        ax_img.set_title("query image", fontsize=9)
        ax_txt.axis("off")
        for r, (caption, s, ok) in enumerate(zip(results, scores, correct, strict=True)):
            mark = "✓" if ok else "✗"
            ax_txt.text(0.0, 1 - (r + 0.5) / k, f"{r + 1}. {mark} {caption}   (score {s:.3g})",
                        color="tab:green" if ok else "black", fontsize=9, va="center",
                        transform=ax_txt.transAxes)
        fig.suptitle(title or f"Top-{k} captions for the image", fontsize=11)
    fig.tight_layout()
    return fig


def similarity_heatmap(
    matrix: np.ndarray,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    title: str = "Similarity",
    xlabel: str = "",
    ylabel: str = "",
    cmap: str = "viridis",
    annotate: bool = False,
) -> Figure:
    """A heatmap of a (rows x cols) matrix with optional tick labels and cell values."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"similarity_heatmap needs a 2-d matrix, got shape {matrix.shape}")
    h, w = matrix.shape
    fig, ax = plt.subplots(figsize=(min(12, 1.5 + 0.45 * w), min(10, 1.2 + 0.4 * h)))
    im = ax.imshow(matrix, cmap=cmap, aspect="auto")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if col_labels is not None:
        ax.set_xticks(range(w), col_labels, rotation=60, ha="right", fontsize=8)
    if row_labels is not None:
        ax.set_yticks(range(h), row_labels, fontsize=8)
    if annotate:
        mid = (np.nanmax(matrix) + np.nanmin(matrix)) / 2
        for i in range(h):
            for j in range(w):
                ax.text(j, i, f"{matrix[i, j]:.2g}", ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] < mid else "black")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def training_curves(history: Sequence[Mapping[str, float]], title: str = "Training") -> Figure:
    """One panel per logged quantity (loss, metrics) against the epoch."""
    if not history:
        raise ValueError("training_curves needs at least one epoch of history")
    keys = [k for k in history[0] if k != "epoch"]
    fig, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 3.0), squeeze=False)
    epochs = [h.get("epoch", i + 1) for i, h in enumerate(history)]
    for ax, key in zip(axes[0], keys, strict=True):
        ax.plot(epochs, [h.get(key, np.nan) for h in history], marker="o")
        ax.set_title(key)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def group_bars(
    values: Mapping[str, Mapping[str, float]],
    title: str,
    ylabel: str,
    chance: float | None = None,
) -> Figure:
    """Grouped bars: values[method][group] (e.g. R@10 per query group for each model)."""
    methods = list(values)
    if not methods:
        raise ValueError("group_bars needs at least one method")
    groups = list(values[methods[0]])
    x = np.arange(len(groups))
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(groups), 3.6))
    for m, method in enumerate(methods):
        heights = [values[method].get(g, np.nan) for g in groups]
        bars = ax.bar(x + (m - (len(methods) - 1) / 2) * width, heights, width, label=method)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    if chance is not None:
        ax.axhline(chance, color="grey", linestyle="--", linewidth=1, label="chance")
    ax.set_xticks(x, groups)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def save(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Write a figure as PNG (creating folders) and close it; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path
