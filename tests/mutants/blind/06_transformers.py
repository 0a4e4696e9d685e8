"""Blind variants of notebook 06 (transformers), written from the released notebook alone."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.mutation import alternative, mutant

# ---------------------------------------------------------------------------------------------
# Exercise 1 — attention
# ---------------------------------------------------------------------------------------------


@mutant("scales by sqrt(d_v) (v.shape[-1]) instead of sqrt(d_k)")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "`softmax(q k^T / sqrt(d_k))` over the last axis (the keys), with `d_k = q.shape[-1]`"
    scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("masks after the softmax and renormalises: equal in exact arithmetic, wrong when a masked key dominates")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "Mask *before* the softmax (fill masked scores with -inf, or with a very negative number), not after it"
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    if mask is not None:
        weights = weights * mask
        weights = weights / weights.sum(dim=-1, keepdim=True).clamp(min=torch.finfo(weights.dtype).tiny)
    return weights @ v, weights


@mutant("hand-made exp(scores) / sum: overflows for large scores")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "use `torch.softmax` (it subtracts the row maximum) rather than `exp(scores) / exp(scores).sum()`, which overflows"
    e = torch.exp(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]))
    if mask is not None:
        e = e * mask
    total = e.sum(dim=-1, keepdim=True)
    weights = torch.where(total > 0, e / total.clamp(min=1e-30), torch.zeros_like(e))
    return weights @ v, weights


@mutant("an empty row gives uniform weights (fill -1e9, no zeroing of rows without any allowed key)")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "A query row whose mask is `False` everywhere has nothing to attend to: its weights and its output are all zeros"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e9)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


@mutant("zeroes empty rows in the output only: their weights stay NaN")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "its weights and its output are all zeros (not NaN ...)"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = torch.nan_to_num(weights) @ v
    return out, weights


@mutant("the mask convention inverted: True means masked")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "**`True` means "may attend", `False` means "masked"**"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(mask.all(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("softmax in float32 whatever the input dtype (F.softmax(..., dtype=torch.float32))")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "Both have the dtype and device of `q` (float32 in, float32 out; float64 in, float64 out)."
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = F.softmax(scores, dim=-1, dtype=torch.float32)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v.to(weights.dtype), weights


@mutant("detaches the weights before multiplying by v (no gradient to q and k through the output)")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "Stay in PyTorch (no `.numpy()`, no `.detach()`): the hidden checks also compare the gradients"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights.detach() @ v, weights


@mutant("softmax over the queries (dim=-2)")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "softmax(q k^T / sqrt(d_k)) over the **last** axis (the keys)"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-2))
    return weights @ v, weights


@alternative("einsum, masked fill with the dtype's most negative value, empty rows zeroed with torch.where")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "fill masked scores with -inf, or with a very negative number"
    scores = torch.einsum("...qd,...kd->...qk", q, k) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = scores.softmax(dim=-1)
    if mask is not None:
        empty = ~mask.any(dim=-1, keepdim=True)
        weights = torch.where(empty, torch.zeros_like(weights), weights)
    return torch.einsum("...qk,...kd->...qd", weights, v), weights


@alternative("fill -1e9 (the text's 'very negative number'), then zero the empty rows with masked_fill")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "Mask *before* the softmax (fill masked scores with `-inf`, or with a very negative number)"
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not(), -1e9)
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(mask.logical_not().all(dim=-1, keepdim=True), 0.0)
    return torch.matmul(weights, v), weights


@alternative("-inf fill, then NaN rows of the softmax replaced by zeros with torch.nan_to_num")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "handle the edge case above *after* the softmax (e.g. `weights.masked_fill(...)`) so that no NaN reaches the output"
    scores = q @ k.transpose(-2, -1) * (1.0 / math.sqrt(q.shape[-1]))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return weights @ v, weights


@alternative("the output from F.scaled_dot_product_attention, the weights computed beside it")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "the convention of `torch.nn.functional.scaled_dot_product_attention`" ... "(not NaN — that is also what PyTorch returns)"
    output = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return output, weights


@mutant("an additive log-mask (scores + log(mask)): right values, but NaN gradients flow back from rows with no allowed key")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "the hidden checks also compare the gradients of `output` with respect to `q`, `k` and `v`" (PyTorch's are 0 there, not NaN)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + torch.log(mask.to(scores.dtype))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@alternative("float64 intermediates with an -inf fill, empty rows zeroed, cast back to the dtype of q")
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # "Both have the dtype and device of `q`" -- the intermediate precision is free
    dtype = q.dtype
    scores = (q.double() @ k.double().transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return (weights @ v.double()).to(dtype), weights.to(dtype)


# ---------------------------------------------------------------------------------------------
# Exercise 2 — positional_encoding
# ---------------------------------------------------------------------------------------------


@mutant("angles computed in float32 (off by ~1e-4 after a few thousand positions)")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "compute the angles k / n^{2i/d} in **float64** and cast the result to float32 at the end"
    k = torch.arange(n_positions, dtype=torch.float32)[:, None]
    i = (torch.arange(d) // 2).to(torch.float32)
    angles = k / (float(n) ** (2 * i / d))[None, :]
    j = torch.arange(d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles))


@mutant("angles in float64, but cast to float32 before the sin and cos")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "compute the angles ... in float64 and cast the result to float32 at the end"
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    i = (torch.arange(d) // 2).to(torch.float64)
    angles = (k / (float(n) ** (2 * i / d))[None, :]).float()
    j = torch.arange(d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles))


@mutant("all sines first, then all cosines (not interleaved)")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "**sin** in the even columns, **cos** in the odd ones, interleaved as in the formula (not all sines first)"
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    freq = float(n) ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = k * freq[None, :]
    out = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)[:, :d]
    return out.float()


@mutant("exponent j/d for column j (each column its own frequency) instead of 2*floor(j/2)/d")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "column j uses i = floor(j/2)" -- columns 2i and 2i+1 share a frequency
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (j.double() / d)[None, :]
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).float()


@mutant("positions start at 1")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "row k is position k = 0, 1, ..., n_positions - 1 (positions start at **0**)"
    k = torch.arange(1, n_positions + 1, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (2 * (j // 2).double() / d)[None, :]
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).float()


@mutant("odd d handled by computing d + 1 columns and dropping the last: frequencies of width d + 1")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "`d` may be **odd**: the last column is then a sine" (with i = floor(j/2) and the width d)
    width = d + d % 2
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(width)
    angles = k / float(n) ** (2 * (j // 2).double() / width)[None, :]
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles))[:, :d].float()


@mutant("returns the encodings on the notebook's device instead of the CPU (differs on a GPU grader)", needs="cuda")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "returns a `torch.Tensor` of shape `(n_positions, d)`, dtype **float32**, on the **CPU**"
    k = torch.arange(n_positions, dtype=torch.float64, device=device)[:, None]  # noqa: F821 (the notebook's global, on purpose)
    j = torch.arange(d, device=device)  # noqa: F821 (the notebook's global, on purpose)
    angles = k / float(n) ** (2 * (j // 2).double() / d)[None, :]
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).float()


@mutant("the base n ignored: always 10,000")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "`positional_encoding(n_positions, d, n=10000)`" -- n is the base of the frequencies
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / 10000.0 ** (2 * (j // 2).double() / d)[None, :]
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).float()


@alternative("exp(-log(n) * 2i / d) frequencies and strided column assignment, float64 then cast")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "Vectorise: one (n_positions, 1) column of positions times one (1, d) row of frequencies"
    pe = torch.zeros(n_positions, d, dtype=torch.float64)
    position = torch.arange(n_positions, dtype=torch.float64).unsqueeze(1)
    two_i = torch.arange(0, d, 2, dtype=torch.float64)
    freq = torch.exp(-math.log(n) * two_i / d)
    pe[:, 0::2] = torch.sin(position * freq)
    pe[:, 1::2] = torch.cos(position * freq[: d // 2])
    return pe.to(torch.float32)


@alternative("numpy float64, sin/cos stacked on a last axis, reshaped and cut to d columns")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "interleaved as in the formula" / "`d` may be odd: the last column is then a sine"
    half = (d + 1) // 2
    angles = np.arange(n_positions, dtype=np.float64)[:, None] / np.power(float(n), 2.0 * np.arange(half) / d)[None, :]
    both = np.stack([np.sin(angles), np.cos(angles)], axis=-1).reshape(n_positions, 2 * half)[:, :d]
    return torch.from_numpy(np.ascontiguousarray(both, dtype=np.float32))


@alternative("the cosine columns as sin(angle + pi/2) on the full angle matrix, float64 throughout")
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    # "P(k, 2i) = sin(k / n^{2i/d}), P(k, 2i+1) = cos(k / n^{2i/d})"
    j = torch.arange(d, dtype=torch.float64)
    i = torch.floor(j / 2)
    angles = torch.outer(torch.arange(n_positions, dtype=torch.float64), 1.0 / torch.pow(float(n), 2 * i / d))
    out = torch.empty(n_positions, d, dtype=torch.float64)
    out[:, 0::2] = torch.sin(angles[:, 0::2])
    out[:, 1::2] = torch.cos(angles[:, 1::2])
    return out.float().contiguous()


# ---------------------------------------------------------------------------------------------
# Exercise 3 — mask_tokens
# ---------------------------------------------------------------------------------------------


@mutant("draws the action before the selection (the order of the draws swapped)")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "three draws, in this order, each of the full shape ids.shape"
    x = ids.cpu().numpy().copy()
    action = rng.random(ids.shape)
    select = rng.random(ids.shape)
    cand = np.array([t for t in range(vocab_size) if t not in set(special_ids)])
    pick = rng.integers(0, len(cand), size=ids.shape)
    sel = (select < 0.15) & ~np.isin(x, list(special_ids))
    out = x.copy()
    out[sel & (action < 0.8)] = mask_id
    rnd = sel & (action >= 0.8) & (action < 0.9)
    out[rnd] = cand[pick[rnd]]
    labels = np.where(sel, x, -100)
    return torch.from_numpy(out).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("draws the random tokens only where they are needed (rng.integers of size = number of random positions)")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "three draws ... each of the full shape `ids.shape`, **always** (even where a draw is not needed)"
    x = ids.cpu().numpy().copy()
    select = rng.random(ids.shape)
    action = rng.random(ids.shape)
    cand = np.array([t for t in range(vocab_size) if t not in set(special_ids)])
    sel = (select < 0.15) & ~np.isin(x, list(special_ids))
    out = x.copy()
    out[sel & (action < 0.8)] = mask_id
    rnd = sel & (action >= 0.8) & (action < 0.9)
    out[rnd] = cand[rng.integers(0, len(cand), size=int(rnd.sum()))]
    labels = np.where(sel, x, -100)
    return torch.from_numpy(out).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("random replacements drawn from all ids 0..vocab_size-1 (special ids included)")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "special ids ... are never selected, and never used as random replacements"
    x = ids.cpu().numpy().copy()
    select = rng.random(ids.shape)
    action = rng.random(ids.shape)
    pick = rng.integers(0, vocab_size, size=ids.shape)
    sel = (select < 0.15) & ~np.isin(x, list(special_ids))
    out = x.copy()
    out[sel & (action < 0.8)] = mask_id
    rnd = sel & (action >= 0.8) & (action < 0.9)
    out[rnd] = pick[rnd]
    labels = np.where(sel, x, -100)
    return torch.from_numpy(out).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("np.isin(ids, special_ids) on a set: numpy sees one object, so no token counts as special")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "`special_ids`: a list, tuple or set of the special ids (they are never selected ...)"
    x = ids.cpu().numpy().copy()
    select = rng.random(ids.shape)
    action = rng.random(ids.shape)
    cand = np.array([t for t in range(vocab_size) if t not in special_ids])
    pick = rng.integers(0, len(cand), size=ids.shape)
    sel = (select < 0.15) & ~np.isin(x, special_ids)
    out = x.copy()
    out[sel & (action < 0.8)] = mask_id
    rnd = sel & (action >= 0.8) & (action < 0.9)
    out[rnd] = cand[pick[rnd]]
    labels = np.where(sel, x, -100)
    return torch.from_numpy(out).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("candidates listed in decreasing order (sorted(..., reverse=True))")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "`candidates` lists the non-special ids `0 … vocab_size - 1` in increasing order"
    x = ids.cpu().numpy().copy()
    select = rng.random(ids.shape)
    action = rng.random(ids.shape)
    cand = np.array(sorted(set(range(vocab_size)) - set(special_ids), reverse=True))
    pick = rng.integers(0, len(cand), size=ids.shape)
    sel = (select < 0.15) & ~np.isin(x, list(special_ids))
    out = x.copy()
    out[sel & (action < 0.8)] = mask_id
    rnd = sel & (action >= 0.8) & (action < 0.9)
    out[rnd] = cand[pick[rnd]]
    labels = np.where(sel, x, -100)
    return torch.from_numpy(out).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("the unchanged 10 % get the label -100 (only <mask> and random positions are labelled)")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "Note that the unchanged 10 % are still **selected**: their labels are their own ids."
    x = ids.cpu().numpy().copy()
    select = rng.random(ids.shape)
    action = rng.random(ids.shape)
    cand = np.array([t for t in range(vocab_size) if t not in set(special_ids)])
    pick = rng.integers(0, len(cand), size=ids.shape)
    sel = (select < 0.15) & ~np.isin(x, list(special_ids))
    out = x.copy()
    out[sel & (action < 0.8)] = mask_id
    rnd = sel & (action >= 0.8) & (action < 0.9)
    out[rnd] = cand[pick[rnd]]
    labels = np.where(sel & (action < 0.9), x, -100)
    return torch.from_numpy(out).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("replaces the tokens in place in ids (no copy)")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "does **not** change `ids` itself (work on a copy)"
    select = torch.from_numpy(rng.random(ids.shape)).to(ids.device)
    action = torch.from_numpy(rng.random(ids.shape)).to(ids.device)
    cand = torch.tensor([t for t in range(vocab_size) if t not in set(special_ids)], device=ids.device)
    pick = torch.from_numpy(rng.integers(0, len(cand), size=ids.shape)).to(ids.device)
    special = torch.isin(ids, torch.tensor(sorted(special_ids), dtype=ids.dtype, device=ids.device))
    sel = (select < 0.15) & ~special
    labels = torch.where(sel, ids, torch.full_like(ids, -100))
    rnd = sel & (action >= 0.8) & (action < 0.9)
    ids[sel & (action < 0.8)] = mask_id
    ids[rnd] = cand[pick[rnd]]
    return ids, labels


@mutant("returns CPU tensors whatever the device of ids (differs on a GPU grader)", needs="cuda")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "returns `inputs` ... and `labels` ..., both int64 tensors of the shape and **device** of `ids`"
    x = ids.cpu().numpy().copy()
    select = rng.random(ids.shape)
    action = rng.random(ids.shape)
    cand = np.array([t for t in range(vocab_size) if t not in set(special_ids)])
    pick = rng.integers(0, len(cand), size=ids.shape)
    sel = (select < 0.15) & ~np.isin(x, list(special_ids))
    out = x.copy()
    out[sel & (action < 0.8)] = mask_id
    rnd = sel & (action >= 0.8) & (action < 0.9)
    out[rnd] = cand[pick[rnd]]
    labels = np.where(sel, x, -100)
    return torch.from_numpy(out), torch.from_numpy(labels)


@mutant("selection only excludes <pad> (ids != 0), not the other special ids")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "a position is **selected** when `select < 0.15` and its token is not special"
    x = ids.cpu().numpy().copy()
    select = rng.random(ids.shape)
    action = rng.random(ids.shape)
    cand = np.array([t for t in range(vocab_size) if t not in set(special_ids)])
    pick = rng.integers(0, len(cand), size=ids.shape)
    sel = (select < 0.15) & (x != 0)
    out = x.copy()
    out[sel & (action < 0.8)] = mask_id
    rnd = sel & (action >= 0.8) & (action < 0.9)
    out[rnd] = cand[pick[rnd]]
    labels = np.where(sel, x, -100)
    return torch.from_numpy(out).to(ids.device), torch.from_numpy(labels).to(ids.device)


@alternative("torch bookkeeping: the three numpy draws turned into tensors, torch.where chains, torch.isin")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "Doing the bookkeeping in numpy is fine ..., and so is torch; draw the random numbers with `rng` either way."
    dev = ids.device
    shape = tuple(ids.shape)
    select = torch.from_numpy(np.asarray(rng.random(shape))).to(dev)
    action = torch.from_numpy(np.asarray(rng.random(shape))).to(dev)
    specials = torch.tensor(sorted(int(s) for s in special_ids), dtype=torch.int64, device=dev)
    everything = torch.arange(vocab_size, device=dev)
    candidates = everything[~torch.isin(everything, specials)]
    pick = torch.from_numpy(np.asarray(rng.integers(0, len(candidates), size=shape))).to(dev)
    chosen = (select < 0.15) & ~torch.isin(ids, specials)
    inputs = torch.where(chosen & (action < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(chosen & (action >= 0.8) & (action < 0.9), candidates[pick], inputs)
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    return inputs.to(torch.int64).clone(), labels.to(torch.int64)


@alternative("numpy with np.setdiff1d for the candidates and np.select for the three outcomes")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "`candidates` lists the non-special ids `0 … vocab_size - 1` in increasing order"
    orig = ids.detach().to("cpu").numpy().astype(np.int64)
    select, action = rng.random(orig.shape), rng.random(orig.shape)
    candidates = np.setdiff1d(np.arange(vocab_size), np.fromiter(special_ids, dtype=np.int64, count=len(special_ids)))
    pick = rng.integers(0, candidates.size, size=orig.shape)
    is_special = np.zeros(orig.shape, dtype=bool)
    for s in special_ids:
        is_special |= orig == s
    chosen = (select < 0.15) & ~is_special
    inputs = np.select([chosen & (action < 0.8), chosen & (action < 0.9)], [np.full_like(orig, mask_id), candidates[pick]],
                       default=orig)
    labels = np.where(chosen, orig, np.int64(-100))
    return torch.as_tensor(inputs, dtype=torch.int64, device=ids.device), torch.as_tensor(labels, dtype=torch.int64,
                                                                                          device=ids.device)


@alternative("flattened 1-D bookkeeping reshaped back; candidates by a lookup table built with a loop")
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids, mask_id: int,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # "`ids`: an int64 tensor of token ids of any shape (usually `(N, L)`)"
    shape = tuple(ids.shape)
    flat = ids.reshape(-1).cpu().numpy().copy()
    select = rng.random(shape).reshape(-1)
    action = rng.random(shape).reshape(-1)
    specials = set(int(s) for s in special_ids)
    lookup = []
    for token in range(vocab_size):
        if token not in specials:
            lookup.append(token)
    lookup = np.asarray(lookup, dtype=np.int64)
    pick = rng.integers(0, len(lookup), size=shape).reshape(-1)
    labels = np.full(flat.shape, -100, dtype=np.int64)
    inputs = flat.copy()
    for pos in np.flatnonzero(select < 0.15):
        if int(flat[pos]) in specials:
            continue
        labels[pos] = flat[pos]
        if action[pos] < 0.8:
            inputs[pos] = mask_id
        elif action[pos] < 0.9:
            inputs[pos] = lookup[pick[pos]]
    return (torch.from_numpy(inputs.reshape(shape)).to(ids.device), torch.from_numpy(labels.reshape(shape)).to(ids.device))


# ---------------------------------------------------------------------------------------------
# Exercise 4 — EncoderBlock
# ---------------------------------------------------------------------------------------------


@mutant("LayerNorm eps=1e-6 instead of PyTorch's default 1e-5")
class EncoderBlock(nn.Module):
    # "exactly these attributes ..., with PyTorch's default arguments"
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model, eps=1e-6)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h, dh = self.n_heads, d // self.n_heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(n, length, h, dh).transpose(1, 2) for t in (q, k, v))
        heads, weights = attention(q, k, v, None if pad_mask is None else pad_mask[:, None, None, :])
        x = x + self.out(heads.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("tanh-approximated GELU instead of the exact one")
class EncoderBlock(nn.Module):
    # "`nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))` ... (exact GELU, the default)"
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(approximate="tanh"), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h, dh = self.n_heads, d // self.n_heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(n, length, h, dh).transpose(1, 2) for t in (q, k, v))
        heads, weights = attention(q, k, v, None if pad_mask is None else pad_mask[:, None, None, :])
        x = x + self.out(heads.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("the number of heads taken from the notebook's N_HEADS, not from n_heads")
class EncoderBlock(nn.Module):
    # "and keep `n_heads` (e.g. as `self.n_heads`; `d_model` is a multiple of it)"
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h, dh = N_HEADS, d // N_HEADS  # noqa: F821 (the notebook's global, on purpose)
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(n, length, h, dh).transpose(1, 2) for t in (q, k, v))
        heads, weights = attention(q, k, v, None if pad_mask is None else pad_mask[:, None, None, :])
        x = x + self.out(heads.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("padded queries are masked too (mask = pad[:, None, :, None] & pad[:, None, None, :]): their rows become 0")
class EncoderBlock(nn.Module):
    # "no query may attend to a padding key (every query row, padding positions included, is computed as usual — only the keys are masked)"
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h, dh = self.n_heads, d // self.n_heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(n, length, h, dh).transpose(1, 2) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, :, None] & pad_mask[:, None, None, :]
        heads, weights = attention(q, k, v, mask)
        x = x + self.out(heads.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("heads own interleaved features (view (N, L, d_h, H)) instead of contiguous blocks")
class EncoderBlock(nn.Module):
    # "head h owns features `[h * d_h, (h + 1) * d_h)`"
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h, dh = self.n_heads, d // self.n_heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(n, length, dh, h).permute(0, 3, 1, 2) for t in (q, k, v))
        heads, weights = attention(q, k, v, None if pad_mask is None else pad_mask[:, None, None, :])
        x = x + self.out(heads.permute(0, 2, 3, 1).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@alternative("blind mutant 'does not call the notebook's attention: inline softmax for the heads (same numbers)', correct by the text once calling `attention` is the intended way, not a rule (the block is graded on its numbers, with a reference attention)")
class EncoderBlock(nn.Module):
    # "call **your `attention`** once for all heads"
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h, dh = self.n_heads, d // self.n_heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(n, length, h, dh).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
        if pad_mask is not None:
            scores = scores.masked_fill(~pad_mask[:, None, None, :], float("-inf"))
        weights = torch.nan_to_num(scores.softmax(dim=-1))
        x = x + self.out((weights @ v).transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("the residual added in place (x += ...): the caller's x is changed")
class EncoderBlock(nn.Module):
    # "apply `out`, add the residual" (x is an input: the block must not overwrite it)
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h, dh = self.n_heads, d // self.n_heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(n, length, h, dh).transpose(1, 2) for t in (q, k, v))
        heads, weights = attention(q, k, v, None if pad_mask is None else pad_mask[:, None, None, :])
        x += self.out(heads.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("post-norm on the second branch: y = LN2(h + MLP(h))")
class EncoderBlock(nn.Module):
    # "y = h + MLP(LN_2(h))" -- "Normalise the *input* of each branch, not the residual stream"
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h, dh = self.n_heads, d // self.n_heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(n, length, h, dh).transpose(1, 2) for t in (q, k, v))
        heads, weights = attention(q, k, v, None if pad_mask is None else pad_mask[:, None, None, :])
        x = x + self.out(heads.transpose(1, 2).reshape(n, length, d))
        return self.norm2(x + self.mlp(x)), weights


@alternative("qkv reshaped at once to (N, L, 3, H, d_h) and permuted; heads merged with flatten; n_heads stored as self.heads")
class EncoderBlock(nn.Module):
    # "keep `n_heads` (e.g. as `self.n_heads`" -- an e.g.: another attribute name is allowed
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(n, length, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        mask = pad_mask.reshape(n, 1, 1, length) if pad_mask is not None else None
        heads, weights = attention(qkv[0], qkv[1], qkv[2], mask=mask)
        h = x + self.out(heads.transpose(1, 2).flatten(2))
        return h + self.mlp(self.norm2(h)), weights


@alternative("modules created in another order (mlp first), chunk + unflatten for the heads, functional layer norms")
class EncoderBlock(nn.Module):
    # "exactly these attributes (their names become the keys of `state_dict()`)" -- names fixed, creation order free
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        self.norm2 = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.n_heads = n_heads

    def forward(self, x, pad_mask=None):
        d = x.shape[-1]
        normed = F.layer_norm(x, (d,), self.norm1.weight, self.norm1.bias, self.norm1.eps)
        q, k, v = self.qkv(normed).chunk(3, dim=-1)
        q, k, v = (t.unflatten(-1, (self.n_heads, d // self.n_heads)).transpose(1, 2) for t in (q, k, v))
        mask = None
        if pad_mask is not None:
            mask = pad_mask.unsqueeze(1).unsqueeze(1)
        heads, weights = attention(q, k, v, mask)
        h = x + self.out(heads.transpose(1, 2).reshape(x.shape))
        normed2 = F.layer_norm(h, (d,), self.norm2.weight, self.norm2.bias, self.norm2.eps)
        return h + self.mlp(normed2), weights


@alternative("explicit per-layer calls of the MLP, q/k/v sliced by index ranges, merged with permute + contiguous view")
class EncoderBlock(nn.Module):
    # "output features `[0, d)` are the queries, `[d, 2d)` the keys, `[2d, 3d)` the values"
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        h = self.n_heads
        dh = d // h
        proj = self.qkv(self.norm1(x))
        parts = [proj[..., s * d:(s + 1) * d].view(n, length, h, dh).permute(0, 2, 1, 3) for s in range(3)]
        heads, weights = attention(parts[0], parts[1], parts[2], None if pad_mask is None else pad_mask[:, None, None])
        merged = heads.permute(0, 2, 1, 3).contiguous().view(n, length, d)
        res = x + self.out(merged)
        z = self.mlp[0](self.norm2(res))
        z = self.mlp[2](self.mlp[1](z))
        return res + z, weights


# ---------------------------------------------------------------------------------------------
# Exercise 5 — patchify
# ---------------------------------------------------------------------------------------------


@mutant("checks only the width: an image height that is not a multiple of the patch is cut silently or fails later")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "`H` and `W` must both be multiples of `patch`; otherwise **raise `ValueError`** (never crop silently)"
    n, height, width, c = images.shape
    if width % patch:
        raise ValueError("width is not a multiple of the patch")
    rows, cols = height // patch, width // patch
    x = images[:, : rows * patch].reshape(n, rows, patch, cols, patch, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(n, rows * cols, patch * patch * c)


@mutant("checks that H*W is a multiple of patch*patch instead of each side")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "`H` and `W` must both be multiples of `patch`; otherwise **raise `ValueError`**"
    n, height, width, c = images.shape
    if (height * width) % (patch * patch):
        raise ValueError("the image is not a whole number of patches")
    x = images.reshape(n, height // patch, patch, width // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(n, (height // patch) * (width // patch), patch * patch * c)


@mutant("column-major patch order (patch-columns first)")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "patch number `r * (W/p) + c` is the one in patch-row `r`, patch-column `c`"
    n, height, width, c = images.shape
    if height % patch or width % patch:
        raise ValueError("not a multiple of the patch")
    x = images.reshape(n, height // patch, patch, width // patch, patch, c).permute(0, 3, 1, 2, 4, 5)
    return x.reshape(n, (height // patch) * (width // patch), patch * patch * c)


@mutant("channels first inside a patch (C, p, p), as unfold leaves them")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "inside a patch the numbers are in row-major pixel order with the channels last"
    n, height, width, c = images.shape
    if height % patch or width % patch:
        raise ValueError("not a multiple of the patch")
    x = images.unfold(1, patch, patch).unfold(2, patch, patch)   # (N, H/p, W/p, C, p, p)
    return x.reshape(n, (height // patch) * (width // patch), c * patch * patch)


@mutant("pixels read column-major inside a patch (b before a)")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "entry `(a * p + b) * C + ch` of patch `(r, c)` is `images[n, r*p + a, c*p + b, ch]`"
    n, height, width, c = images.shape
    if height % patch or width % patch:
        raise ValueError("not a multiple of the patch")
    x = images.reshape(n, height // patch, patch, width // patch, patch, c).permute(0, 1, 3, 4, 2, 5)
    return x.reshape(n, (height // patch) * (width // patch), patch * patch * c)


@mutant("converts the images to float32 (dtype not kept)")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "returns `(N, (H/p)·(W/p), p·p·C)`, same dtype and device as `images`"
    n, height, width, c = images.shape
    if height % patch or width % patch:
        raise ValueError("not a multiple of the patch")
    x = images.float().reshape(n, height // patch, patch, width // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(n, (height // patch) * (width // patch), patch * patch * c)


@mutant("raises with assert (AssertionError) instead of ValueError")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "otherwise **raise `ValueError`**"
    n, height, width, c = images.shape
    assert height % patch == 0 and width % patch == 0, "not a multiple of the patch"
    x = images.reshape(n, height // patch, patch, width // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(n, (height // patch) * (width // patch), patch * patch * c)


@alternative("two unfolds, then a permute to put the channels last inside each patch")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "exactly `images[n, r*p:(r+1)*p, c*p:(c+1)*p, :].reshape(-1)`"
    n, height, width, c = images.shape
    if height % patch != 0 or width % patch != 0:
        raise ValueError(f"image size {height}x{width} is not a multiple of patch {patch}")
    tiles = images.unfold(1, patch, patch).unfold(2, patch, patch)      # (N, H/p, W/p, C, p, p)
    tiles = tiles.permute(0, 1, 2, 4, 5, 3)                             # (N, H/p, W/p, p, p, C)
    return tiles.reshape(n, (height // patch) * (width // patch), patch * patch * c)


@alternative("view into (N, H/p, p, W/p, p*C) and transpose(2, 3): the inner (p, C) stays together")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "Use one `reshape`, one `permute` and one more `reshape`" -- a transpose of two axes does the same
    n, height, width, c = images.shape
    rows, rem_h = divmod(height, patch)
    cols, rem_w = divmod(width, patch)
    if rem_h or rem_w:
        raise ValueError("H and W must be multiples of patch")
    x = images.reshape(n, rows, patch, cols, patch * c).transpose(2, 3)
    return x.reshape(n, rows * cols, patch * patch * c)


@alternative("movedim instead of permute, shape checks with explicit comparisons")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "no Python loop over patches"
    n, height, width, c = images.shape
    if height // patch * patch != height or width // patch * patch != width:
        raise ValueError("images must be a whole number of patches high and wide")
    x = images.reshape(n, height // patch, patch, width // patch, patch, c)
    x = torch.movedim(x, 3, 2)
    return x.flatten(3).flatten(1, 2)


@alternative("the usual final reshape with -1 for the number of patches (breaks only on an empty batch, N = 0)")
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    # "returns `(N, (H/p)·(W/p), p·p·C)`" -- nothing says N may be 0
    n, height, width, c = images.shape
    if height % patch or width % patch:
        raise ValueError(f"H={height} and W={width} must be multiples of patch={patch}")
    x = images.reshape(n, height // patch, patch, width // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(n, -1, patch * patch * c)


# ---- round 2 (a second blind author, after the first round's fixes) ----


# ----------------------------------------------------------------------------------------------
# Exercise 1 - attention
# ----------------------------------------------------------------------------------------------

@mutant("scores divided by sqrt(d_v) = sqrt(v.shape[-1]) instead of sqrt(d_k)")
def attention(q, k, v, mask=None):
    # "softmax(q k^T / sqrt(d_k)) over the last axis (the keys), with d_k = q.shape[-1]"
    scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("softmax first, then zero the masked weights and renormalise: underflows when masked scores dominate")
def attention(q, k, v, mask=None):
    # "Mask *before* the softmax, not after it" / "Scores can be large"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights * mask.to(weights.dtype)
        total = weights.sum(-1, keepdim=True)
        weights = torch.where(total > 0, weights / total.clamp_min(torch.finfo(weights.dtype).tiny),
                              torch.zeros_like(weights))
    return weights @ v, weights


@mutant("hand-written softmax exp(s) / sum exp(s) without subtracting the row maximum (overflows)")
def attention(q, k, v, mask=None):
    # "Scores can be large; use torch.softmax (it subtracts the row maximum) rather than
    #  exp(scores) / exp(scores).sum(), which overflows."
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    e = torch.exp(scores)
    total = e.sum(-1, keepdim=True)
    weights = torch.where(total > 0, e / torch.where(total > 0, total, torch.ones_like(total)), torch.zeros_like(e))
    return weights @ v, weights


@mutant("Hugging-Face-style fill value -10000 (not -inf / finfo.min): masked keys keep weight when scores are large")
def attention(q, k, v, mask=None):
    # "Fill the masked scores ... with -inf, or with a number so negative that its exponential
    #  is exactly 0, such as torch.finfo(scores.dtype).min"; "a masked position gets weight exactly 0"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, -10000.0)
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("adds a 0 / -inf mask to the scores and repairs the NaN rows after the softmax (NaN gradients)")
def attention(q, k, v, mask=None):
    # "Do not *add* a mask of 0s and -infs to the scores: ... its NaN still flows back through the
    #  addition into the gradients of q and k."
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        additive = torch.zeros(mask.shape, dtype=scores.dtype, device=scores.device).masked_fill(~mask, float("-inf"))
        scores = scores + additive
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return weights @ v, weights


@mutant("fills with finfo.min but never zeroes a row with no allowed key (uniform weights there)")
def attention(q, k, v, mask=None):
    # "A query row whose mask is False everywhere has nothing to attend to: its weights and its
    #  output are all zeros"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


@mutant("transposes k with transpose(2, 3) when batched: only 0 or 2 leading dimensions work")
def attention(q, k, v, mask=None):
    # "the same leading dimensions ... (any number of them, including none: (Lq, d_k) works too)"
    kt = k.T if k.dim() == 2 else k.transpose(2, 3)
    scores = q @ kt / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("softmax forced to float32: float64 inputs give float32 weights and output")
def attention(q, k, v, mask=None):
    # "Both have the dtype and device of q (float32 in, float32 out; float64 in, float64 out)."
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1, dtype=torch.float32)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(-1, keepdim=True), 0.0)
    return weights @ v.to(weights.dtype), weights


@mutant("the zeros for rows without keys are made on the CPU (torch.zeros(shape) without device)", needs="cuda")
def attention(q, k, v, mask=None):
    # "Both have the dtype and device of q"; "your functions must work on whatever device is"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is None:
        weights = torch.softmax(scores, dim=-1)
    else:
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        empty = ~mask.any(-1, keepdim=True)
        if bool(empty.any()):
            weights = torch.where(empty, torch.zeros(weights.shape, dtype=weights.dtype), weights)
    return weights @ v, weights


@mutant("returns the weights detached (only the output keeps its graph)")
def attention(q, k, v, mask=None):
    # "Stay in PyTorch (no .numpy(), no .detach())"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(-1, keepdim=True), 0.0)
    return weights @ v, weights.detach()


@alternative("einsum scores, torch.where fill with -inf, NaN rows cleared with nan_to_num")
def attention(q, k, v, mask=None):
    # "Fill the masked scores (masked_fill or torch.where) with -inf"; "handle the edge case above
    #  after the softmax ... so that no NaN reaches the output" (nan_to_num's gradient is 0 at the NaNs)
    scores = torch.einsum("...qd,...kd->...qk", q, k) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = torch.where(mask, scores, torch.tensor(float("-inf"), dtype=scores.dtype, device=scores.device))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    output = torch.einsum("...qk,...kd->...qd", weights, v)
    return output, weights


@alternative("q scaled first, fill with finfo.min, then weights multiplied by the mask")
def attention(q, k, v, mask=None):
    # "with a number so negative that its exponential is exactly 0, such as
    #  torch.finfo(scores.dtype).min"; a row without keys is then uniform and the product with the
    #  mask makes it 0 (and every masked weight stays exactly 0)
    scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)
    if mask is None:
        return torch.softmax(scores, -1) @ v, torch.softmax(scores, -1)
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores, -1) * mask.to(scores.dtype)
    return weights @ v, weights


@alternative("hand-written stable softmax: subtract the row max, exp, zero masked, clamp the denominator")
def attention(q, k, v, mask=None):
    # "use torch.softmax (it subtracts the row maximum) rather than exp(scores) / exp(scores).sum()"
    #  - this one subtracts the maximum too
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    if mask is not None:
        e = e * mask
    weights = e / e.sum(dim=-1, keepdim=True).clamp_min(torch.finfo(e.dtype).tiny)
    return weights @ v, weights


@alternative("leading dimensions flattened to one batch axis, torch.bmm, mask broadcast_to the scores")
def attention(q, k, v, mask=None):
    # "q: (..., Lq, d_k) ... with the same leading dimensions ... (any number of them, including none)"
    lead = q.shape[:-2]
    Lq, dk = q.shape[-2:]
    Lk, dv = k.shape[-2], v.shape[-1]
    q3, k3, v3 = q.reshape(-1, Lq, dk), k.reshape(-1, Lk, dk), v.reshape(-1, Lk, v.shape[-1])
    scores = torch.bmm(q3, k3.transpose(1, 2)) / math.sqrt(dk)
    if mask is not None:
        m3 = torch.broadcast_to(mask, (*lead, Lq, Lk)).reshape(-1, Lq, Lk)
        scores = scores.masked_fill(m3.logical_not(), float("-inf"))
        weights = torch.softmax(scores, dim=2)
        weights = torch.where(m3.any(dim=2, keepdim=True), weights, torch.zeros_like(weights))
    else:
        weights = torch.softmax(scores, dim=2)
    out = torch.bmm(weights, v3)
    return out.reshape(*lead, Lq, dv), weights.reshape(*lead, Lq, Lk)


@alternative("scores and softmax in float64, cast back to q's dtype at the end")
def attention(q, k, v, mask=None):
    # "Both have the dtype and device of q (float32 in, float32 out; float64 in, float64 out)."
    q64, k64, v64 = q.double(), k.double(), v.double()
    scores = q64 @ k64.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return (weights @ v64).to(q.dtype), weights.to(q.dtype)


@alternative("weights by hand (finite additive mask), output from F.scaled_dot_product_attention")
def attention(q, k, v, mask=None):
    # "check it against PyTorch's own"; "(PyTorch 2.14's scaled_dot_product_attention returns zeros
    #  there too)"; the text's warning is about adding 0s and -infs, this adds finfo.min
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + (~mask).to(scores.dtype) * torch.finfo(scores.dtype).min
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(-1, keepdim=True), 0.0)
    output = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return output, weights


# ----------------------------------------------------------------------------------------------
# Exercise 2 - positional_encoding
# ----------------------------------------------------------------------------------------------

@mutant("the tutorial code: positions and frequencies in float32 (angles off by ~1e-4 at thousands of positions)")
def positional_encoding(n_positions, d, n=10000):
    # "compute the angles k / n^{2i/d} in float64 and cast the result to float32 at the end"
    position = torch.arange(n_positions, dtype=torch.float32).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(n) / d))
    pe = torch.zeros(n_positions, d)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[: d // 2])
    return pe


@mutant("frequencies n^(2i/d) computed in float32, only the product k / freq in float64")
def positional_encoding(n_positions, d, n=10000):
    # "compute the angles k / n^{2i/d} in float64 and cast the result to float32 at the end"
    freq = (n ** (torch.arange(0, d, 2, dtype=torch.float32) / d)).double()
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]
    pe = torch.zeros(n_positions, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos / freq)
    pe[:, 1::2] = torch.cos(pos / freq[: d // 2])
    return pe.float()


@mutant("positions start at 1")
def positional_encoding(n_positions, d, n=10000):
    # "row k is position k = 0, 1, ..., n_positions - 1 (positions start at 0)"
    pos = torch.arange(1, n_positions + 1, dtype=torch.float64)[:, None]
    i = torch.arange(d, dtype=torch.float64) // 2
    angles = pos / n ** (2 * i / d)
    pe = torch.where(torch.arange(d) % 2 == 0, torch.sin(angles), torch.cos(angles))
    return pe.float()


@mutant("all sines first, then all cosines (not interleaved)")
def positional_encoding(n_positions, d, n=10000):
    # "sin in the even columns, cos in the odd ones, interleaved as in the formula (not all sines first)"
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]
    freq = n ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = pos / freq
    pe = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)[:, :d]
    return pe.float()


@mutant("exponent j/d with the column index j instead of 2i/d with i = j // 2")
def positional_encoding(n_positions, d, n=10000):
    # "column j uses i = floor(j/2)"
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d, dtype=torch.float64)
    angles = pos / n ** (j / d)
    pe = torch.where(torch.arange(d) % 2 == 0, torch.sin(angles), torch.cos(angles))
    return pe.float()


@mutant("odd d: computed for the even width d + 1 and the last column cut off")
def positional_encoding(n_positions, d, n=10000):
    # "d may be odd: the last column is then a sine" (of the formula with this d)
    de = d + d % 2
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]
    freq = n ** (torch.arange(0, de, 2, dtype=torch.float64) / de)
    pe = torch.stack([torch.sin(pos / freq), torch.cos(pos / freq)], dim=-1).reshape(n_positions, de)
    return pe[:, :d].float()


@mutant("returns float64 (the final cast to float32 forgotten)")
def positional_encoding(n_positions, d, n=10000):
    # "returns a torch.Tensor of shape (n_positions, d), dtype float32"
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]
    i = torch.arange(d, dtype=torch.float64) // 2
    angles = pos / n ** (2 * i / d)
    return torch.where(torch.arange(d) % 2 == 0, torch.sin(angles), torch.cos(angles))


@mutant("the table is built on the notebook's device instead of the CPU", needs="cuda")
def positional_encoding(n_positions, d, n=10000):
    # "dtype float32, on the CPU (a model registers it as a buffer, and .to(device) moves it)"
    pos = torch.arange(n_positions, dtype=torch.float64, device=device)[:, None]  # noqa: F821 (the notebook's global, on purpose)
    i = torch.arange(d, dtype=torch.float64, device=device) // 2  # noqa: F821 (the notebook's global, on purpose)
    angles = pos / n ** (2 * i / d)
    parity = torch.arange(d, device=device) % 2 == 0  # noqa: F821 (the notebook's global, on purpose)
    return torch.where(parity, torch.sin(angles), torch.cos(angles)).float()


@mutant("a Python loop over positions (exact values, but not vectorised)")
def positional_encoding(n_positions, d, n=10000):
    # "Vectorise: one (n_positions, 1) column of positions times one (1, d) row of frequencies,
    #  no Python loop over positions."
    rows = []
    for pos in range(n_positions):
        rows.append([math.sin(pos / n ** (2 * (j // 2) / d)) if j % 2 == 0 else math.cos(pos / n ** (2 * (j // 2) / d))
                     for j in range(d)])
    return torch.tensor(rows, dtype=torch.float64).reshape(n_positions, d).float()


@alternative("exp(-log(n) * 2i/d) frequencies in float64, even/odd columns filled by slicing")
def positional_encoding(n_positions, d, n=10000):
    # "compute the angles k / n^{2i/d} in float64"; 1 / n^{2i/d} = exp(-(2i/d) log n)
    position = torch.arange(n_positions, dtype=torch.float64).unsqueeze(1)
    inv_freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(n) / d))
    pe = torch.zeros(n_positions, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(position * inv_freq)
    pe[:, 1::2] = torch.cos(position * inv_freq[: d // 2])
    return pe.to(torch.float32)


@alternative("numpy float64 outer product, torch.from_numpy at the end")
def positional_encoding(n_positions, d, n=10000):
    # "compute the angles ... in float64 and cast the result to float32 at the end"
    k = np.arange(n_positions, dtype=np.float64)[:, None]
    i = np.arange(d) // 2
    angles = k / np.power(float(n), 2.0 * i / d)[None, :]
    pe = np.where(np.arange(d) % 2 == 0, np.sin(angles), np.cos(angles))
    return torch.from_numpy(pe.astype(np.float32).reshape(n_positions, d))


@alternative("complex rotation: polar(1, angle) gives (cos, sin), interleaved as (sin, cos) and cut to d")
def positional_encoding(n_positions, d, n=10000):
    # "Each pair of columns (2i, 2i+1) is a point going round a circle at its own speed"
    half = (d + 1) // 2
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    angles = k * torch.pow(torch.tensor(float(n), dtype=torch.float64),
                           -2.0 * torch.arange(half, dtype=torch.float64) / d)
    z = torch.polar(torch.ones_like(angles), angles)          # cos + i sin
    pairs = torch.view_as_real(z).flip(-1)                     # (..., 2): (sin, cos)
    return pairs.reshape(n_positions, 2 * half)[:, :d].float()


@alternative("outer product with torch.outer and a parity phase: cos(x) = sin(x + pi/2)")
def positional_encoding(n_positions, d, n=10000):
    # "sin in the even columns, cos in the odd ones"
    j = torch.arange(d, dtype=torch.float64)
    freq = 1.0 / torch.tensor(float(n), dtype=torch.float64) ** (2 * torch.div(j, 2, rounding_mode="floor") / d)
    angles = torch.outer(torch.arange(n_positions, dtype=torch.float64), freq)
    return torch.sin(angles + (j % 2) * (math.pi / 2)).float()


# ----------------------------------------------------------------------------------------------
# Exercise 3 - mask_tokens
# ----------------------------------------------------------------------------------------------

@mutant("draws action and pick only for the selected positions (not of the full shape)")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "three draws, in this order, each of the full shape ids.shape, always (even where a draw is not needed)"
    arr = ids.cpu().numpy().copy()
    specials = set(special_ids)
    candidates = np.array([t for t in range(vocab_size) if t not in specials])
    selected = (rng.random(arr.shape) < 0.15) & ~np.isin(arr, list(specials))
    labels = np.where(selected, arr, -100)
    n = int(selected.sum())
    action = rng.random(n)
    pick = rng.integers(0, len(candidates), size=n)
    chosen = arr[selected]
    chosen = np.where(action < 0.8, mask_id, np.where(action < 0.9, candidates[pick], chosen))
    arr[selected] = chosen
    return torch.from_numpy(arr).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("random replacements drawn from the whole vocabulary, special ids included")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "candidates lists the non-special ids 0 ... vocab_size - 1"; special ids are "never used as random replacements"
    arr = ids.cpu().numpy().copy()
    select = rng.random(arr.shape)
    action = rng.random(arr.shape)
    pick = rng.integers(0, vocab_size, size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, list(special_ids))
    labels = np.where(selected, arr, -100)
    arr = np.where(selected & (action < 0.8), mask_id, arr)
    arr = np.where(selected & (action >= 0.8) & (action < 0.9), pick, arr)
    return torch.from_numpy(arr).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("assumes the special ids are the first ones: candidates = len(special_ids) ... vocab_size - 1")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "candidates lists the non-special ids 0 ... vocab_size - 1 in increasing order" (whatever the special ids are)
    arr = ids.cpu().numpy().copy()
    candidates = np.arange(len(special_ids), vocab_size)
    select = rng.random(arr.shape)
    action = rng.random(arr.shape)
    pick = rng.integers(0, len(candidates), size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, list(special_ids))
    labels = np.where(selected, arr, -100)
    arr = np.where(selected & (action < 0.8), mask_id, arr)
    arr = np.where(selected & (action >= 0.8) & (action < 0.9), candidates[pick], arr)
    return torch.from_numpy(arr).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("uses the notebook's MASK_ID instead of the mask_id argument")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "mask_id: the id of <mask>"; "a selected position becomes mask_id when action < 0.8"
    arr = ids.cpu().numpy().copy()
    specials = set(special_ids)
    candidates = np.array([t for t in range(vocab_size) if t not in specials])
    select = rng.random(arr.shape)
    action = rng.random(arr.shape)
    pick = rng.integers(0, len(candidates), size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, list(specials))
    labels = np.where(selected, arr, -100)
    arr = np.where(selected & (action < 0.8), MASK_ID, arr)  # noqa: F821 (the notebook's global, on purpose)
    arr = np.where(selected & (action >= 0.8) & (action < 0.9), candidates[pick], arr)
    return torch.from_numpy(arr).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("uses the notebook's SPECIAL_IDS instead of the special_ids argument")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "special_ids: a list, tuple or set of the special ids (they are never selected, and never used as random replacements)"
    arr = ids.cpu().numpy().copy()
    candidates = np.array([t for t in range(vocab_size) if t not in SPECIAL_IDS])  # noqa: F821 (the notebook's global, on purpose)
    select = rng.random(arr.shape)
    action = rng.random(arr.shape)
    pick = rng.integers(0, len(candidates), size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, SPECIAL_IDS)  # noqa: F821 (the notebook's global, on purpose)
    labels = np.where(selected, arr, -100)
    arr = np.where(selected & (action < 0.8), mask_id, arr)
    arr = np.where(selected & (action >= 0.8) & (action < 0.9), candidates[pick], arr)
    return torch.from_numpy(arr).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("unpacks N, L = ids.shape: only 2-D ids work")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "ids: an int64 tensor of token ids of any shape (usually (N, L))"
    N, L = ids.shape
    arr = ids.cpu().numpy().copy()
    specials = set(special_ids)
    candidates = np.array([t for t in range(vocab_size) if t not in specials])
    select = rng.random((N, L))
    action = rng.random((N, L))
    pick = rng.integers(0, len(candidates), size=(N, L))
    selected = (select < 0.15) & ~np.isin(arr, list(specials))
    labels = np.where(selected, arr, -100)
    arr = np.where(selected & (action < 0.8), mask_id, arr)
    arr = np.where(selected & (action >= 0.8) & (action < 0.9), candidates[pick], arr)
    return torch.from_numpy(arr).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("the unchanged 10 % get label -100 (only replaced tokens are labelled)")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "Note that the unchanged 10 % are still selected: their labels are their own ids."
    arr = ids.cpu().numpy().copy()
    specials = set(special_ids)
    candidates = np.array([t for t in range(vocab_size) if t not in specials])
    select = rng.random(arr.shape)
    action = rng.random(arr.shape)
    pick = rng.integers(0, len(candidates), size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, list(specials))
    replaced = selected & (action < 0.9)
    labels = np.where(replaced, arr, -100)
    arr = np.where(selected & (action < 0.8), mask_id, arr)
    arr = np.where(selected & (action >= 0.8) & (action < 0.9), candidates[pick], arr)
    return torch.from_numpy(arr).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("edits the numpy view of ids (ids.cpu().numpy() shares memory on the CPU)")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "does not change ids itself (work on a copy)"
    arr = ids.cpu().numpy()
    specials = set(special_ids)
    candidates = np.array([t for t in range(vocab_size) if t not in specials])
    select = rng.random(arr.shape)
    action = rng.random(arr.shape)
    pick = rng.integers(0, len(candidates), size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, list(specials))
    labels = np.where(selected, arr, -100)
    arr[selected & (action < 0.8)] = mask_id
    rand = selected & (action >= 0.8) & (action < 0.9)
    arr[rand] = candidates[pick[rand]]
    return torch.from_numpy(arr.copy()).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("returns CPU tensors (no .to(ids.device))", needs="cuda")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "both int64 tensors of the shape and device of ids"
    arr = ids.cpu().numpy().copy()
    specials = set(special_ids)
    candidates = np.array([t for t in range(vocab_size) if t not in specials])
    select = rng.random(arr.shape)
    action = rng.random(arr.shape)
    pick = rng.integers(0, len(candidates), size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, list(specials))
    labels = np.where(selected, arr, -100)
    arr = np.where(selected & (action < 0.8), mask_id, arr)
    arr = np.where(selected & (action >= 0.8) & (action < 0.9), candidates[pick], arr)
    return torch.from_numpy(arr), torch.from_numpy(labels)


@mutant("uniform draws in float32 (rng.random(shape, dtype=np.float32)): another random stream")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "use it exactly like this ... select = rng.random(ids.shape)"
    arr = ids.cpu().numpy().copy()
    specials = set(special_ids)
    candidates = np.array([t for t in range(vocab_size) if t not in specials])
    select = rng.random(arr.shape, dtype=np.float32)
    action = rng.random(arr.shape, dtype=np.float32)
    pick = rng.integers(0, len(candidates), size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, list(specials))
    labels = np.where(selected, arr, -100)
    arr = np.where(selected & (action < 0.8), mask_id, arr)
    arr = np.where(selected & (action >= 0.8) & (action < 0.9), candidates[pick], arr)
    return torch.from_numpy(arr).to(ids.device), torch.from_numpy(labels).to(ids.device)


@alternative("torch bookkeeping: the three numpy draws moved to ids.device, torch.isin / torch.where")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "Doing the bookkeeping in numpy is fine ..., and so is torch; draw the random numbers with rng either way."
    special = torch.tensor(sorted(special_ids), dtype=torch.int64, device=ids.device)
    everything = torch.arange(vocab_size, device=ids.device)
    candidates = everything[~torch.isin(everything, special)]
    select = torch.from_numpy(rng.random(tuple(ids.shape))).to(ids.device)
    action = torch.from_numpy(rng.random(tuple(ids.shape))).to(ids.device)
    pick = torch.from_numpy(rng.integers(0, len(candidates), size=tuple(ids.shape))).to(ids.device)
    selected = (select < 0.15) & ~torch.isin(ids, special)
    labels = torch.where(selected, ids, torch.full_like(ids, -100))
    inputs = ids.clone()
    inputs = torch.where(selected & (action < 0.8), torch.full_like(ids, mask_id), inputs)
    inputs = torch.where(selected & (action >= 0.8) & (action < 0.9), candidates[pick], inputs)
    return inputs, labels


@alternative("random tokens with rng.choice(candidates, size=shape) (the same integers draw inside)")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "pick = rng.integers(0, len(candidates), size=ids.shape) ... the random token at a position is candidates[pick]"
    arr = ids.cpu().numpy()
    candidates = np.setdiff1d(np.arange(vocab_size), np.asarray(list(special_ids), dtype=np.int64))
    select = rng.random(arr.shape)
    action = rng.random(arr.shape)
    replacement = rng.choice(candidates, size=arr.shape)
    selected = (select < 0.15) & ~np.isin(arr, list(special_ids))
    labels = np.full(arr.shape, -100, dtype=np.int64)
    labels[selected] = arr[selected]
    inputs = np.select([selected & (action < 0.8), selected & (action < 0.9)], [mask_id, replacement], default=arr)
    return (torch.from_numpy(inputs.astype(np.int64)).to(ids.device),
            torch.from_numpy(labels).to(ids.device))


@alternative("flat draws of ids.numel() reshaped (same stream), boolean lookup table for the specials")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # "three draws, in this order, each of the full shape ids.shape" - a C-order reshape of a flat draw
    #  gives the same numbers
    flat = ids.detach().to("cpu").reshape(-1).numpy().copy()
    is_special = np.zeros(max(vocab_size, int(flat.max(initial=0)) + 1, *(s + 1 for s in special_ids)), dtype=bool)
    is_special[list(special_ids)] = True
    candidates = np.flatnonzero(~is_special[:vocab_size])
    select = rng.random(flat.size)
    action = rng.uniform(0.0, 1.0, flat.size)
    pick = rng.integers(len(candidates), size=flat.size)
    selected = (select < 0.15) & ~is_special[flat]
    labels = np.where(selected, flat, -100)
    inputs = flat.copy()
    inputs[selected & (action < 0.8)] = mask_id
    rand = selected & (action >= 0.8) & (action < 0.9)
    inputs[rand] = candidates[pick[rand]]
    shape = tuple(ids.shape)
    return (torch.as_tensor(inputs.reshape(shape), dtype=torch.int64, device=ids.device),
            torch.as_tensor(labels.reshape(shape), dtype=torch.int64, device=ids.device))


@alternative("a plain Python loop over the positions after the three full-shape draws")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    # the text asks for the three draws of the full shape; it does not forbid a loop for the bookkeeping
    specials = set(int(s) for s in special_ids)
    candidates = [t for t in range(vocab_size) if t not in specials]
    select = rng.random(tuple(ids.shape)).reshape(-1)
    action = rng.random(tuple(ids.shape)).reshape(-1)
    pick = rng.integers(0, len(candidates), size=tuple(ids.shape)).reshape(-1)
    original = ids.cpu().reshape(-1).tolist()
    inputs, labels = list(original), [-100] * len(original)
    for p, token in enumerate(original):
        if select[p] < 0.15 and token not in specials:
            labels[p] = token
            if action[p] < 0.8:
                inputs[p] = mask_id
            elif action[p] < 0.9:
                inputs[p] = candidates[pick[p]]
    as_tensor = lambda xs: torch.tensor(xs, dtype=torch.int64).reshape(ids.shape).to(ids.device)  # noqa: E731
    return as_tensor(inputs), as_tensor(labels)


# ----------------------------------------------------------------------------------------------
# Exercise 4 - EncoderBlock
# ----------------------------------------------------------------------------------------------

@mutant("heads by x.reshape(N, H, L, d_h) without the transpose")
class EncoderBlock(nn.Module):
    # "x.reshape(N, H, L, d_h) without the transpose compiles and runs, but mixes up tokens and features."
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, H, L, d // H) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        h = x + self.out(o.reshape(N, L, d))
        return h + self.mlp(self.norm2(h)), w


@mutant("post-norm: LN(x + MHSA(x)), LN(h + MLP(h)) (the original transformer's layout)")
class EncoderBlock(nn.Module):
    # "h = x + MHSA(LN_1(x)), y = h + MLP(LN_2(h))"; "Normalise the *input* of each branch, not the residual stream."
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, L, H, d // H).transpose(1, 2) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        h = self.norm1(x + self.out(o.transpose(1, 2).reshape(N, L, d)))
        return self.norm2(h + self.mlp(h)), w


@mutant("GELU with the tanh approximation (nn.GELU('tanh'))")
class EncoderBlock(nn.Module):
    # "nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model)) ... (exact GELU, the default)"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(approximate="tanh"), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, L, H, d // H).transpose(1, 2) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        h = x + self.out(o.transpose(1, 2).reshape(N, L, d))
        return h + self.mlp(self.norm2(h)), w


@mutant("LayerNorm(d_model, eps=1e-6) as in ViT / timm, not PyTorch's default eps")
class EncoderBlock(nn.Module):
    # "exactly these attributes ..., with PyTorch's default arguments"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model, eps=1e-6)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, L, H, d // H).transpose(1, 2) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        h = x + self.out(o.transpose(1, 2).reshape(N, L, d))
        return h + self.mlp(self.norm2(h)), w


@mutant("the number of heads taken from the notebook's N_HEADS instead of n_heads")
class EncoderBlock(nn.Module):
    # "Write the class EncoderBlock(d_model, n_heads, d_ff) ... and keep n_heads"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = N_HEADS  # noqa: F821 (the notebook's global, on purpose)
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, L, H, d // H).transpose(1, 2) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        h = x + self.out(o.transpose(1, 2).reshape(N, L, d))
        return h + self.mlp(self.norm2(h)), w


@mutant("padding positions' outputs zeroed after attention (the padded query rows are not computed as usual)")
class EncoderBlock(nn.Module):
    # "no query may attend to a padding key (every query row, padding positions included, is
    #  computed as usual - only the keys are masked)"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, L, H, d // H).transpose(1, 2) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        o = o.transpose(1, 2).reshape(N, L, d)
        if pad_mask is not None:
            o = o * pad_mask[..., None]
        h = x + self.out(o)
        return h + self.mlp(self.norm2(h)), w


@mutant("queries, keys, values cut per head from the qkv output (reshape (N, L, H, 3 d_h))")
class EncoderBlock(nn.Module):
    # "output features [0, d) are the queries, [d, 2d) the keys, [2d, 3d) the values"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        qkv = self.qkv(self.norm1(x)).reshape(N, L, H, 3 * (d // H)).transpose(1, 2)
        q, k, v = qkv.chunk(3, dim=-1)
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        h = x + self.out(o.transpose(1, 2).reshape(N, L, d))
        return h + self.mlp(self.norm2(h)), w


@mutant("dropout 0.1 on the attention output (the text says no dropout)")
class EncoderBlock(nn.Module):
    # "No dropout, no other parameters."
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        self.drop = nn.Dropout(0.1)

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, L, H, d // H).transpose(1, 2) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        h = x + self.drop(self.out(o.transpose(1, 2).reshape(N, L, d)))
        return h + self.mlp(self.norm2(h)), w


@mutant("pad_mask=None replaced by an all-True mask made on the CPU", needs="cuda")
class EncoderBlock(nn.Module):
    # "your functions must work on whatever device is (the grader may run them on a GPU)"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        if pad_mask is None:
            pad_mask = torch.ones(N, L, dtype=torch.bool)
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, L, H, d // H).transpose(1, 2) for t in (q, k, v))
        o, w = attention(q, k, v, pad_mask[:, None, None, :])
        h = x + self.out(o.transpose(1, 2).reshape(N, L, d))
        return h + self.mlp(self.norm2(h)), w


@mutant("the MLP branch normalises x instead of h: y = h + MLP(LN_2(x))")
class EncoderBlock(nn.Module):
    # "h = x + MHSA(LN_1(x)), y = h + MLP(LN_2(h))"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, L, H, d // H).transpose(1, 2) for t in (q, k, v))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        o, w = attention(q, k, v, mask)
        h = x + self.out(o.transpose(1, 2).reshape(N, L, d))
        return h + self.mlp(self.norm2(x)), w


@alternative("a Python loop over the heads, attention called once per head, weights stacked")
class EncoderBlock(nn.Module):
    # "(only the numbers are graded: a loop over the heads, or attention computed inline, is fine too)"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        d = x.shape[-1]
        dh = d // self.n_heads
        qkv = self.qkv(self.norm1(x))
        q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
        mask = None if pad_mask is None else pad_mask[:, None, :]          # (N, 1, L)
        outs, maps = [], []
        for h in range(self.n_heads):
            part = slice(h * dh, (h + 1) * dh)
            o, w = attention(q[..., part], k[..., part], v[..., part], mask)
            outs.append(o)
            maps.append(w)
        h_ = x + self.out(torch.cat(outs, dim=-1))
        return h_ + self.mlp(self.norm2(h_)), torch.stack(maps, dim=1)


@alternative("q, k, v from one reshape (N, L, 3, H, d_h) and permute (2, 0, 3, 1, 4)")
class EncoderBlock(nn.Module):
    # "head h owns features [h*d_h, (h+1)*d_h)" within each of the queries, keys and values
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.norm1(x)).reshape(N, L, 3, H, d // H).permute(2, 0, 3, 1, 4).unbind(0)
        o, w = attention(q, k, v, None if pad_mask is None else pad_mask.view(N, 1, 1, L))
        h = x + self.out(o.permute(0, 2, 1, 3).flatten(2))
        y = h + self.mlp(self.norm2(h))
        return y, w


@alternative("heads folded into the batch: (N*H, L, d_h), mask repeated per head with repeat_interleave")
class EncoderBlock(nn.Module):
    # "only the numbers are graded"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        dh = d // H
        q, k, v = torch.split(self.qkv(self.norm1(x)), d, dim=-1)
        fold = lambda t: t.reshape(N, L, H, dh).permute(0, 2, 1, 3).reshape(N * H, L, dh)  # noqa: E731
        mask = None if pad_mask is None else pad_mask.repeat_interleave(H, dim=0)[:, None, :]
        o, w = attention(fold(q), fold(k), fold(v), mask)
        o = o.reshape(N, H, L, dh).permute(0, 2, 1, 3).reshape(N, L, d)
        h = x + self.out(o)
        return h + self.mlp(self.norm2(h)), w.reshape(N, H, L, L)


@alternative("attention computed inline with einsum (no call to attention), heads stored as self.heads")
class EncoderBlock(nn.Module):
    # "keep n_heads (e.g. as self.n_heads ...)"; "a loop over the heads, or attention computed inline, is fine too"
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.heads
        dh = d // H
        q, k, v = (t.unflatten(-1, (H, dh)) for t in self.qkv(self.norm1(x)).chunk(3, dim=-1))  # (N, L, H, dh)
        scores = torch.einsum("nqhd,nkhd->nhqk", q, k) / math.sqrt(dh)
        if pad_mask is not None:
            keys = pad_mask[:, None, None, :]
            scores = scores.masked_fill(~keys, float("-inf"))
        w = torch.softmax(scores, dim=-1)
        if pad_mask is not None:
            w = w.masked_fill(~keys.any(-1, keepdim=True), 0.0)
        o = torch.einsum("nhqk,nkhd->nqhd", w, v).reshape(N, L, d)
        h = x + self.out(o)
        return h + self.mlp(self.norm2(h)), w


@alternative("functional calls on the modules' own parameters, pad_mask=None as an all-True mask on x.device")
class EncoderBlock(nn.Module):
    # "pad_mask: None or a bool (N, L) tensor, True for a real token" - None means every key is real
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        N, L, d = x.shape
        H = self.n_heads
        if pad_mask is None:
            pad_mask = torch.ones(N, L, dtype=torch.bool, device=x.device)
        z = F.layer_norm(x, (d,), self.norm1.weight, self.norm1.bias, self.norm1.eps)
        qkv = F.linear(z, self.qkv.weight, self.qkv.bias)
        q, k, v = (qkv[..., i * d:(i + 1) * d].reshape(N, L, H, d // H).transpose(1, 2) for i in range(3))
        o, w = attention(q, k, v, pad_mask.unsqueeze(1).unsqueeze(2))
        h = x + F.linear(o.transpose(1, 2).reshape(N, L, d), self.out.weight, self.out.bias)
        z = F.layer_norm(h, (d,), self.norm2.weight, self.norm2.bias, self.norm2.eps)
        z = F.linear(F.gelu(F.linear(z, self.mlp[0].weight, self.mlp[0].bias)), self.mlp[2].weight, self.mlp[2].bias)
        return h + z, w


# ----------------------------------------------------------------------------------------------
# Exercise 5 - patchify
# ----------------------------------------------------------------------------------------------

@mutant("a single reshape (N, -1, p*p*C)")
def patchify(images, patch):
    # "Pitfall: a single images.reshape(N, -1, p * p * C) has the right shape and the wrong contents."
    N, H, W, C = images.shape
    if H % patch or W % patch:
        raise ValueError("image sides must be multiples of patch")
    return images.reshape(N, (H // patch) * (W // patch), patch * patch * C)


@mutant("patches in column-major order (permute puts the patch column first)")
def patchify(images, patch):
    # "patch order is row-major: patch number r * (W/p) + c is the one in patch-row r, patch-column c"
    N, H, W, C = images.shape
    p = patch
    if H % p or W % p:
        raise ValueError("image sides must be multiples of patch")
    x = images.reshape(N, H // p, p, W // p, p, C).permute(0, 3, 1, 2, 4, 5)
    return x.reshape(N, (H // p) * (W // p), p * p * C)


@mutant("pixels inside a patch in column-major order (b before a)")
def patchify(images, patch):
    # "entry (a * p + b) * C + ch of patch (r, c) is images[n, r*p + a, c*p + b, ch]"
    N, H, W, C = images.shape
    p = patch
    if H % p or W % p:
        raise ValueError("image sides must be multiples of patch")
    x = images.reshape(N, H // p, p, W // p, p, C).permute(0, 1, 3, 4, 2, 5)
    return x.reshape(N, (H // p) * (W // p), p * p * C)


@mutant("channels first inside a patch (C, p, p), as F.unfold lays them out")
def patchify(images, patch):
    # "inside a patch the numbers are in row-major pixel order with the channels last"
    N, H, W, C = images.shape
    p = patch
    if H % p or W % p:
        raise ValueError("image sides must be multiples of patch")
    x = images.reshape(N, H // p, p, W // p, p, C).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(N, (H // p) * (W // p), p * p * C)


@mutant("only the width is checked against patch (an image height that is not a multiple is cut)")
def patchify(images, patch):
    # "H and W must both be multiples of patch; otherwise raise ValueError (never crop silently)"
    N, H, W, C = images.shape
    p = patch
    if W % p:
        raise ValueError("image width must be a multiple of patch")
    H = H - H % p
    x = images[:, :H].reshape(N, H // p, p, W // p, p, C).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(N, (H // p) * (W // p), p * p * C)


@mutant("checks the pixel count H*W against p*p instead of each side")
def patchify(images, patch):
    # "H and W must both be multiples of patch; otherwise raise ValueError"
    N, H, W, C = images.shape
    p = patch
    if (H * W) % (p * p):
        raise ValueError("the image does not split into whole patches")
    x = images.reshape(N, H // p, p, W // p, p, C).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(N, (H // p) * (W // p), p * p * C)


@mutant("a Python loop over the patches, stacked (right numbers, not vectorised)")
def patchify(images, patch):
    # "Use one reshape, one permute and one more reshape - no Python loop over patches."
    N, H, W, C = images.shape
    p = patch
    if H % p or W % p:
        raise ValueError("image sides must be multiples of patch")
    tiles = [images[:, r * p:(r + 1) * p, c * p:(c + 1) * p, :].reshape(N, p * p * C)
             for r in range(H // p) for c in range(W // p)]
    return torch.stack(tiles, dim=1)


@mutant("through F.unfold in float32 and back to the input dtype (float64 / large int64 values rounded)")
def patchify(images, patch):
    # "images: a tensor (N, H, W, C) ... of any dtype"; "same dtype and device as images"
    N, H, W, C = images.shape
    p = patch
    if H % p or W % p:
        raise ValueError("image sides must be multiples of patch")
    cols = F.unfold(images.permute(0, 3, 1, 2).float(), kernel_size=p, stride=p)    # (N, C*p*p, L)
    n_patches = (H // p) * (W // p)
    cols = cols.reshape(N, C, p * p, n_patches).permute(0, 3, 2, 1)                 # (N, L, p*p, C)
    return cols.reshape(N, n_patches, p * p * C).to(images.dtype)


@mutant("numpy round trip (numpy has no bfloat16)")
def patchify(images, patch):
    # "images: a tensor (N, H, W, C) ... of any dtype, on any device"
    N, H, W, C = images.shape
    p = patch
    if H % p or W % p:
        raise ValueError("image sides must be multiples of patch")
    a = images.cpu().numpy().reshape(N, H // p, p, W // p, p, C).transpose(0, 1, 3, 2, 4, 5)
    return torch.from_numpy(np.ascontiguousarray(a).reshape(N, (H // p) * (W // p), p * p * C)).to(images.device)


@mutant("the patches moved to the CPU at the end", needs="cuda")
def patchify(images, patch):
    # "returns (N, (H/p)(W/p), p*p*C), same dtype and device as images"
    N, H, W, C = images.shape
    p = patch
    if H % p or W % p:
        raise ValueError("image sides must be multiples of patch")
    x = images.reshape(N, H // p, p, W // p, p, C).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(N, (H // p) * (W // p), p * p * C).cpu()


@alternative("Tensor.unfold along H then W, permuted to (N, H/p, W/p, p, p, C)")
def patchify(images, patch):
    # "exactly images[n, r*p:(r+1)*p, c*p:(c+1)*p, :].reshape(-1)"
    N, H, W, C = images.shape
    if H % patch != 0 or W % patch != 0:
        raise ValueError(f"{H}x{W} images do not split into {patch}x{patch} patches")
    tiles = images.unfold(1, patch, patch).unfold(2, patch, patch)      # (N, H/p, W/p, C, p, p)
    return tiles.permute(0, 1, 2, 4, 5, 3).reshape(N, (H // patch) * (W // patch), patch * patch * C)


@alternative("reshape to (N, H/p, p, W/p, p*C), swap axes 2 and 3, reshape")
def patchify(images, patch):
    # "(exactly images[n, r*p:(r+1)*p, c*p:(c+1)*p, :].reshape(-1))": the p*C numbers of a patch row are contiguous
    N, H, W, C = images.shape
    rows, rem_h = divmod(H, patch)
    cols, rem_w = divmod(W, patch)
    if rem_h or rem_w:
        raise ValueError("H and W must be multiples of patch")
    x = images.reshape(N, rows, patch, cols, patch * C).transpose(2, 3)
    return x.contiguous().view(N, rows * cols, patch * patch * C)


@alternative("unflatten / movedim / flatten")
def patchify(images, patch):
    # "Use one reshape, one permute and one more reshape" - the same three steps under other names
    N, H, W, C = images.shape
    if H % patch or W % patch:
        raise ValueError("H and W must both be multiples of patch")
    x = images.unflatten(2, (W // patch, patch)).unflatten(1, (H // patch, patch))   # (N, R, p, Cc, p, C)
    x = x.movedim(3, 2)                                                           # (N, R, Cc, p, p, C)
    return x.flatten(3).flatten(1, 2)


@alternative("F.pixel_unshuffle on the channels-first view, then reordered to (a, b, ch) inside each patch")
def patchify(images, patch):
    # "inside a patch the numbers are in row-major pixel order with the channels last" - pixel_unshuffle
    #  gives the same numbers channel-major (ch, a, b); a permute puts the channels last
    N, H, W, C = images.shape
    p = patch
    if H % p or W % p:
        raise ValueError("H and W must both be multiples of patch")
    R, Cc = H // p, W // p
    blocks = F.pixel_unshuffle(images.permute(0, 3, 1, 2), p)          # (N, C*p*p, R, Cc)
    blocks = blocks.reshape(N, C, p, p, R, Cc).permute(0, 4, 5, 2, 3, 1)
    return blocks.reshape(N, R * Cc, p * p * C)
