"""Notebook 06's mutants (wrong answers students write) and alternatives (right answers they write).

Graded through the real grader by tests/test_mutants.py: every mutant must lose points on its
exercise, every alternative must keep full marks (autograder/mutation.py explains the format).
Each variant stands on its own in the notebook's kernel (math, np, torch, nn, F are imported there).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.mutation import alternative, mutant

# ---------------------------------------------------------------- exercise 1: attention


@mutant("no scaling by sqrt(d_k)")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("divides by d_k instead of sqrt(d_k)")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / q.shape[-1]
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("scales by sqrt(d_v), the width of the values")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("softmax over the queries (dim=-2)")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-2).nan_to_num(0.0)
    return weights @ v, weights


@mutant("mask convention inverted (True = masked)")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(mask.all(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("masked scores filled with 0 instead of -inf")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, 0.0)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


@mutant("zeroes masked weights after the softmax, without renormalising")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights * mask
    return weights @ v, weights


@mutant("NaN for a query with no allowed key")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


@mutant("naive softmax exp(s) / sum exp(s): overflows on large scores")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    e = torch.exp(scores)
    if mask is not None:
        e = e * mask
    total = e.sum(dim=-1, keepdim=True)
    weights = torch.where(total > 0, e / total.clamp_min(1e-30), torch.zeros_like(e))
    return weights @ v, weights


@mutant("detaches the weights: no gradient reaches q and k")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1).detach()
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("computes in float32 whatever the input dtype")
def attention(q, k, v, mask=None):
    q, k, v = q.float(), k.float(), v.float()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("treats the mask as a key-padding mask (N, Lk) and ignores its query axis")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        keys = mask.any(dim=-2, keepdim=True)
        scores = scores.masked_fill(~keys, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~keys.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("adds a 0/-inf mask to the scores: right forward, NaN gradients for a query with no allowed key")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        bias = torch.zeros(mask.shape, dtype=scores.dtype, device=scores.device)
        scores = scores + bias.masked_fill(~mask, float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return weights @ v, weights


@mutant("masked scores filled with -20: masked weights tiny, not exactly 0")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, -20.0)
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("masked scores filled with -5000: not negative enough when the allowed scores are near -20000")
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, -5000.0)
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


@mutant("returns weights recomputed under torch.no_grad() (no graph)")
def attention(q, k, v, mask=None):
    def weights_of(q, k):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        if mask is not None:
            weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
        return weights

    output = weights_of(q, k) @ v
    with torch.no_grad():
        shown = weights_of(q, k)
    return output, shown


@alternative("einsum, a finite fill (the dtype's minimum), rows without keys zeroed by a product")
def attention(q, k, v, mask=None):
    scores = torch.einsum("...qd,...kd->...qk", q, k) * q.shape[-1] ** -0.5
    if mask is None:
        weights = torch.softmax(scores, dim=-1)
    else:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=-1) * mask.any(dim=-1, keepdim=True)
    return torch.einsum("...qk,...kd->...qd", weights, v), weights


@alternative("a hand-written stable softmax over the allowed keys only")
def attention(q, k, v, mask=None):
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.size(-1))
    allowed = torch.ones_like(scores, dtype=torch.bool) if mask is None else mask.expand_as(scores)
    low = torch.full_like(scores, float("-inf"))
    top = torch.where(allowed, scores, low).amax(dim=-1, keepdim=True)
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    e = torch.where(allowed, torch.exp(torch.where(allowed, scores - top, torch.zeros_like(scores))),
                    torch.zeros_like(scores))
    total = e.sum(dim=-1, keepdim=True)
    weights = e / torch.where(total > 0, total, torch.ones_like(total))
    return torch.matmul(weights, v), weights


@alternative("output from F.scaled_dot_product_attention, weights computed beside it")
def attention(q, k, v, mask=None):
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return out, weights


# ---------------------------------------------------------------- exercise 2: positional_encoding


@mutant("sin and cos swapped")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (2 * (j // 2).to(torch.float64) / d)
    return torch.where(j % 2 == 0, torch.cos(angles), torch.sin(angles)).to(torch.float32)


@mutant("exponent j/d per column (odd columns use (2i+1)/d)")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (j.to(torch.float64) / d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).to(torch.float32)


@mutant("exponent 2j/d with the column index j")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (2 * j.to(torch.float64) / d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).to(torch.float32)


@mutant("positions start at 1")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(1, n_positions + 1, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (2 * (j // 2).to(torch.float64) / d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).to(torch.float32)


@mutant("all sines first, then all cosines (not interleaved)")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    i = torch.arange((d + 1) // 2, dtype=torch.float64)
    angles = k / float(n) ** (2 * i / d)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)[:, :d].to(torch.float32)


@mutant("ignores n (always 10000)")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / 10000.0 ** (2 * (j // 2).to(torch.float64) / d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).to(torch.float32)


@mutant("odd d: builds d // 2 sin/cos pairs and drops the last column")
def positional_encoding(n_positions, d, n=10000):
    P = torch.zeros(n_positions, 2 * (d // 2), dtype=torch.float64)
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    i = torch.arange(d // 2, dtype=torch.float64)
    angles = k / float(n) ** (2 * i / d)
    P[:, 0::2] = torch.sin(angles)
    P[:, 1::2] = torch.cos(angles)
    return P.to(torch.float32)


@mutant("angles computed in float32")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(n_positions, dtype=torch.float32)[:, None]
    j = torch.arange(d)
    angles = k * torch.exp(-math.log(n) * (2 * (j // 2)).float() / d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles))


@mutant("returns float64")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (2 * (j // 2).to(torch.float64) / d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles))


@mutant("returns the encodings on the notebook's device, not on the CPU", needs="cuda")
def positional_encoding(n_positions, d, n=10000):
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (2 * (j // 2).to(torch.float64) / d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).to(device, torch.float32)  # noqa: F821 (the notebook's global, on purpose)


@mutant("a loop over positions, one row at a time")
def positional_encoding(n_positions, d, n=10000):
    j = torch.arange(d)
    frequencies = 1.0 / float(n) ** (2 * (j // 2).to(torch.float64) / d)
    P = torch.zeros(n_positions, d, dtype=torch.float64)
    for k in range(n_positions):
        angles = k * frequencies
        P[k] = torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles))
    return P.to(torch.float32)


@alternative("numpy in float64, one column at a time")
def positional_encoding(n_positions, d, n=10000):
    k = np.arange(n_positions, dtype=np.float64)
    P = np.zeros((n_positions, d))
    for j in range(d):
        angle = k / np.power(float(n), 2 * (j // 2) / d)
        P[:, j] = np.sin(angle) if j % 2 == 0 else np.cos(angle)
    return torch.from_numpy(P.astype(np.float32))


@alternative("exp(-log(n) 2i/d) in float64, even and odd columns filled by slices")
def positional_encoding(n_positions, d, n=10000):
    P = torch.zeros(n_positions, d, dtype=torch.float64)
    position = torch.arange(n_positions, dtype=torch.float64).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(n) / d))
    P[:, 0::2] = torch.sin(position * frequency)
    P[:, 1::2] = torch.cos(position * frequency[: d // 2])
    return P.float()


@mutant("pure Python with the math module: a loop over positions (was an alternative; the text forbids it, now checked)")
def positional_encoding(n_positions, d, n=10000):
    rows = [[(math.sin if j % 2 == 0 else math.cos)(pos / n ** (2 * (j // 2) / d)) for j in range(d)]
            for pos in range(n_positions)]
    return torch.tensor(rows, dtype=torch.float64).reshape(n_positions, d).to(torch.float32)


# ---------------------------------------------------------------- exercise 3: mask_tokens


@mutant("special tokens can be selected")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    select, action = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, len(candidates), size=ids.shape)
    original = ids.cpu().numpy()
    selected = select < 0.15
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = candidates[pick[randomised]]
    labels = np.where(selected, original, -100)
    return torch.from_numpy(inputs).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("labels 0 instead of -100 where not selected")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    select, action = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, len(candidates), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = candidates[pick[randomised]]
    labels = np.where(selected, original, 0)
    return torch.from_numpy(inputs).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("the unchanged 10% get no label (-100)")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    select, action = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, len(candidates), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = candidates[pick[randomised]]
    labels = np.where(selected & (action < 0.9), original, -100)
    return torch.from_numpy(inputs).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("the 80/10/10 intervals in another order (random, unchanged, then <mask>)")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    select, action = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, len(candidates), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action >= 0.2)] = mask_id
    randomised = selected & (action < 0.1)
    inputs[randomised] = candidates[pick[randomised]]
    labels = np.where(selected, original, -100)
    return torch.from_numpy(inputs).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("random tokens from the whole vocabulary, special ids included")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    select, action = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, vocab_size - len(special), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = pick[randomised]
    labels = np.where(selected, original, -100)
    return torch.from_numpy(inputs).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("assumes the special ids come first: random tokens from len(special_ids) .. vocab_size - 1")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    select, action = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, vocab_size - len(special), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = len(special) + pick[randomised]
    labels = np.where(selected, original, -100)
    return torch.from_numpy(inputs).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("draws the action and the random token only at the selected positions")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    original = ids.cpu().numpy()
    selected = (rng.random(ids.shape) < 0.15) & ~np.isin(original, special)
    where = np.flatnonzero(selected)
    action = rng.random(len(where))
    pick = rng.integers(0, len(candidates), size=len(where))
    inputs = original.copy().reshape(-1)
    inputs[where[action < 0.8]] = mask_id
    randomised = (action >= 0.8) & (action < 0.9)
    inputs[where[randomised]] = candidates[pick[randomised]]
    labels = np.where(selected, original, -100)
    return torch.from_numpy(inputs.reshape(original.shape)).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("draws in another order: action before select")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    action, select = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, len(candidates), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = candidates[pick[randomised]]
    labels = np.where(selected, original, -100)
    return torch.from_numpy(inputs).to(ids.device), torch.from_numpy(labels).to(ids.device)


@mutant("changes ids in place")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = torch.tensor([t for t in range(vocab_size) if t not in special], dtype=torch.int64)
    select = torch.from_numpy(rng.random(ids.shape)).to(ids.device)
    action = torch.from_numpy(rng.random(ids.shape)).to(ids.device)
    pick = torch.from_numpy(rng.integers(0, len(candidates), size=ids.shape)).to(ids.device)
    selected = (select < 0.15) & ~torch.isin(ids, torch.tensor(special, device=ids.device))
    labels = torch.where(selected, ids, torch.full_like(ids, -100))
    randomised = selected & (action >= 0.8) & (action < 0.9)
    ids[selected & (action < 0.8)] = mask_id
    ids[randomised] = candidates.to(ids.device)[pick[randomised]]
    return ids, labels


@mutant("returns numpy arrays")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    select, action = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, len(candidates), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = candidates[pick[randomised]]
    return inputs, np.where(selected, original, -100)


@mutant("returns CPU tensors whatever the device of ids", needs="cuda")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    select, action = rng.random(ids.shape), rng.random(ids.shape)
    pick = rng.integers(0, len(candidates), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = candidates[pick[randomised]]
    return torch.from_numpy(inputs), torch.from_numpy(np.where(selected, original, -100))


@alternative("torch throughout: draws moved to the device, torch.where chain")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    device = ids.device
    specials = torch.tensor(sorted(set(special_ids)), dtype=torch.int64, device=device)
    candidates = torch.tensor([t for t in range(vocab_size) if t not in set(special_ids)], dtype=torch.int64)
    select = torch.from_numpy(rng.random(tuple(ids.shape))).to(device)
    action = torch.from_numpy(rng.random(tuple(ids.shape))).to(device)
    pick = torch.from_numpy(rng.integers(0, len(candidates), size=tuple(ids.shape))).to(device)
    selected = (select < 0.15) & ~torch.isin(ids, specials)
    random_ids = candidates.to(device)[pick]
    inputs = torch.where(selected & (action < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(selected & (action >= 0.8) & (action < 0.9), random_ids, inputs)
    labels = torch.where(selected, ids, torch.full_like(ids, -100))
    return inputs, labels


@alternative("rng.choice(candidates) for the random tokens, a Python loop over positions")
def mask_tokens(ids, vocab_size, special_ids, mask_id, rng):
    special = set(special_ids)
    candidates = np.array(sorted(set(range(vocab_size)) - special))
    select = rng.random(ids.shape).reshape(-1)
    action = rng.random(ids.shape).reshape(-1)
    replacement = rng.choice(candidates, size=ids.shape).reshape(-1)
    flat = ids.detach().cpu().reshape(-1).tolist()
    inputs, labels = list(flat), [-100] * len(flat)
    for i, token in enumerate(flat):
        if token in special or select[i] >= 0.15:
            continue
        labels[i] = token
        if action[i] < 0.8:
            inputs[i] = mask_id
        elif action[i] < 0.9:
            inputs[i] = int(replacement[i])
    shape = tuple(ids.shape)
    return (torch.tensor(inputs, dtype=torch.int64).reshape(shape).to(ids.device),
            torch.tensor(labels, dtype=torch.int64).reshape(shape).to(ids.device))


# ---------------------------------------------------------------- exercise 4: EncoderBlock


@mutant("post-norm: LayerNorm after each residual")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2) for t in self.qkv(x).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = self.norm1(x + self.out(merged.transpose(1, 2).reshape(n, length, d)))
        return self.norm2(x + self.mlp(x)), weights


@mutant("heads by reshape(N, H, L, d_h) without the transpose")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, self.n_heads, length, -1) for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("merges the heads without transposing back")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("splits the projection as keys, queries, values")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        k, q, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("one head of width d_model, whatever n_heads says")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        mask = None if pad_mask is None else pad_mask[:, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged)
        weights = weights[:, None].expand(-1, self.n_heads, -1, -1)
        return x + self.mlp(self.norm2(x)), weights


@mutant("ignores the padding mask")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        merged, weights = attention(q, k, v)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("masks the padded queries (N, 1, L, 1) instead of the keys")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, :, None]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("ReLU instead of GELU")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("tanh approximation of GELU")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(approximate="tanh"), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("no residual around the MLP")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return self.mlp(self.norm2(x)), weights


@mutant("normalises the residual stream itself (x = LN(x) before the attention branch)")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        x = self.norm1(x)
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2) for t in self.qkv(x).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights


@mutant("one LayerNorm shared by both branches (no norm2)")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm1(x)), weights


@mutant("dropout (p = 0.1) after the attention and in the MLP")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Dropout(0.1), nn.Linear(d_ff, d_model))
        self.drop = nn.Dropout(0.1)

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.drop(self.out(merged.transpose(1, 2).reshape(n, length, d)))
        return x + self.mlp(self.norm2(x)), weights


@mutant("zeroes the outputs at the padding positions")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in self.qkv(self.norm1(x)).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        y = x + self.mlp(self.norm2(x))
        return (y if pad_mask is None else y * pad_mask[..., None]), weights


@alternative("layers created in another order; chunk + view/permute, the mask built with unsqueeze")
class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        self.norm2 = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.n_heads = n_heads

    def forward(self, x, pad_mask=None):
        batch, length, width = x.shape
        head = width // self.n_heads
        q, k, v = (t.contiguous().view(batch, length, self.n_heads, head).permute(0, 2, 1, 3)
                   for t in self.qkv(self.norm1(x)).chunk(3, dim=-1))
        mask = pad_mask.unsqueeze(1).unsqueeze(2) if pad_mask is not None else None
        merged, weights = attention(q, k, v, mask=mask)
        merged = merged.permute(0, 2, 1, 3).contiguous().view(batch, length, width)
        h = x + self.out(merged)
        return h + self.mlp(self.norm2(h)), weights


@alternative("one attention call per head, outputs concatenated")
class EncoderBlock(nn.Module):
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
        head = d // self.n_heads
        qkv = self.qkv(self.norm1(x))
        mask = None if pad_mask is None else pad_mask[:, None, :]
        outputs, maps = [], []
        for h in range(self.n_heads):
            q = qkv[..., h * head:(h + 1) * head]
            k = qkv[..., d + h * head:d + (h + 1) * head]
            v = qkv[..., 2 * d + h * head:2 * d + (h + 1) * head]
            o, w = attention(q, k, v, mask)
            outputs.append(o)
            maps.append(w)
        x = x + self.out(torch.cat(outputs, dim=-1))
        x = x + self.mlp(self.norm2(x))
        return x, torch.stack(maps, dim=1)


# ---------------------------------------------------------------- exercise 5: patchify


@mutant("reshape to (N, -1, p*p*C) without the permute")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("not a multiple of the patch size")
    return images.reshape(n, -1, patch * patch * c)


@mutant("column-major patch order (down the columns first)")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("not a multiple of the patch size")
    grid = images.reshape(n, h // patch, patch, w // patch, patch, c).permute(0, 3, 1, 2, 4, 5)
    return grid.reshape(n, -1, patch * patch * c)


@mutant("channels first inside a patch (C, p, p)")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("not a multiple of the patch size")
    grid = images.reshape(n, h // patch, patch, w // patch, patch, c).permute(0, 1, 3, 5, 2, 4)
    return grid.reshape(n, -1, patch * patch * c)


@mutant("pixels inside a patch in column-major order")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("not a multiple of the patch size")
    grid = images.reshape(n, h // patch, patch, w // patch, patch, c).permute(0, 1, 3, 4, 2, 5)
    return grid.reshape(n, -1, patch * patch * c)


@mutant("assumes square images (uses H for W)")
def patchify(images, patch):
    n, h, _, c = images.shape
    if h % patch:
        raise ValueError("not a multiple of the patch size")
    grid = images.reshape(n, h // patch, patch, h // patch, patch, -1).permute(0, 1, 3, 2, 4, 5)
    return grid.reshape(n, (h // patch) ** 2, -1)


@mutant("crops to a multiple of the patch instead of raising ValueError")
def patchify(images, patch):
    n, h, w, c = images.shape
    h, w = h - h % patch, w - w % patch
    grid = images[:, :h, :w].reshape(n, h // patch, patch, w // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return grid.reshape(n, -1, patch * patch * c)


@mutant("checks only H for divisibility (W cropped silently)")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch:
        raise ValueError("not a multiple of the patch size")
    w -= w % patch
    grid = images[:, :, :w].reshape(n, h // patch, patch, w // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return grid.reshape(n, -1, patch * patch * c)


@mutant("converts the images to float32")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("not a multiple of the patch size")
    grid = images.float().reshape(n, h // patch, patch, w // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return grid.reshape(n, -1, patch * patch * c)


@mutant("returns the patches on the CPU whatever the device of the images", needs="cuda")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("not a multiple of the patch size")
    grid = images.cpu().reshape(n, h // patch, patch, w // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return grid.reshape(n, -1, patch * patch * c)


@mutant("a loop over the rows of patches, concatenated")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("not a multiple of the patch size")
    rows = []
    for r in range(h // patch):
        band = images[:, r * patch:(r + 1) * patch].reshape(n, patch, w // patch, patch, c)
        rows.append(band.permute(0, 2, 1, 3, 4).reshape(n, w // patch, patch * patch * c))
    return torch.cat(rows, dim=1)


@mutant("reshapes a numpy copy: no bfloat16 in numpy")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("not a multiple of the patch size")
    x = np.asarray(images.cpu())
    grid = x.reshape(n, h // patch, patch, w // patch, patch, c).transpose(0, 1, 3, 2, 4, 5)
    return torch.as_tensor(np.ascontiguousarray(grid).reshape(n, -1, patch * patch * c)).to(images.device)


@alternative("Tensor.unfold over H, then over W")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch != 0 or w % patch != 0:
        raise ValueError(f"{h}x{w} is not a multiple of {patch}")
    tiles = images.unfold(1, patch, patch).unfold(2, patch, patch)  # (N, H/p, W/p, C, p, p)
    return tiles.permute(0, 1, 2, 4, 5, 3).reshape(n, -1, patch * patch * c)


@mutant("a Python loop over the patches, stacked (was an alternative; the text forbids it, now checked)")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("the image size must be a multiple of the patch size")
    tiles = [images[:, r:r + patch, s:s + patch, :].reshape(n, -1)
             for r in range(0, h, patch) for s in range(0, w, patch)]
    return torch.stack(tiles, dim=1)


@mutant("F.unfold on float64 channels-first images, converted back: int64 values above 2**53 are rounded "
        "(was an alternative; the text now says every value is kept)")
def patchify(images, patch):
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError("the image size must be a multiple of the patch size")
    x = images.permute(0, 3, 1, 2).to(torch.float64)
    cols = F.unfold(x, kernel_size=patch, stride=patch)  # (N, C*p*p, L), channel-major
    cols = cols.reshape(n, c, patch * patch, -1).permute(0, 3, 2, 1).reshape(n, -1, patch * patch * c)
    return cols.to(images.dtype)
