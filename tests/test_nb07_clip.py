"""Notebook 07's solutions against reference libraries: open_clip's ClipLoss (architecture only, no weights)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from autograder.solution import solution_function

open_clip_loss = pytest.importorskip("open_clip.loss")
NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "07_clip" / "clip.ipynb"


def _case(n: int, d: int, t: float, seed: int, dtype: torch.dtype = torch.float32):
    gen = torch.Generator().manual_seed(seed)
    image = (torch.randn(n, d, generator=gen, dtype=torch.float64) * 3).to(dtype).requires_grad_(True)
    text = (torch.randn(n, d, generator=gen, dtype=torch.float64) * 0.2).to(dtype).requires_grad_(True)
    return image, text, torch.tensor(t, dtype=dtype, requires_grad=True)


def _open_clip(image: torch.Tensor, text: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """open_clip's ClipLoss on normalised features, with the scale clamped at 100 as CLIP trains it."""
    return open_clip_loss.ClipLoss()(F.normalize(image, dim=-1), F.normalize(text, dim=-1), t.exp().clamp(max=100))


@pytest.mark.parametrize("n, d, t, dtype", [(8, 16, math.log(1 / 0.07), torch.float32), (1, 4, 1.0, torch.float32),
                                            (5, 3, math.log(300.0), torch.float32), (6, 32, -0.3, torch.float64),
                                            (64, 8, math.log(99.0), torch.float64)])
def test_clip_loss_equals_open_clip(n: int, d: int, t: float, dtype: torch.dtype) -> None:
    clip_loss = solution_function("clip_loss", NOTEBOOK)
    ours_in, theirs_in = _case(n, d, t, n + d, dtype), _case(n, d, t, n + d, dtype)
    ours, theirs = clip_loss(*ours_in), _open_clip(*theirs_in)
    assert ours.dtype == theirs.dtype == dtype and ours.shape == theirs.shape == ()
    ours.backward()
    theirs.backward()
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == torch.float32 else {"rtol": 1e-10, "atol": 1e-12}
    torch.testing.assert_close(ours, theirs, **tol)
    for a, b in zip(ours_in, theirs_in, strict=True):
        torch.testing.assert_close(a.grad, b.grad, **tol)


def test_hard_negative_loss_without_negatives_equals_open_clip() -> None:
    loss = solution_function("hard_negative_clip_loss", NOTEBOOK)
    image, text, t = _case(7, 5, 2.0, seed=3)
    torch.testing.assert_close(loss(image, text, torch.zeros(0, 5), t), _open_clip(image, text, t))


def test_hard_negative_loss_with_negatives_by_hand() -> None:
    """Negatives enter the image->text softmax only: open_clip's logits, widened by hand."""
    loss = solution_function("hard_negative_clip_loss", NOTEBOOK)
    image, text, t = _case(6, 4, 1.5, seed=5)
    negative = torch.randn(3, 4, generator=torch.Generator().manual_seed(9))
    scale = t.exp()
    per_image, per_text = open_clip_loss.ClipLoss().get_logits(
        F.normalize(image, dim=-1), F.normalize(text, dim=-1), scale)
    wide = torch.cat([per_image, scale * F.normalize(image, dim=-1) @ F.normalize(negative, dim=-1).T], dim=1)
    labels = torch.arange(6)
    want = (F.cross_entropy(wide, labels) + F.cross_entropy(per_text, labels)) / 2
    torch.testing.assert_close(loss(image, text, negative, t), want)
