"""Notebook 06's solutions against PyTorch's own implementations and the lecture's numbers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.solution import solution_function

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "06_transformers" / "attention.ipynb"


def solution(name: str):
    """The solution's implementation of `name`."""
    return solution_function(name, NOTEBOOK)


def _qkv(lead: tuple[int, ...], lq: int, lk: int, dk: int, dv: int, seed: int, dtype=torch.float64):
    """Random queries, keys and values that require gradients."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*lead, n, d, generator=g, dtype=dtype).requires_grad_(True)
            for n, d in ((lq, dk), (lk, dk), (lk, dv))]


@pytest.mark.parametrize("mask_kind", ["none", "padding", "shared", "full", "empty rows"])
def test_attention_matches_scaled_dot_product_attention(mask_kind: str) -> None:
    attention = solution("attention")
    g = torch.Generator().manual_seed(1)
    masks = {
        "none": None,
        "padding": torch.tensor([True] * 5 + [False] * 2).reshape(1, 1, 1, 7).expand(2, 1, 1, 7),
        "shared": torch.rand(4, 7, generator=g) > 0.3,
        "full": torch.rand(2, 3, 4, 7, generator=g) > 0.5,
        "empty rows": torch.zeros(2, 3, 4, 7, dtype=torch.bool).index_fill_(-1, torch.tensor([0, 3]), True)
        .index_fill_(-2, torch.tensor([1]), False),
    }
    mask = masks[mask_kind]
    if mask is not None and mask_kind != "empty rows":
        mask = mask.clone()
        mask[..., 0] = True
    q, k, v = _qkv((2, 3), 4, 7, 8, 5, seed=2)
    q2, k2, v2 = (t.detach().clone().requires_grad_(True) for t in (q, k, v))
    out, weights = attention(q, k, v, mask)
    expected = F.scaled_dot_product_attention(q2, k2, v2, attn_mask=mask)
    torch.testing.assert_close(out, expected, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(weights.sum(-1)[weights.sum(-1) > 0],
                               torch.ones_like(weights.sum(-1)[weights.sum(-1) > 0]))
    grad = torch.randn(out.shape, generator=g, dtype=out.dtype)
    (out * grad).sum().backward()
    (expected * grad).sum().backward()
    for mine, theirs in ((q, q2), (k, k2), (v, v2)):
        torch.testing.assert_close(mine.grad, theirs.grad, rtol=1e-9, atol=1e-12)


def test_attention_rows_without_keys_are_zero_not_nan() -> None:
    attention = solution("attention")
    q, k, v = _qkv((), 3, 4, 2, 2, seed=3)
    mask = torch.tensor([[True, False, True, False], [False] * 4, [True] * 4])
    out, weights = attention(q, k, v, mask)
    assert torch.equal(weights[1], torch.zeros(4, dtype=weights.dtype))
    assert torch.equal(out[1], torch.zeros(2, dtype=out.dtype))
    out.sum().backward()
    assert all(torch.isfinite(t.grad).all() for t in (q, k, v))


def test_positional_encoding_matches_the_lecture_and_the_formula() -> None:
    positional_encoding = solution("positional_encoding")
    table = positional_encoding(4, 4, n=100)
    lecture = np.array([[0, 1, 0, 1], [0.84, 0.54, 0.10, 1.0], [0.91, -0.42, 0.20, 0.98],
                        [0.14, -0.99, 0.30, 0.96]])
    np.testing.assert_array_equal(np.round(table.numpy().astype(np.float64), 2), lecture)
    P = positional_encoding(300, 9, n=500)
    assert P.dtype == torch.float32 and P.shape == (300, 9)
    expected = [[(math.sin if j % 2 == 0 else math.cos)(k / 500 ** (2 * (j // 2) / 9)) for j in range(9)]
                for k in range(300)]
    np.testing.assert_allclose(P.numpy(), np.array(expected), rtol=0, atol=1e-7)


def test_mask_tokens_follows_bert_proportions_and_never_selects_specials() -> None:
    mask_tokens = solution("mask_tokens")
    ids = torch.randint(4, 500, (2000, 50), generator=torch.Generator().manual_seed(0))
    ids[:, 0], ids[:, 45:] = 3, 0
    before = ids.clone()
    inputs, labels = mask_tokens(ids, 500, [0, 1, 2, 3], 2, np.random.default_rng(1))
    assert torch.equal(ids, before)
    selected = labels != -100
    special = ids < 4
    assert not selected[special].any()
    assert torch.equal(inputs[~selected], ids[~selected]) and torch.equal(labels[selected], ids[selected])
    share = selected.sum().item() / (~special).sum().item()
    masked = (inputs[selected] == 2).float().mean().item()
    changed = ((inputs[selected] != 2) & (inputs[selected] != ids[selected])).float().mean().item()
    assert abs(share - 0.15) < 0.005 and abs(masked - 0.8) < 0.01 and abs(changed - 0.1) < 0.01
    assert (inputs[selected & (inputs != 2)] >= 4).all()
    again = mask_tokens(ids, 500, [0, 1, 2, 3], 2, np.random.default_rng(1))
    assert torch.equal(again[0], inputs) and torch.equal(again[1], labels)


@pytest.mark.parametrize(("d_model", "n_heads", "d_ff"), [(16, 4, 40), (12, 1, 24), (24, 8, 8)])
def test_encoder_block_matches_transformer_encoder_layer(d_model: int, n_heads: int, d_ff: int) -> None:
    block = solution("EncoderBlock")(d_model, n_heads, d_ff).double()
    g = torch.Generator().manual_seed(4)
    with torch.no_grad():
        for p in block.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.5)
    reference = nn.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True).double().train()
    with torch.no_grad():
        reference.self_attn.in_proj_weight.copy_(block.qkv.weight)
        reference.self_attn.in_proj_bias.copy_(block.qkv.bias)
        reference.self_attn.out_proj.weight.copy_(block.out.weight)
        reference.self_attn.out_proj.bias.copy_(block.out.bias)
        for mine, theirs in ((block.norm1, reference.norm1), (block.norm2, reference.norm2),
                             (block.mlp[0], reference.linear1), (block.mlp[2], reference.linear2)):
            theirs.weight.copy_(mine.weight)
            theirs.bias.copy_(mine.bias)
    x = torch.randn(3, 6, d_model, generator=g, dtype=torch.float64)
    pad = torch.arange(6)[None, :] < torch.tensor([6, 4, 1])[:, None]
    y, weights = block(x, pad)
    torch.testing.assert_close(y, reference(x, src_key_padding_mask=~pad), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(block(x)[0], reference(x), rtol=1e-10, atol=1e-10)
    assert weights.shape == (3, n_heads, 6, 6) and torch.equal(weights[2, :, :, 1:], torch.zeros(n_heads, 6, 5,
                                                                                               dtype=weights.dtype))


def _unfold_patches(images: torch.Tensor, patch: int) -> torch.Tensor:
    """Reference: torch.nn.functional.unfold on channels-first images, reordered to (p, p, C)."""
    n, _, _, c = images.shape
    cols = F.unfold(images.permute(0, 3, 1, 2).double(), kernel_size=patch, stride=patch)  # (N, C*p*p, L)
    return cols.reshape(n, c, patch, patch, -1).permute(0, 4, 2, 3, 1).reshape(n, -1, patch * patch * c)


@pytest.mark.parametrize(("shape", "patch"), [((2, 8, 8, 3), 4), ((3, 6, 10, 3), 2), ((1, 9, 6, 1), 3),
                                              ((2, 32, 32, 3), 8), ((1, 5, 5, 2), 5), ((2, 3, 4, 3), 1)])
def test_patchify_matches_unfold(shape: tuple[int, ...], patch: int) -> None:
    patchify = solution("patchify")
    images = torch.randint(0, 256, shape, generator=torch.Generator().manual_seed(5)).to(torch.uint8)
    out = patchify(images, patch)
    assert out.dtype == torch.uint8
    torch.testing.assert_close(out.double(), _unfold_patches(images, patch), rtol=0, atol=0)


def test_patchify_refuses_sizes_that_do_not_divide() -> None:
    patchify = solution("patchify")
    for shape in ((1, 10, 8, 3), (1, 8, 10, 3)):
        with pytest.raises(ValueError):
            patchify(torch.zeros(shape), 4)
