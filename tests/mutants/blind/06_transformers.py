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
