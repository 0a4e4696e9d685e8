# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # 06 · Transformers for words and patches
#
# *From the Streetlight to CLIP — notebook 6 of 7*
#
# CLIP reads captions with a **transformer**, and its best image towers are transformers too:
# Vision Transformers, which read an image as a sequence of patches (the CLIP paper also trains
# ResNet image towers). A transformer maps a *set* of vectors to a set of vectors: every element
# looks at every other one through **scaled dot-product attention**,
# $\mathrm{softmax}(QK^\top/\sqrt{d_k})\,V$, and self-attention is $\mathrm{Attention}(X, X, X)$.
# A set has no order, so sequences get **positional encodings**. BERT learns from text without
# labels by hiding words and predicting them (**masked language modelling**) — one way to train a
# text tower, and not CLIP's: CLIP's text transformer is *causally* masked (each token sees only
# the tokens before it), takes the caption's vector at its end-of-text token, and learns from
# CLIP's image–caption objective alone. And because attention does not care what the elements
# are — the lecture: *"Language tokens, image regions, image patches, audio snippets, joint
# positions, transformers don't care!"* — an image becomes a sequence of **patches**, and
# the very same block reads it. In this notebook you build these pieces, train a tiny masked
# language model on the Scenes captions, and let the same block read images as patch sequences.
#
# **Learning objectives.** After this notebook you can
# 1. write batched scaled dot-product attention with a mask, and check it against PyTorch's own;
# 2. compute the sinusoidal positional encodings and explain what their dot products say about positions;
# 3. implement BERT's 15 % / 80-10-10 masking rule in the exact form this course specifies, special tokens left alone;
# 4. build a pre-norm transformer encoder block (multi-head self-attention, MLP, residuals) from your attention;
# 5. read what a masked language model learned from captions — and what text alone cannot know;
# 6. cut images into patch sequences that the same encoder block reads.
#
# **Time:** about 90 minutes. **Runs** in about a minute on a laptop CPU (training included).
#
# | exercise | what you write | points |
# |---|---|---|
# | 1 | `attention`: scaled dot-product attention with a mask | 4 |
# | 2 | `positional_encoding`: the sinusoids $P(k, 2i), P(k, 2i+1)$ | 3 |
# | 3 | `mask_tokens`: BERT's 15 % / 80-10-10 rule | 4 |
# | 4 | `EncoderBlock`: a pre-norm transformer encoder block | 6 |
# | 5 | `patchify`: an image as a sequence of patches | 3 |
# | | **total** | **20** |
#
# Each exercise is followed by a locked check cell. Run it: it tells you what differed and how.
# When your notebook is graded, hidden checks also compare your functions with the reference
# solution on random inputs, fixed weights and edge cases (each named in your feedback, e.g.
# "queries with no allowed key: zero weights, output and gradients"), on the grader's device (a
# GPU when it has one), so make them correct for everything the exercise's text promises, not
# just the example.
#
# **Limits when graded.** The grader stops a cell after 5 minutes and a kernel that uses more
# than 4 GB of memory. Either costs only the exercise whose cell caused it: the grader restarts
# the kernel and goes on with the remaining exercises.

# %% [markdown] nbgrader={"grade": false, "grade_id": "setup_md", "locked": true, "schema_version": 3, "solution": false}
# ## 0. Setup
#
# One cell for imports, the random seed and the device. Everything in this notebook is PyTorch;
# your functions must work on whatever `device` is (the grader may run them on a GPU).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
# %matplotlib inline
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

import utils
from utils import checks, plots, results, scenes, train
from utils.text import STOP_WORDS, Vocabulary, tokenize

utils.set_seed(0)
device = utils.get_device()
torch.set_num_threads(1)  # small models: on a shared CPU, more threads mostly wait for each other
print(f"device: {device} | grading: {utils.is_grading()}")

# %% tags=["parameters"]
SEED = 0                # every random choice below derives from it
MAX_LEN = 16            # <cls> + up to 15 caption tokens (longer captions are cut)
D_MODEL = 64            # width of every token vector
N_HEADS = 4             # attention heads per block (16 dimensions each)
D_FF = 256              # hidden width of the MLP in each block
N_LAYERS = 2            # encoder blocks
BATCH = 64              # captions per training step
EPOCHS = 1 if utils.is_grading() else 3   # passes over the 40,000 training captions
LR = 2e-3               # AdamW learning rate (constant)
IMAGE_SIZE = 32         # images are read at 32x32 by the image tower ...
PATCH = 8               # ... as a 4x4 grid of 8x8 patches
IMAGE_EPOCHS = 1 if utils.is_grading() else 3   # a short test of the image tower

# %% [markdown]
# ## 1. Attention: every element looks at every other
#
# Take $L_q$ **queries** $q_i$, $L_k$ **keys** $k_j$ and one **value** $v_j$ per key. Query $i$
# scores every key by a dot product, turns the scores into weights that sum to one, and returns
# the weighted average of the values:
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right) V,
# \qquad Q \in \mathbb{R}^{L_q \times d_k},\; K \in \mathbb{R}^{L_k \times d_k},\; V \in \mathbb{R}^{L_k \times d_v}.$$
#
# Why divide by $\sqrt{d_k}$? The transformer paper's reason (Vaswani et al. 2017, §3.2.1): for
# random vectors with independent unit-variance entries, $q \cdot k$ has variance $d_k$; without
# the scale, wide heads push the softmax into saturation, where one weight is ~1, the rest ~0,
# and the gradients vanish. **Self-attention** is
# $\mathrm{Attention}(X, X, X)$, with three learned projections of the same set $X$ as queries, keys
# and values (section 7 adds them).
#
# A **mask** says which keys a query may look at. We use it for **padding**: captions of
# different lengths are padded to a common length with `<pad>` tokens, and no query may attend
# to a pad. (Decoders also use it to hide the future — a *causal* mask, query $i$ sees keys
# $j \le i$ only — and so does CLIP's text transformer; BERT's encoder does not.)

# %% [markdown]
# ## 2. Exercise 1 — scaled dot-product attention (4 points)
#
# **Write** `attention(q, k, v, mask=None)` returning `(output, weights)`:
# * `q`: `(..., Lq, d_k)`, `k`: `(..., Lk, d_k)`, `v`: `(..., Lk, d_v)`, floating-point tensors
#   with the **same leading dimensions** `...` (any number of them, including none: `(Lq, d_k)`
#   works too). $L_q \ne L_k$ and $d_v \ne d_k$ are allowed.
# * `mask`: `None` (every query may attend to every key) or a **bool** tensor that broadcasts
#   to `(..., Lq, Lk)`; **`True` means "may attend", `False` means "masked"** — the convention of
#   `torch.nn.functional.scaled_dot_product_attention`. A padding mask of shape `(N, 1, 1, Lk)`
#   and a `(Lq, Lk)` mask shared by the whole batch both broadcast.
# * `weights`: `(..., Lq, Lk)`, `softmax(q k^T / sqrt(d_k))` over the **last** axis (the keys),
#   with `d_k = q.shape[-1]`; a masked position gets weight **exactly 0** and the others of its
#   row sum to 1.
# * `output = weights @ v`: `(..., Lq, d_v)`.
# * Both have the dtype and device of `q` (float32 in, float32 out; float64 in, float64 out).
#
# **Edge case.** A query row whose mask is `False` everywhere has nothing to attend to: its
# weights and its output are all zeros, not NaN (PyTorch 2.14's `scaled_dot_product_attention`
# returns zeros there too). That output is the constant 0, so its **gradients are 0 as well**:
# the row passes no gradient to `q`, and adds nothing (in particular no NaN) to the gradients of
# `k` and `v`. Why it matters: one NaN in a gradient spreads to every weight at the next
# optimiser step, so a batch holding one query with nothing to attend to would ruin a model. The
# hidden checks compare these gradients; the visible check below compares them with PyTorch's.
#
# **Pitfalls.**
# * Mask *before* the softmax, not after it: zeroing weights after the softmax leaves the other
#   weights summing to less than one. Fill the masked scores (`masked_fill` or `torch.where`)
#   with `-inf`, or with a number so negative that its exponential is exactly 0 whatever the
#   other scores, such as `torch.finfo(scores.dtype).min`. A fixed fill such as −10000 is not
#   enough: the hidden checks include rows whose allowed scores are all near −20000.
# * `softmax` of a row that is `-inf` everywhere is NaN; handle the edge case above *after* the
#   softmax (e.g. `weights.masked_fill(...)`) so that no NaN reaches the output.
# * Do not *add* a mask of 0s and `-inf`s to the scores: for a row with no allowed key the
#   forward pass can be repaired after the softmax, but its NaN still flows back through the
#   addition into the gradients of `q` and `k`. A fill gives the masked entries no gradient at all.
# * Scores can be large; use `torch.softmax` (it subtracts the row maximum) rather than
#   `exp(scores) / exp(scores).sum()`, which overflows.
# * `k.T` transposes *all* dimensions of a batched tensor: use `k.transpose(-2, -1)`.
# * Stay in PyTorch (no `.numpy()`, no `.detach()`): both returned tensors keep their graph.
#   The hidden checks also compare the gradients of `output` with respect to `q`, `k` and `v`,
#   and those of `weights` with respect to `q` and `k`.

# %% nbgrader={"grade": false, "grade_id": "attention", "locked": false, "schema_version": 3, "solution": true}
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention: (output (..., Lq, d_v), weights (..., Lq, Lk))."""
    ### BEGIN SOLUTION
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_attention", "locked": true, "points": 4, "schema_version": 3, "solution": false}
# A case worked by hand: d_k = 4, so the scores are divided by sqrt(4) = 2.
# q.k0 / 2 = 2 ln 3 / 2 = ln 3 and q.k1 / 2 = 0, so the weights are softmax(ln 3, 0) = (3/4, 1/4)
# and the output is 3/4 (4, 0) + 1/4 (0, 8) = (3, 2).
q1 = torch.tensor([[2.0, 0.0, 0.0, 0.0]], device=device)
k1 = torch.tensor([[math.log(3.0), 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], device=device)
v1 = torch.tensor([[4.0, 0.0], [0.0, 8.0]], device=device)
out1, w1 = attention(q1, k1, v1)
checks.check_array(w1, kind="tensor", shape=(1, 2), dtype=torch.float32, device=device, name="weights of the hand-worked case")
checks.check_array(out1, kind="tensor", shape=(1, 2), dtype=torch.float32, device=device, name="output of the hand-worked case")
checks.check_close(w1, torch.tensor([[0.75, 0.25]], device=device), name="weights of the hand-worked case",
                   hint="divide the scores by sqrt(d_k), d_k = q.shape[-1], and take the softmax over the keys (last axis)")
checks.check_close(out1, torch.tensor([[3.0, 2.0]], device=device), name="output of the hand-worked case")
# The same query may not look at key 0 (mask False): all its weight goes to key 1.
out1, w1 = attention(q1, k1, v1, mask=torch.tensor([[False, True]], device=device))
checks.check_close(w1, torch.tensor([[0.0, 1.0]], device=device), name="weights when key 0 is masked",
                   hint="True = may attend, False = masked; fill masked scores with -inf BEFORE the softmax")
checks.check_close(out1, torch.tensor([[0.0, 8.0]], device=device), name="output when key 0 is masked")

# Batched: 2 captions x 3 heads, 5 queries, 7 keys, d_k = 8, d_v = 6, a padding mask (2, 1, 1, 7),
# compared with PyTorch's own implementation - values and gradients.
g = torch.Generator().manual_seed(0)
q, k, v = (torch.randn(2, 3, n, d, generator=g).to(device) for n, d in ((5, 8), (7, 8), (7, 6)))
keep = torch.tensor([[True] * 7, [True] * 4 + [False] * 3], device=device).reshape(2, 1, 1, 7)
qg, kg, vg = (t.clone().requires_grad_(True) for t in (q, k, v))
out, w = attention(qg, kg, vg, mask=keep)
checks.check_array(out, kind="tensor", shape=(2, 3, 5, 6), dtype=torch.float32, device=device, name="batched output")
checks.check_array(w, kind="tensor", shape=(2, 3, 5, 7), dtype=torch.float32, device=device, name="batched weights")
checks.check_close(w.sum(-1), torch.ones(2, 3, 5, device=device), rtol=1e-5, atol=1e-6, name="row sums of the weights")
checks.check_equal(w[1, ..., 4:], torch.zeros(3, 5, 3, device=device), name="weights on the padded keys of caption 1")
qr, kr, vr = (t.clone().requires_grad_(True) for t in (q, k, v))
reference = F.scaled_dot_product_attention(qr, kr, vr, attn_mask=keep)
checks.check_close(out, reference, rtol=1e-4, atol=1e-5, name="batched output vs F.scaled_dot_product_attention")
grad_out = torch.randn(2, 3, 5, 6, generator=g).to(device)
(out * grad_out).sum().backward()
(reference * grad_out).sum().backward()
for name, mine, theirs in (("q", qg, qr), ("k", kg, kr), ("v", vg, vr)):
    checks.check_array(mine.grad, kind="tensor", shape=tuple(theirs.shape), name=f"gradient w.r.t. {name}")
    checks.check_close(mine.grad, theirs.grad, rtol=1e-4, atol=1e-5, name=f"gradient w.r.t. {name} vs PyTorch's",
                       hint="stay in torch: no .detach(), .numpy() or in-place changes of q, k, v")
# A (Lq, Lk) mask shared by the batch, whose last row allows no key at all: zeros, not NaN,
# and no gradient from that row (compared with PyTorch's gradients).
shared = torch.tensor([[True, True, False], [False, True, True], [False, False, False]], device=device)
q3, k3, v3 = (t[0, 0, :3, :].clone().requires_grad_(True) for t in (q, k, v))
out3, w3 = attention(q3, k3, v3, mask=shared)
checks.check_array(w3, kind="tensor", shape=(3, 3), name="weights without leading dimensions")
checks.check_equal(w3[2], torch.zeros(3, device=device), name="weights of a query that may attend to no key",
                   hint="softmax of a row of -inf is NaN: set such rows to 0 after the softmax")
checks.check_equal(out3[2], torch.zeros(6, device=device), name="output of a query that may attend to no key")
qr, kr, vr = (t.detach().clone().requires_grad_(True) for t in (q3, k3, v3))
reference = F.scaled_dot_product_attention(qr, kr, vr, attn_mask=shared)
(out3 * grad_out[0, 0, :3]).sum().backward()
(reference * grad_out[0, 0, :3]).sum().backward()
for name, mine, theirs in (("q", q3, qr), ("k", k3, kr), ("v", v3, vr)):
    checks.check_close(mine.grad, theirs.grad, rtol=1e-4, atol=1e-5,
                       name=f"gradient w.r.t. {name} when a query may attend to no key, vs PyTorch's",
                       hint="fill masked scores (masked_fill / torch.where) rather than adding -inf: "
                            "the NaN of a row without keys must not flow back")
out64, w64 = attention(q1.double(), k1.double(), v1.double())
checks.check_dtype(out64, torch.float64, name="output for float64 inputs")
checks.check_dtype(w64, torch.float64, name="weights for float64 inputs")
print("Exercise 1: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution


def run_attention(fn, q, k, v, mask, grad_out):
    """Output, weights, whether masked weights are exactly 0, and the gradients of <output, grad_out>."""
    q, k, v = (t.clone().requires_grad_(True) for t in (q, k, v))
    out, weights = fn(q, k, v) if mask is None else fn(q, k, v, mask=mask)
    (out * grad_out).sum().backward()
    weights = weights.detach()
    try:
        exactly_zero = None if mask is None else bool((weights[~mask.expand(weights.shape)] == 0).all())
    except (RuntimeError, IndexError):  # weights of a wrong shape: reported by the comparison of `weights`
        exactly_zero = None
    return out.detach(), weights, exactly_zero, q.grad, k.grad, v.grad


g = torch.Generator().manual_seed(101)


def attention_case(lead, lq, lk, dk, dv, mask=None, scale=1.0, dtype=torch.float32):
    """Random q, k, v with leading dimensions `lead` (and a fixed output gradient)."""
    q = scale * torch.randn(*lead, lq, dk, generator=g, dtype=torch.float64)
    k = scale * torch.randn(*lead, lk, dk, generator=g, dtype=torch.float64)
    v = torch.randn(*lead, lk, dv, generator=g, dtype=torch.float64)
    grad_out = torch.randn(*lead, lq, dv, generator=g, dtype=torch.float64)
    return {"q": q.to(device, dtype), "k": k.to(device, dtype), "v": v.to(device, dtype),
            "mask": None if mask is None else mask.to(device), "grad_out": grad_out.to(device, dtype)}


padding = torch.ones(3, 1, 1, 6, dtype=torch.bool)
padding[1, ..., 4:] = False
padding[2, ..., 1:] = False
causal = torch.ones(5, 5, dtype=torch.bool).tril()
full = torch.rand(2, 4, 3, 5, generator=g) > 0.4
full[..., 0] = True
empty_rows = torch.rand(2, 4, 6, generator=g) > 0.5
empty_rows[0, 1] = False
empty_rows[1, 3] = False
some = torch.rand(2, 4, 5, generator=g) > 0.3
some[..., 0] = True
cases = {
    "no leading dimensions, Lq != Lk, d_v != d_k, mask=None": attention_case((), 3, 5, 4, 2),
    "one leading dimension, no mask": attention_case((4,), 6, 6, 8, 8),
    "(batch, heads) with a (N, 1, 1, Lk) padding mask": attention_case((3, 2), 4, 6, 8, 5, padding),
    "three leading dimensions with a shared (Lq, Lk) mask": attention_case((2, 3, 2), 5, 5, 4, 3, causal),
    "a mask of full shape (..., Lq, Lk)": attention_case((2, 4), 3, 5, 6, 7, full),
    "queries with no allowed key: zero weights, output and gradients": attention_case((2,), 4, 6, 3, 2, empty_rows),
    "large scores: a numerically stable softmax": attention_case((2,), 4, 5, 16, 3, some, scale=12.0),
    "float64 inputs stay float64": attention_case((2,), 3, 4, 5, 6, causal[:3, :4], dtype=torch.float64),
    "d_k = 1": attention_case((3,), 2, 3, 1, 4),
}
# Every allowed score near -20000 (float64, so that the rounding of such scores is no issue):
# a fixed fill such as -10000 would give the masked keys all the weight.
far = attention_case((2,), 3, 5, 4, 2, some[:, :3], dtype=torch.float64)
far["q"][..., 0] = 100.0
far["k"][..., 0] = -400.0
cases["allowed scores near -20000: masked keys still get weight exactly 0"] = far
compare_with_solution("attention", attention, cases, rtol=1e-4, atol=1e-5, run=run_attention)


def run_weights(fn, q, k, v, mask, grad_w):
    """The gradients of <weights, grad_w> with respect to q and k (the weights keep their graph)."""
    q, k, v = (t.clone().requires_grad_(True) for t in (q, k, v))
    _, weights = fn(q, k, v, mask=mask)
    if not weights.requires_grad:
        return "the returned weights have no graph (detached)"
    (weights * grad_w).sum().backward()
    return q.grad, k.grad


with_grad_w = attention_case((2,), 3, 5, 4, 2, some[:, :3])
with_grad_w.pop("grad_out")
with_grad_w["grad_w"] = torch.randn(2, 3, 5, generator=g, dtype=torch.float64).to(device, torch.float32)
compare_with_solution("attention", attention, {
    "the weights keep their graph: their gradients w.r.t. q and k": with_grad_w},
    rtol=1e-4, atol=1e-5, run=run_weights)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Positions: attention sees a set
#
# Shuffle the keys and values together and the output of attention does not change: it has no
# idea of order. "A dog chases a cat" and "a cat chases a dog" would be the same set of words.
# The original transformer (Vaswani et al. 2017, §3.5) adds to each token vector a **positional
# encoding**, a fixed vector per position $k = 0, 1, 2, \dots$ made of sines and cosines of
# geometrically spaced frequencies — the lecture's formula:
#
# $$P(k, 2i) = \sin\!\left(\frac{k}{n^{2i/d}}\right), \qquad P(k, 2i+1) = \cos\!\left(\frac{k}{n^{2i/d}}\right),
# \qquad i = 0, 1, \dots$$
#
# with $d$ the vector width and $n = 10{,}000$ in the paper. Each pair of columns $(2i, 2i+1)$ is a
# point going round a circle at its own speed: the first pair turns by one radian per position, the
# last almost not at all — like the hands of a clock. The lecture's table for "I am a robot" uses
# $d = 4$, $n = 100$:
#
# | position $k$ | token | $P(k, 0)$ | $P(k, 1)$ | $P(k, 2)$ | $P(k, 3)$ |
# |---|---|---|---|---|---|
# | 0 | I | 0 | 1 | 0 | 1 |
# | 1 | am | 0.84 | 0.54 | 0.10 | 1.0 |
# | 2 | a | 0.91 | −0.42 | 0.20 | 0.98 |
# | 3 | robot | 0.14 | −0.99 | 0.30 | 0.96 |
#
# Fixed sinusoids are one choice, not the only one. The transformer paper also tried *learned*
# position embeddings — one trained vector per position — and found "nearly identical results"
# (its Table 3, row E). ViT and both of CLIP's transformers learn theirs (ViT §3.1: "standard
# learnable 1D position embeddings"; CLIP's released code makes them trained parameters). This
# notebook uses the sinusoids, for the text and for the image patches alike.

# %% [markdown]
# ## 4. Exercise 2 — sinusoidal positional encodings (3 points)
#
# **Write** `positional_encoding(n_positions, d, n=10000)`:
# * returns a `torch.Tensor` of shape `(n_positions, d)`, dtype **float32**, on the **CPU** (a model
#   registers it as a buffer, and `.to(device)` moves it with the model);
# * row $k$ is position $k = 0, 1, \dots$, `n_positions - 1` (positions start at **0**);
# * column $j$ uses $i = \lfloor j/2 \rfloor$: **sin** in the even columns, **cos** in the odd ones,
#   interleaved as in the formula (not all sines first);
# * `d` may be **odd**: the last column is then a sine; `n_positions` may be 0 (an empty `(0, d)` tensor);
# * compute the angles $k / n^{2i/d}$ in **float64** and cast the result to float32 at the end:
#   with a few thousand positions, float32 angles are off by about $10^{-4}$.
#
# Vectorise: one `(n_positions, 1)` column of positions times one `(1, d)` row of frequencies,
# no Python loop over positions. (A hidden check counts the Python lines one call of your function
# runs: there must be as many for 8 positions as for 64.)

# %% nbgrader={"grade": false, "grade_id": "positional_encoding", "locked": false, "schema_version": 3, "solution": true}
def positional_encoding(n_positions: int, d: int, n: float = 10000) -> torch.Tensor:
    """Sinusoidal positional encodings P(k, 2i) = sin(k / n^(2i/d)), P(k, 2i+1) = cos(...): (n_positions, d)."""
    ### BEGIN SOLUTION
    k = torch.arange(n_positions, dtype=torch.float64)[:, None]
    j = torch.arange(d)
    angles = k / float(n) ** (2 * (j // 2).to(torch.float64) / d)
    return torch.where(j % 2 == 0, torch.sin(angles), torch.cos(angles)).to(torch.float32)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_positional_encoding", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# The lecture's table: d = 4, n = 100, to two decimals.
P = positional_encoding(4, 4, n=100)
checks.check_array(P, kind="tensor", shape=(4, 4), dtype=torch.float32, device="cpu", name="positional_encoding(4, 4, n=100)")
checks.check_close(P[0], torch.tensor([0.0, 1.0, 0.0, 1.0]), atol=1e-6, name="P[0] (position 0: sin 0 = 0, cos 0 = 1)",
                   hint="positions start at 0; even columns are sines, odd columns cosines")
lecture = torch.tensor([[0.84, 0.54, 0.10, 1.0], [0.91, -0.42, 0.20, 0.98], [0.14, -0.99, 0.30, 0.96]])
checks.check_close(torch.round(P[1:], decimals=2), lecture, rtol=0.0, atol=1e-6, name="P[1:4] rounded to two decimals (the lecture's table)",
                   hint="column j uses i = j // 2 and the angle k / n**(2i / d); columns 2i and 2i+1 share a frequency")
# The default n = 10000, with d = 6, written out for position 2.
P6 = positional_encoding(3, 6)
angles = [2.0, 2.0, 2.0 / 10000 ** (2 / 6), 2.0 / 10000 ** (2 / 6), 2.0 / 10000 ** (4 / 6), 2.0 / 10000 ** (4 / 6)]
expected = torch.tensor([math.sin(angles[0]), math.cos(angles[1]), math.sin(angles[2]), math.cos(angles[3]),
                         math.sin(angles[4]), math.cos(angles[5])])
checks.check_close(P6[2], expected, rtol=1e-6, atol=1e-7, name="positional_encoding(3, 6)[2] (default n = 10000)")
# An odd width: the last column is a sine.
P5 = positional_encoding(2, 5)
checks.check_array(P5, kind="tensor", shape=(2, 5), dtype=torch.float32, name="positional_encoding(2, 5)")
checks.check_value(float(P5[1, 4]), math.sin(1 / 10000 ** (4 / 5)), rtol=1e-6, name="P[1, 4] for d = 5")
checks.check_array(positional_encoding(0, 8), kind="tensor", shape=(0, 8), dtype=torch.float32, name="positional_encoding(0, 8)")
print("Exercise 2: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution

cases = {
    "100 positions, d = 64, default n": {"n_positions": 100, "d": 64},
    "odd d = 7": {"n_positions": 12, "d": 7, "n": 10000},
    "the lecture's n = 100, d = 4, 10 positions": {"n_positions": 10, "d": 4, "n": 100},
    "2,048 positions: angles computed in float64": {"n_positions": 2048, "d": 16},
    "zero positions": {"n_positions": 0, "d": 6},
    "d = 1: a single sine column": {"n_positions": 5, "d": 1},
    "a small base n = 2, d = 10": {"n_positions": 9, "d": 10, "n": 2},
}
compare_with_solution("positional_encoding", positional_encoding, cases, rtol=1e-5, atol=1e-6)

def lines_run(fn, *args):
    """How many Python lines of `fn`'s cell one call fn(*args) runs (a loop runs its body again and again)."""
    import sys

    source = getattr(getattr(fn, "__code__", None), "co_filename", None)
    lines = 0

    def count(frame, event, arg):
        nonlocal lines
        if event == "line":
            lines += 1
        return count

    def enter(frame, event, arg):
        return count if frame.f_code.co_filename == source else None

    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        fn(*args)
    finally:
        sys.settrace(previous)
    return lines


def no_position_loop(fn, few, many, d):
    """Whether fn runs as many Python lines for `many` positions as for `few` (no loop over positions)."""
    return lines_run(fn, few, d) == lines_run(fn, many, d)


compare_with_solution("positional_encoding", positional_encoding, {
    "no loop over positions: the Python lines run do not grow with n_positions": {
        "few": 8, "many": 64, "d": 6}}, run=no_position_loop, exact=True)
### END HIDDEN TESTS

# %% [markdown]
# What do the encodings look like, and what do they say about positions? Left: the matrix for the
# 64 positions and 64 dimensions of a realistic model (each column oscillates at its own
# frequency: fast on the left, slow on the right). Right: the dot products $P(a) \cdot P(b)$
# between all pairs of positions.

# %%
with utils.skip_until_done():
    P = positional_encoding(64, 64)
    dots = P @ P.T
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    im = axes[0].imshow(P, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    axes[0].set(title="Positional encodings P (n = 10,000)", xlabel="dimension j", ylabel="position k")
    fig.colorbar(im, ax=axes[0], fraction=0.046)
    im = axes[1].imshow(dots, cmap="viridis", aspect="auto")
    axes[1].set(title="Dot products P(a) · P(b)", xlabel="position b", ylabel="position a")
    fig.colorbar(im, ax=axes[1], fraction=0.046)
    for a in (0, 20, 40):
        axes[2].plot(range(64), dots[a], label=f"a = {a}")
    axes[2].set(title="P(a) · P(b) along three rows", xlabel="position b", ylabel="dot product")
    axes[2].legend()
    axes[2].grid(alpha=0.3)
    fig.tight_layout()
    plt.show()
    gaps = torch.tensor([float(dots[10, 10 + s]) for s in (0, 1, 2, 4, 8, 16, 32)])
    print("P(10) · P(10 + s) for s = 0, 1, 2, 4, 8, 16, 32:", np.round(gaps.numpy(), 1))
    print("P(40) · P(40 + s) for s = 0, 1, 2, 4, 8, 16:", np.round([float(dots[40, 40 + s]) for s in (0, 1, 2, 4, 8, 16)], 1))
    far = dots[(torch.arange(64)[:, None] - torch.arange(64)[None, :]).abs() >= 8]
    print(f"positions 8 or more apart: dot products between {float(far.min()):.1f} and {float(far.max()):.1f}")

# %% [markdown]
# The dot product of two encodings depends only on their **distance**:
# $P(a)\cdot P(b) = \sum_i \cos\big((a-b)/n^{2i/d}\big)$. It is largest ($d/2 = 32$) on the
# diagonal, falls off smoothly for neighbours, and the band has the same shape on every row,
# wherever a word stands: as the lecture puts it, “Nearness” between adjacent positions is
# "preserved by encoding functions". Because each pair of columns is a rotation, $P(k + s)$ is a fixed linear function
# of $P(k)$: the transformer paper chose the sinusoids because it hypothesised that this "would
# allow the model to easily learn to attend by relative positions" (§3.5) — learn "look one word
# to the left" once for all positions. Measured above: $P(10)\cdot P(10+s)$ is 32,
# 30.9, 28.3, 23.9 for $s$ = 0, 1, 2, 4, and the same numbers from position 40. Further away
# the curve does not fall to zero: for positions 8 or more apart it ripples between 13.4 and
# 22.4 (printed above), so the encodings separate *near* from *far* well, and *far* from *farther*
# hardly at all.

# %% [markdown]
# ## 5. Masked language modelling: BERT's game
#
# How does a text tower learn what words mean without labels? BERT plays a game with itself:
# hide some words of a sentence, and predict them from the rest. The lecture: *"15% of words
# selected for training"*, *"80% of those [MASK]"*, *"10% random token"*, *"10% original token"*.
#
# **The paper's rule** (Devlin et al. 2019, §3.1):
# * **15 %** of the token positions are chosen at random for prediction;
# * a chosen token is replaced by `[MASK]` **80 %** of the time, by a **random** token **10 %**,
#   and left **unchanged 10 %**;
# * the model predicts the **original** token at every chosen position, with a cross-entropy loss.
#
# Why not always `[MASK]`? The paper's answer: `[MASK]` never appears when the model is fine-tuned
# later (§3.1), and since the encoder cannot tell which tokens it will be asked to predict or which
# were replaced, it is "forced to keep a distributional contextual representation of every
# input token" (appendix A.1).
#
# **The course's version**, which exercise 3 implements exactly. The paper leaves these details
# open; each choice is also made by a widely used implementation, but none is the paper's text:
# * **every non-special token is selected on its own with probability 0.15**, so a caption gets
#   15 % of its tokens *on average*, not exactly (as Hugging Face's `DataCollatorForLanguageModeling`
#   does; Google's original BERT code picks a fixed number per sequence, 15 % of its length rounded);
# * **special tokens** (`<pad>`, `<cls>`, …) are never selected (the original code, too, skips its
#   `[CLS]` and `[SEP]`) and **never used as the random token** (both implementations above draw
#   it from the whole vocabulary, special tokens included);
# * the **labels** are the original ids at the selected positions and **−100** everywhere else:
#   `F.cross_entropy` skips −100 by default (`ignore_index=-100`), and Hugging Face uses the same
#   convention;
# * the training loop draws a **new mask for every batch** (RoBERTa's "dynamic masking", Liu et
#   al. 2019, §4.1; BERT masked its training data once, when preparing it).
#
# **Tokens.** We tokenize with the course's plain `utils.text.tokenize` (lowercase, split on
# spaces, strip punctuation) and build a `utils.text.Vocabulary` from the training captions,
# with four special tokens first: `<pad>` = 0, `<unk>` = 1, `<mask>` = 2, `<cls>` = 3. Every
# caption becomes `<cls>` + its token ids, padded with `<pad>` to `MAX_LEN` = 16 ids. `<cls>` plays
# the part of BERT's `[CLS]`, a first token whose output vector can stand for the whole sentence
# (Devlin et al. 2019, §3); the masked language model below never reads it, but the image tower of
# section 10 uses the same trick, as ViT does.

# %%
train_data = scenes.load_scenes("train")
test_data = scenes.load_scenes("test")
SPECIALS = ("<pad>", "<unk>", "<mask>", "<cls>")
vocab = Vocabulary.from_texts(train_data.captions, specials=SPECIALS)
SPECIAL_IDS = [vocab.id(s) for s in SPECIALS]
PAD_ID, MASK_ID, CLS_ID = vocab.id("<pad>"), vocab.id("<mask>"), vocab.id("<cls>")


def encode(captions: list[str]) -> torch.Tensor:
    """<cls> + token ids of each caption, padded with <pad> to MAX_LEN: (N, MAX_LEN) int64."""
    ids, _ = vocab.encode_texts(captions, MAX_LEN - 1)
    return torch.from_numpy(np.concatenate([np.full((len(ids), 1), CLS_ID), ids], axis=1))


train_ids, test_ids = encode(train_data.captions), encode(test_data.captions)
lengths = (train_ids != PAD_ID).sum(1)
print(f"vocabulary: {len(vocab)} ids ({len(SPECIALS)} special) | train {tuple(train_ids.shape)}, "
      f"test {tuple(test_ids.shape)} | tokens per caption incl. <cls>: median {int(lengths.median())}, "
      f"max {int(lengths.max())}; {(lengths == MAX_LEN).float().mean():.1%} of captions are cut")
print(test_data.captions[0], "->", test_ids[0].tolist())
print("unknown tokens in the test captions:", int((test_ids == vocab.unk_id).sum()))

# %% [markdown]
# ## 6. Exercise 3 — BERT's masking rule (4 points)
#
# **Write** `mask_tokens(ids, vocab_size, special_ids, mask_id, rng)` returning `(inputs, labels)`:
# * `ids`: an int64 tensor of token ids of any shape (usually `(N, L)`), on any device;
# * `vocab_size`: the number of ids; `special_ids`: a list, tuple or set of the special ids
#   (they are never selected, and never used as random replacements); `mask_id`: the id of `<mask>`;
# * `rng`: a `numpy.random.Generator`. The hidden checks compare your output with the solution's
#   at fixed seeds, so use it **exactly** like this — three draws, in this order, each of the
#   full shape `ids.shape`, **always** (even where a draw is not needed):
#   1. `select = rng.random(ids.shape)`: a position is **selected** when `select < 0.15` and its
#      token is not special;
#   2. `action = rng.random(ids.shape)`: a selected position becomes `mask_id` when
#      `action < 0.8`, a random token when `0.8 <= action < 0.9`, and stays unchanged when
#      `action >= 0.9`;
#   3. `pick = rng.integers(0, len(candidates), size=ids.shape)`, where `candidates` lists the
#      non-special ids `0 … vocab_size - 1` in increasing order: the random token at a position
#      is `candidates[pick]` there;
# * returns `inputs` (the ids after replacement) and `labels` (the original id at selected
#   positions, −100 elsewhere), both int64 tensors of the shape and **device** of `ids`;
# * does **not** change `ids` itself (work on a copy).
#
# Doing the bookkeeping in numpy is fine (`ids.cpu().numpy()`, then `torch.from_numpy(...).to(ids.device)`),
# and so is torch; draw the random numbers with `rng` either way. Note that the unchanged 10 %
# are still **selected**: their labels are their own ids.

# %% nbgrader={"grade": false, "grade_id": "mask_tokens", "locked": false, "schema_version": 3, "solution": true}
def mask_tokens(ids: torch.Tensor, vocab_size: int, special_ids: list[int] | tuple[int, ...] | set[int],
                mask_id: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's rule: (inputs, labels) with 15% of the non-special tokens selected, 80/10/10."""
    ### BEGIN SOLUTION
    special = sorted(set(int(s) for s in special_ids))
    candidates = np.array([t for t in range(vocab_size) if t not in special], dtype=np.int64)
    select = rng.random(ids.shape)
    action = rng.random(ids.shape)
    pick = rng.integers(0, len(candidates), size=ids.shape)
    original = ids.cpu().numpy()
    selected = (select < 0.15) & ~np.isin(original, special)
    inputs = original.copy()
    inputs[selected & (action < 0.8)] = mask_id
    randomised = selected & (action >= 0.8) & (action < 0.9)
    inputs[randomised] = candidates[pick[randomised]]
    labels = np.where(selected, original, -100)
    return torch.from_numpy(inputs).to(ids.device), torch.from_numpy(labels).to(ids.device)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_mask_tokens", "locked": true, "points": 4, "schema_version": 3, "solution": false}
# A small batch at seed 209: <cls> = 3 and <pad> = 0 are special, <mask> = 2, 12 ids. Six tokens are
# selected: four become <mask>, 7 becomes a random 6, and one 6 stays itself (but is still labelled).
# The <cls> of the second row also draws select < 0.15, but special tokens are never selected.
small = torch.tensor([[3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0],
                      [3, 11, 10, 9, 8, 7, 6, 5, 4, 10, 9, 8]], device=device)
before = small.clone()
inputs, labels = mask_tokens(small, 12, [0, 1, 2, 3], 2, np.random.default_rng(209))
checks.check_array(inputs, kind="tensor", shape=(2, 12), dtype=torch.int64, device=device, name="inputs")
checks.check_array(labels, kind="tensor", shape=(2, 12), dtype=torch.int64, device=device, name="labels")
checks.check_equal(small, before, name="ids after the call (must be unchanged)", hint="work on a copy of ids")
EXPECTED_INPUTS = [[3, 4, 5, 2, 6, 8, 9, 10, 2, 0, 0, 0], [3, 11, 10, 9, 8, 2, 6, 5, 2, 10, 9, 8]]
EXPECTED_LABELS = [[-100, -100, -100, 6, 7, -100, -100, -100, 11, -100, -100, -100],
                   [-100, -100, -100, -100, -100, 7, 6, -100, 4, -100, -100, -100]]
checks.check_equal(labels, torch.tensor(EXPECTED_LABELS, device=device), name="labels for the seed-209 batch",
                   hint="draw select, action and pick with rng, each of shape ids.shape, in this order; "
                        "label = original id where selected, -100 elsewhere")
checks.check_equal(inputs, torch.tensor(EXPECTED_INPUTS, device=device), name="inputs for the seed-209 batch",
                   hint="action < 0.8 -> mask_id; 0.8 <= action < 0.9 -> candidates[pick]; otherwise unchanged")
# A large batch: the proportions of the rule (fixed seed, so the counts below are exact, not luck).
big = torch.randint(4, 100, (400, 50), generator=torch.Generator().manual_seed(0)).to(device)
big[:, 0] = 3
big[:, 40:] = 0
inputs, labels = mask_tokens(big, 100, {0, 1, 2, 3}, 2, np.random.default_rng(0))
selected = labels != -100
special = big < 4
checks.check_equal(selected[special].sum(), torch.tensor(0, device=device), name="special tokens selected",
                   hint="<pad> and <cls> are never selected")
checks.check_equal(inputs[~selected], big[~selected], name="inputs at unselected positions")
checks.check_equal(labels[selected], big[selected], name="labels at selected positions")
share = selected.sum().item() / (~special).sum().item()
masked = (inputs[selected] == 2).float().mean().item()
kept = (inputs[selected] == big[selected]).float().mean().item()
print(f"selected {share:.1%} of the non-special tokens; of those {masked:.1%} <mask>, {kept:.1%} unchanged")
checks.check_value(share, 0.15, rtol=0.01, name="share of the non-special tokens selected (15% +- 1%)")
checks.check_value(masked, 0.8, rtol=0.03, name="share of the selected that became <mask> (80% +- 3%)")
checks.check_value(kept, 0.1, rtol=0.03, name="share of the selected left unchanged (10% +- 3%)")
checks.check_equal((inputs < 4)[selected & (inputs != 2)].sum(), torch.tensor(0, device=device),
                   name="special ids used as random replacements", hint="random tokens come from the non-special ids only")
print("Exercise 3: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution


def run_masking(fn, ids, vocab_size, special_ids, mask_id, seed):
    """inputs, labels, and ids after the call (it must not change them)."""
    inputs, labels = fn(ids, vocab_size, special_ids, mask_id, np.random.default_rng(seed))
    return inputs, labels, ids


g = torch.Generator().manual_seed(303)


def id_batch(shape, low, high):
    """Random ids in [low, high) on the device."""
    return torch.randint(low, high, shape, generator=g).to(device)


padded = id_batch((6, 20), 4, 40)
padded[:, 0] = 3
padded[2:, 12:] = 0
odd_specials = id_batch((12, 40), 0, 16)
only_special = torch.tensor([[3, 0, 0], [3, 1, 0]], device=device)
large = id_batch((300, 40), 4, 60)
large[:, 0] = 3
large[:, 30:] = 0
cases = {
    "a padded batch with <cls> and <pad>": {"ids": padded, "vocab_size": 40, "special_ids": [0, 1, 2, 3],
                                            "mask_id": 2, "seed": 0},
    "a 1-d sequence": {"ids": id_batch((64,), 4, 30), "vocab_size": 30, "special_ids": [0, 1, 2, 3],
                       "mask_id": 2, "seed": 1},
    "3-d ids": {"ids": id_batch((3, 4, 25), 4, 50), "vocab_size": 50, "special_ids": (0, 1, 2, 3),
                "mask_id": 2, "seed": 2},
    "special ids not at the start of the vocabulary": {"ids": odd_specials, "vocab_size": 16,
                                                       "special_ids": {0, 5, 9, 13}, "mask_id": 9, "seed": 4},
    "a batch of special tokens only: nothing selected": {"ids": only_special, "vocab_size": 10,
                                                         "special_ids": [0, 1, 2, 3], "mask_id": 2, "seed": 5},
    "a large batch, seed 6": {"ids": large, "vocab_size": 60, "special_ids": [0, 1, 2, 3], "mask_id": 2, "seed": 6},
}
compare_with_solution("mask_tokens", mask_tokens, cases, exact=True, run=run_masking)


def proportions(fn, ids, vocab_size, special_ids, mask_id, seed):
    """Shares of selected, <mask>, random and unchanged tokens on a large batch."""
    inputs, labels = fn(ids, vocab_size, special_ids, mask_id, np.random.default_rng(seed))
    selected = labels != -100
    n = max(1, int(selected.sum()))
    return [float(selected.sum()) / float((ids >= 4).sum()), float((inputs[selected] == mask_id).sum()) / n,
            float((inputs[selected] == ids[selected]).sum()) / n]


huge = id_batch((500, 60), 4, 200)
huge[:, 0] = 3
compare_with_solution("mask_tokens", mask_tokens, {
    "the 15% / 80-10-10 proportions on 30,000 tokens": {"ids": huge, "vocab_size": 200, "special_ids": [0, 1, 2, 3],
                                                        "mask_id": 2, "seed": 7}}, rtol=0.0, atol=0.01, run=proportions)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. The transformer encoder block
#
# One block turns a sequence of $L$ vectors into $L$ new vectors of the same width, in two steps,
# each wrapped in a **residual** connection ($x + f(x)$: the block only has to learn a change, and
# gradients flow straight through) and each preceded by a **LayerNorm**: the "pre-norm" layout of
# GPT-2 (Radford et al. 2019, §2.3), ViT (§3.1) and CLIP's transformers. The original transformer
# normalised *after* each residual, $\mathrm{LN}(x + f(x))$ (Vaswani et al. 2017, §3.1), a layout
# that needs a learning-rate warm-up to train stably (Xiong et al. 2020):
#
# $$h = x + \mathrm{MHSA}(\mathrm{LN}_1(x)), \qquad y = h + \mathrm{MLP}(\mathrm{LN}_2(h)).$$
#
# **Multi-head self-attention (MHSA).** One linear layer projects every token to a query, a key
# and a value of width $d$. They are cut into $H$ **heads** of width $d_h = d / H$; each head runs
# attention on its own (one head may track "which noun does this colour belong to", another "what
# comes next"), the $H$ outputs are concatenated back to width $d$, and one more linear layer
# mixes them. **The MLP** is applied to every token separately: Linear($d \to d_{ff}$), GELU,
# Linear($d_{ff} \to d$).

# %% [markdown]
# ## 8. Exercise 4 — a pre-norm encoder block (6 points)
#
# **Write** the class `EncoderBlock(d_model, n_heads, d_ff)`. The hidden check loads the
# solution's weights into your module, so the architecture is fixed — exactly these attributes
# (their names become the keys of `state_dict()`), with PyTorch's default arguments:
#
# | attribute | module | role |
# |---|---|---|
# | `norm1` | `nn.LayerNorm(d_model)` | before attention |
# | `qkv` | `nn.Linear(d_model, 3 * d_model)` | output features `[0, d)` are the queries, `[d, 2d)` the keys, `[2d, 3d)` the values |
# | `out` | `nn.Linear(d_model, d_model)` | mixes the concatenated heads |
# | `norm2` | `nn.LayerNorm(d_model)` | before the MLP |
# | `mlp` | `nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))` | the MLP (exact GELU, the default) |
#
# and keep `n_heads` (e.g. as `self.n_heads`; `d_model` is a multiple of it). No dropout, no other parameters.
#
# **`forward(x, pad_mask=None)`** returns `(y, weights)`:
# * `x`: `(N, L, d_model)` float; `pad_mask`: `None` or a bool `(N, L)` tensor, **`True` for a real
#   token, `False` for padding**; no query may attend to a padding key (every query row, padding
#   positions included, is computed as usual — only the keys are masked);
# * heads: within the queries (and likewise keys and values), head $h$ owns features
#   `[h * d_h, (h + 1) * d_h)`. The intended way: reshape `(N, L, d)` → `(N, L, H, d_h)` →
#   transpose to `(N, H, L, d_h)` and call **your `attention`** once for all heads, with the
#   padding mask reshaped to `(N, 1, 1, L)` (only the numbers are graded: a loop over the heads,
#   or attention computed inline, is fine too);
# * merge the heads back in the same feature order (transpose to `(N, L, H, d_h)`, reshape to
#   `(N, L, d)`), apply `out`, add the residual; then the MLP branch with its residual;
# * `y`: `(N, L, d_model)`; `weights`: the attention weights `(N, H, L, L)`.
#
# **Pitfalls.** `x.reshape(N, H, L, d_h)` without the transpose compiles and runs, but mixes up
# tokens and features. Normalise the *input* of each branch, not the residual stream.
#
# The check compares your block with PyTorch's own `nn.TransformerEncoderLayer(norm_first=True)`
# carrying the same weights. In your notebook it runs your block with *your* `attention`, so make
# exercise 1's check pass first. **When graded**, this check (visible part and hidden cases) runs
# your block with a reference attention — PyTorch's own — in the place of the name `attention`,
# and puts yours back afterwards: a mistake in exercise 1 costs exercise 1's points only, not this
# exercise's too.

# %% nbgrader={"grade": false, "grade_id": "EncoderBlock", "locked": false, "schema_version": 3, "solution": true}
class EncoderBlock(nn.Module):
    """Pre-norm transformer encoder block: x + MHSA(LN(x)), then + MLP(LN(.)); returns (y, weights)."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        """The layers of the table above."""
        super().__init__()
        ### BEGIN SOLUTION
        if d_model % n_heads:
            raise ValueError(f"d_model = {d_model} is not a multiple of n_heads = {n_heads}")
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        ### END SOLUTION

    def forward(self, x: torch.Tensor, pad_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x (N, L, d) and pad_mask (N, L) bool (True = real token) -> (y (N, L, d), weights (N, H, L, L))."""
        ### BEGIN SOLUTION
        n, length, d = x.shape
        heads = self.n_heads

        def split(t: torch.Tensor) -> torch.Tensor:
            """(N, L, d) -> (N, H, L, d_h)."""
            return t.reshape(n, length, heads, d // heads).transpose(1, 2)

        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(split(q), split(k), split(v), mask)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        x = x + self.mlp(self.norm2(x))
        return x, weights
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_EncoderBlock", "locked": true, "points": 6, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
# Graded: the block runs with a reference attention (PyTorch's own) in place of the student's
# `attention`, which exercise 1 grades: in the hidden cases and in the visible checks below. The
# student's `attention` is put back after this cell, even when a check fails.
from IPython import get_ipython

from autograder.reference import compare_with_solution

missing = object()


def reference_attention(q, k, v, mask=None):
    """F.scaled_dot_product_attention's output, and its weights (the output for identity values)."""
    eye = torch.eye(k.shape[-2], dtype=v.dtype, device=v.device).expand(*v.shape[:-1], k.shape[-2])
    both = F.scaled_dot_product_attention(q, k, torch.cat([v, eye], dim=-1), attn_mask=mask)
    return both[..., : v.shape[-1]], both[..., v.shape[-1]:]


student_attention = globals().get("attention", missing)


def restore_attention(*_) -> None:
    """Put the student's attention back (a post_run_cell hook: it runs even after a failed check)."""
    if student_attention is missing:
        globals().pop("attention", None)
    else:
        globals()["attention"] = student_attention
    get_ipython().events.unregister("post_run_cell", restore_attention)


if get_ipython() is not None:
    globals()["attention"] = reference_attention
    get_ipython().events.register("post_run_cell", restore_attention)


def run_block(impl, d_model, n_heads, d_ff, state, x, pad_mask, grad_out):
    """Build the block, load fixed weights, run it with the reference attention; outputs and dL/dx."""
    namespace = getattr(impl.forward, "__globals__", globals())  # where the block looks `attention` up
    saved = namespace.get("attention", missing)
    namespace["attention"] = reference_attention
    try:
        block = impl(d_model, n_heads, d_ff).to(device)
        block.load_state_dict(state)
        x = x.clone().requires_grad_(True)
        y, weights = block(x) if pad_mask is None else block(x, pad_mask)
        (y * grad_out).sum().backward()
        return y.detach(), weights.detach(), x.grad
    finally:
        if saved is missing:
            namespace.pop("attention", None)
        else:
            namespace["attention"] = saved


g = torch.Generator().manual_seed(404)


def block_case(d_model, n_heads, d_ff, n, length, lengths=None):
    """Fixed random weights, inputs, padding mask (from the lengths) and output gradient."""
    shapes = {"norm1.weight": (d_model,), "norm1.bias": (d_model,), "qkv.weight": (3 * d_model, d_model),
              "qkv.bias": (3 * d_model,), "out.weight": (d_model, d_model), "out.bias": (d_model,),
              "norm2.weight": (d_model,), "norm2.bias": (d_model,), "mlp.0.weight": (d_ff, d_model),
              "mlp.0.bias": (d_ff,), "mlp.2.weight": (d_model, d_ff), "mlp.2.bias": (d_model,)}
    state = {}
    for name, shape in shapes.items():
        scale = 1 / math.sqrt(shape[-1]) if len(shape) == 2 else 0.2
        state[name] = (torch.randn(shape, generator=g) * scale + (1.0 if name.startswith("norm") and
                                                                   name.endswith("weight") else 0.0)).to(device)
    pad = None
    if lengths is not None:
        pad = (torch.arange(length)[None, :] < torch.tensor(lengths)[:, None]).to(device)
    return {"d_model": d_model, "n_heads": n_heads, "d_ff": d_ff, "state": state,
            "x": torch.randn(n, length, d_model, generator=g).to(device), "pad_mask": pad,
            "grad_out": torch.randn(n, length, d_model, generator=g).to(device)}


cases = {
    "d_model 16, 4 heads, no padding mask": block_case(16, 4, 64, 2, 7),
    "a padding mask (True = real token)": block_case(16, 4, 32, 3, 6, lengths=[6, 3, 1]),
    "one head": block_case(12, 1, 24, 2, 5, lengths=[5, 2]),
    "8 heads of width 2": block_case(16, 8, 16, 2, 4),
    "d_ff different from 4 d_model, 3 heads": block_case(24, 3, 10, 3, 5, lengths=[2, 5, 4]),
    "one sequence of one token": block_case(8, 2, 16, 1, 1),
}
compare_with_solution("EncoderBlock", EncoderBlock, cases, rtol=1e-4, atol=1e-5, run=run_block)
### END HIDDEN TESTS
# The parameters, their names and shapes: what the hidden check loads into your block.
torch.manual_seed(0)
block = EncoderBlock(16, 4, 40).to(device)
names = sorted((name, tuple(p.shape)) for name, p in block.state_dict().items())
wanted = sorted([("norm1.weight", (16,)), ("norm1.bias", (16,)), ("qkv.weight", (48, 16)), ("qkv.bias", (48,)),
          ("out.weight", (16, 16)), ("out.bias", (16,)), ("norm2.weight", (16,)), ("norm2.bias", (16,)),
          ("mlp.0.weight", (40, 16)), ("mlp.0.bias", (40,)), ("mlp.2.weight", (16, 40)), ("mlp.2.bias", (16,))])
if names != wanted:
    raise checks.CheckFailed(f"EncoderBlock(16, 4, 40).state_dict() has {names}, expected {wanted}: "
                             "create exactly the layers of the table, with these attribute names")
g = torch.Generator().manual_seed(1)
with torch.no_grad():  # weights far from the defaults (LayerNorm scales around 1), so that every mistake shows
    for name, p in block.named_parameters():
        p.copy_(torch.randn(p.shape, generator=g) * 0.3 + float(name.startswith("norm") and name.endswith("weight")))
x = torch.randn(3, 6, 16, generator=g).to(device)
pad = torch.tensor([[True] * 6, [True] * 4 + [False] * 2, [True] + [False] * 5], device=device)
y, w = block(x, pad)
checks.check_array(y, kind="tensor", shape=(3, 6, 16), dtype=torch.float32, device=device, name="y = block(x, pad_mask)[0]")
checks.check_array(w, kind="tensor", shape=(3, 4, 6, 6), dtype=torch.float32, device=device, name="the attention weights")
checks.check_equal(w[1, :, :, 4:], torch.zeros(4, 6, 2, device=device), name="weights on the padding keys of sequence 1",
                   hint="pass pad_mask[:, None, None, :] (True = real token) to attention")
# PyTorch's own pre-norm encoder layer, carrying the same weights (training mode, no dropout).
reference = nn.TransformerEncoderLayer(16, 4, 40, dropout=0.0, activation="gelu", batch_first=True,
                                       norm_first=True).to(device).train()
with torch.no_grad():
    reference.self_attn.in_proj_weight.copy_(block.qkv.weight)
    reference.self_attn.in_proj_bias.copy_(block.qkv.bias)
    reference.self_attn.out_proj.weight.copy_(block.out.weight)
    reference.self_attn.out_proj.bias.copy_(block.out.bias)
    for mine, theirs in ((block.norm1, reference.norm1), (block.norm2, reference.norm2),
                         (block.mlp[0], reference.linear1), (block.mlp[2], reference.linear2)):
        theirs.weight.copy_(mine.weight)
        theirs.bias.copy_(mine.bias)
    expected = reference(x, src_key_padding_mask=~pad)
    checks.check_close(block(x)[0], reference(x), rtol=1e-4, atol=1e-5,
                       name="block(x) without a mask vs nn.TransformerEncoderLayer(norm_first=True)",
                       hint="LN before each branch, residual around each; heads via reshape (N, L, H, d_h) + transpose")
    checks.check_close(y, expected, rtol=1e-4, atol=1e-5, name="block(x, pad_mask) vs nn.TransformerEncoderLayer",
                       hint="padding keys are masked for every query; padded query rows are computed as usual")
    # The residuals: with the out-projection and the last MLP layer at zero, the block is the identity.
    for layer in (block.out, block.mlp[2]):
        layer.weight.zero_()
        layer.bias.zero_()
    checks.check_close(block(x, pad)[0], x, rtol=1e-6, atol=1e-6, name="the block with both branches switched off",
                       hint="y = h + MLP(LN2(h)) with h = x + MHSA(LN1(x))")
print("Exercise 4: visible checks passed.")

# %% [markdown]
# ## 9. A tiny masked language model on the captions
#
# Now the pieces fit together. Token ids → embeddings (a learned vector per id) **plus** the
# positional encodings → `N_LAYERS` of your encoder blocks → a final LayerNorm → a linear layer
# that scores every id of the vocabulary. We train it on BERT's game, with your `mask_tokens`
# drawing new masks for every batch, and the cross-entropy computed at the selected positions only.

# %%
class MaskedLanguageModel(nn.Module):
    """Embeddings + positional encodings -> encoder blocks -> LayerNorm; `head` scores the vocabulary."""

    def __init__(self, vocab_size: int, max_len: int, d_model: int, n_heads: int, d_ff: int, n_layers: int) -> None:
        """A small BERT: one EncoderBlock per layer."""
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.register_buffer("positions", positional_encoding(max_len, d_model))
        self.blocks = nn.ModuleList(EncoderBlock(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """ids (N, L) -> hidden states (N, L, d_model) and the attention weights of every block."""
        pad_mask = ids != PAD_ID
        x = self.embed(ids) + self.positions[: ids.shape[1]]
        maps = []
        for block in self.blocks:
            x, weights = block(x, pad_mask)
            maps.append(weights)
        return self.norm(x), maps


def trim(ids: torch.Tensor) -> torch.Tensor:
    """Drop the columns that are padding in every row (short batches run faster)."""
    return ids[:, : int((ids != PAD_ID).sum(1).max())]


mask_rng = np.random.default_rng(SEED)


def mlm_loss(model: MaskedLanguageModel, batch: list[torch.Tensor]) -> torch.Tensor:
    """BERT's loss on one batch: mask with mask_tokens, cross-entropy at the selected positions."""
    inputs, labels = mask_tokens(trim(batch[0]), len(vocab), SPECIAL_IDS, MASK_ID, mask_rng)
    hidden, _ = model(inputs)
    selected = labels != -100
    return F.cross_entropy(model.head(hidden[selected]), labels[selected])


# %%
with utils.skip_until_done():
    utils.set_seed(SEED)
    mlm = MaskedLanguageModel(len(vocab), MAX_LEN, D_MODEL, N_HEADS, D_FF, N_LAYERS).to(device)
    print(f"masked language model: {sum(p.numel() for p in mlm.parameters()):,} parameters")
    loader = train.seeded_loader(torch.utils.data.TensorDataset(train_ids), BATCH, SEED)
    optimizer = torch.optim.AdamW(mlm.parameters(), lr=LR, weight_decay=0.01)
    t0 = time.perf_counter()
    history = train.fit(mlm, loader, mlm_loss, optimizer, EPOCHS, device=device, desc="masked LM")
    print(f"{EPOCHS} epochs in {time.perf_counter() - t0:.0f} s; training loss per epoch: "
          + ", ".join(f"{h['loss']:.2f}" for h in history))

# %% [markdown]
# ### What did it learn? Four probes
#
# We hide one word of a phrase and read the model's five most probable fillers. The four probes
# are the course's, written in the Scenes grammar (`utils/scenes/grammar.py`) so that each is a
# sentence the model could have seen. Two of them echo the lecture: its caption "A tropical bird
# perches in the jungle." and its polysemous "play" ("play guitar", "play piano", "play
# basketball", "play tag"). The probes:
#
# * "a red [MASK] above a blue boat" — a relation caption ("a red kite above a blue boat"): what can be above a boat?
# * "a bird perches in the [MASK]" — a single-object caption: where does a bird perch?
# * "someone plays the [MASK]" — the music sense of *play*, as the grammar writes it ("someone
#   plays the guitar");
# * "a dog [MASK] with a ball" — the game sense of *play* ("a dog plays with a ball").

# %%
PROBES = ["a red [MASK] above a blue boat", "a bird perches in the [MASK]", "someone plays the [MASK]",
          "a dog [MASK] with a ball"]


def encode_probe(text: str) -> tuple[torch.Tensor, int]:
    """<cls> + the ids of a phrase with one [MASK]: ((1, L) int64 ids, the mask's position)."""
    before, after = text.split("[MASK]")
    tokens = ["<cls>", *tokenize(before), "<mask>", *tokenize(after)]
    return torch.tensor([[vocab.id(t) for t in tokens]]), tokens.index("<mask>")


@torch.no_grad()
def top_fillers(model: MaskedLanguageModel, text: str, k: int = 5) -> list[tuple[str, float]]:
    """The k most probable words for the [MASK] of `text`, with their probabilities."""
    model.eval()
    ids, position = encode_probe(text)
    hidden, _ = model(ids.to(device))
    probabilities = model.head(hidden[0, position]).softmax(-1).cpu()
    top = probabilities.topk(k)
    return [(vocab.tokens[i], float(p)) for p, i in zip(top.values, top.indices, strict=True)]


with utils.skip_until_done():
    fig, axes = plt.subplots(1, len(PROBES), figsize=(16, 3.0))
    for ax, text in zip(axes, PROBES, strict=True):
        fillers = top_fillers(mlm, text)
        ax.barh([w for w, _ in fillers][::-1], [p for _, p in fillers][::-1], color="tab:blue")
        ax.set(title=f'"{text}"', xlabel="probability", xlim=(0, 1))
        ax.title.set_fontsize(9)
        print(f"{text!r:>34}: " + ", ".join(f"{w} {p:.2f}" for w, p in fillers))
    fig.suptitle("Top-5 fillers for [MASK] from the masked language model", y=1.02)
    fig.tight_layout()
    plt.show()
    phrases = [" ".join(tokenize(c)) for c in train_data.captions]
    for phrase in ("in the sky", "perches in the", "plays the", "plays with", "playing with"):
        print(f'training captions containing "{phrase}": {sum(phrase in c for c in phrases):,}')

# %% [markdown]
# **What the probes say** (measured on the CPU in the run above; the seed fixes them):
#
# * *"a red [MASK] above a blue boat"*: plane, boat, balloon, bird, kite, each with 11–14 %: the
#   model has learnt the kind of word (an object) and mostly things that fly, but spreads its bets —
#   the sentence does not say which flying thing it was, only the image does.
# * *"a bird perches in the [MASK]"*: ground places (rainforest, jungle, snow, desert: 54 %
#   together) beat sky (27 %), yet "sky" is still the single top word. "in the sky" is in
#   1,863 training captions, "perches in the" in only 173: after three epochs, frequency still
#   competes with the verb that puts the bird on the ground.
# * *"someone plays the [MASK]"*: guitar and drum, 93 % together — the **music** sense of *play*.
# * *"a dog [MASK] with a ball"*: playing and plays, 94 % — the **game** sense. The word *play*
#   means different things in different contexts, and a masked language model represents a word
#   by its context: this is what notebook 05 measured as P(guitar | "play") with images.


# %% [markdown]
# ### Masked-word accuracy per kind of word
#
# A fair test: take every test caption, hide **one** word at a time (replace it by `<mask>`), and
# check whether the model's top prediction is the hidden word. We group the hidden words by kind,
# using the tables of the Scenes grammar: **colour** (red, blue, …), **object** (bird, puppy,
# vehicle, …), **scene** (jungle, meadow, stars, …), **relation** (above, under, left, …); the rest
# (articles, verbs, prepositions) counts in the overall accuracy only. For comparison: always
# guessing the most frequent training word of the hidden word's kind.

# %%
RELATION_WORDS = {w for phrases in scenes.RELATIONS.values() for p in phrases for w in tokenize(p)} - STOP_WORDS
SCENE_TEXTS = [p for table in (scenes.LOCATIONS, scenes.SCENE_LOCATIONS, scenes.SCENE_PHRASES)
               for phrases in table.values() for p in phrases]
WORD_KINDS = {
    "colour": set(scenes.COLOURS),
    "object": {w for w in vocab.tokens if scenes.query_group(w) == "object"},
    "scene": {w for p in SCENE_TEXTS for w in tokenize(p)} - STOP_WORDS - set(scenes.COLOURS) - RELATION_WORDS - {"among"},
    "relation": RELATION_WORDS,
}
for kind, words in WORD_KINDS.items():
    print(f"{kind:>8} ({len(words)}): {', '.join(sorted(words)[:14])}{', ...' if len(words) > 14 else ''}")


@torch.no_grad()
def predict_each_word(model: MaskedLanguageModel, ids: torch.Tensor,
                      chunk: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hide every word of every caption on its own: (caption index, true id, predicted id) of each word."""
    model.eval()
    rows, cols = torch.nonzero(~torch.isin(ids, torch.tensor(SPECIAL_IDS)), as_tuple=True)
    predicted = []
    for start in range(0, len(rows), chunk):
        r, c = rows[start:start + chunk], cols[start:start + chunk]
        masked = trim(ids[r])
        masked[torch.arange(len(r)), c] = MASK_ID
        hidden, _ = model(masked.to(device))
        predicted.append(model.head(hidden[torch.arange(len(r), device=device), c.to(device)]).argmax(-1).cpu())
    return rows.numpy(), ids[rows, cols].numpy(), torch.cat(predicted).numpy()


def kind_accuracy(truth: np.ndarray, guess: np.ndarray) -> dict[str, float]:
    """Accuracy (%) over all hidden words and per word kind."""
    words = np.array(vocab.tokens)[truth]
    correct = truth == guess
    out = {"all words": 100 * float(correct.mean())}
    out |= {kind: 100 * float(correct[np.isin(words, sorted(ws))].mean()) for kind, ws in WORD_KINDS.items()}
    return out


with utils.skip_until_done():
    t0 = time.perf_counter()
    caption_of, truth, guess = predict_each_word(mlm, test_ids)
    accuracy = kind_accuracy(truth, guess)
    words = np.array(vocab.tokens)[truth]
    train_tokens = train_ids[~torch.isin(train_ids, torch.tensor(SPECIAL_IDS))].numpy()
    frequency = np.bincount(train_tokens, minlength=len(vocab))
    commonest = {kind: max(ws, key=lambda w: frequency[vocab.id(w)]) for kind, ws in WORD_KINDS.items()}
    baseline = {"all words": 100 * float((truth == frequency.argmax()).mean())}
    baseline |= {kind: 100 * float((words[np.isin(words, sorted(ws))] == commonest[kind]).mean())
                 for kind, ws in WORD_KINDS.items()}
    counts = {kind: int(np.isin(words, sorted(ws)).sum()) for kind, ws in WORD_KINDS.items()}
    print(f"{len(truth):,} hidden words in {len(test_ids):,} test captions, predicted in "
          f"{time.perf_counter() - t0:.1f} s; per kind: {counts}")
    display(pd.DataFrame({"masked LM (%)": accuracy, "most frequent word of its kind (%)": baseline}).round(1).T)
    fig = plots.group_bars({"masked LM": accuracy, "most frequent word of its kind": baseline},
                           title="Masked-word accuracy on the Scenes test captions, one word hidden at a time",
                           ylabel="top-1 accuracy (%)")
    fig.axes[0].set_ylim(0, 100)
    fig.axes[0].legend(loc="upper right", fontsize=8)
    plt.show()
    colour = np.isin(words, sorted(WORD_KINDS["colour"]))
    no_object = np.array([scenes.query_group(c) == "scene" for c in test_data.captions])[caption_of]
    print(f"most frequent training word: {vocab.tokens[int(frequency.argmax())]!r}; per kind: {commonest}")
    for label, where in (("name no object ('a blue sky')", colour & no_object), ("name an object", colour & ~no_object)):
        print(f"colour words in captions that {label}: {100 * (truth == guess)[where].mean():.1f} % of {where.sum():,} "
              f"(always {commonest['colour']!r}: {100 * (words[where] == commonest['colour']).mean():.1f} %)")

# %% [markdown]
# **What a text tower can and cannot know.** Measured above: 64.7 % of all hidden words are
# recovered, against 15.2 % for always guessing "a". **Scene** and **relation** words (66.2 %,
# 64.7 %) are fixed by the words around them ("perches in the …", "to the … of"); what is left
# is mostly a coin toss between equally good fillers (left or right, jungle or rainforest).
# **Objects** (28.9 %) and **colours** (24.1 %) are the hard ones, and for the same reason: the
# rest of the caption rarely determines them. "a [MASK] flies above the sea" fits a bird, a plane
# and a kite, and "bird", "birdie" and "songbird" are all right for the picture but only one of
# them is the hidden word. The colour of an object is almost pure guesswork: 21.6 % of the 3,219
# colour words in captions that name an object, against 11.9 % for always guessing "blue", the
# commonest colour; the little it knows comes from the scene (Scenes never paints an object in a
# colour within an RGB distance of 70 of the background behind it, `utils/scenes/layout.py`). Colour words
# in captions without an object ("a blue sky", "a green field") are fixed phrases and all 109 are
# right. The words a text-only model cannot predict are exactly the words that only the
# image can decide — which is why CLIP trains a text tower *together* with an image tower.


# %% [markdown]
# ### Where does it look? Attention maps for one caption
#
# Each block returns its attention weights, one $L \times L$ map per head: row $i$ says how
# much token $i$ takes from each token $j$. Below, a test caption with its first object word
# hidden; read the `<mask>` row to see where the model looks to fill it in.

# %%
with utils.skip_until_done():
    example = next(c for c in test_data.captions if scenes.query_group(c) == "relation"
                   and sum(t in scenes.COLOURS for t in tokenize(c)) == 2)
    tokens = ["<cls>", *tokenize(example)]
    hidden_at = next(i for i, t in enumerate(tokens) if t in WORD_KINDS["object"])
    shown = tokens.copy()
    shown[hidden_at] = "<mask>"
    ids = torch.tensor([[vocab.id(t) for t in shown]], device=device)
    mlm.eval()
    with torch.no_grad():
        hidden, maps = mlm(ids)
        filler = vocab.tokens[int(mlm.head(hidden[0, hidden_at]).argmax())]
    print(f'caption: "{example}" | hidden word: {tokens[hidden_at]!r} | predicted: {filler!r}')
    fig, axes = plt.subplots(N_LAYERS, N_HEADS, figsize=(3.4 * N_HEADS, 3.3 * N_LAYERS), squeeze=False)
    for layer, weights in enumerate(maps):
        for head in range(N_HEADS):
            ax = axes[layer, head]
            image = ax.imshow(weights[0, head].cpu(), cmap="viridis", vmin=0, vmax=1)
            ax.set_xticks(range(len(shown)), shown, rotation=90, fontsize=7)
            ax.set_yticks(range(len(shown)), shown, fontsize=7)
            ax.set_title(f"block {layer + 1}, head {head + 1}", fontsize=9)
            if head == 0:
                ax.set_ylabel("query token")
            if layer == N_LAYERS - 1:
                ax.set_xlabel("key token")
    fig.suptitle(f'Attention weights for "{" ".join(shown[1:])}" (each row sums to 1)')
    fig.tight_layout()
    fig.colorbar(image, ax=axes, fraction=0.015, pad=0.02, label="attention weight")
    plt.show()
    rows = torch.arange(len(shown))
    for layer, weights in enumerate(maps):
        strongest = weights[0].argmax(-1).cpu()  # (heads, L): the key each query takes most from
        print(f"block {layer + 1}: rows looking mostly at the previous / next word, per head: "
              + ", ".join(f"{int((strongest[h] == rows - 1).sum())} / {int((strongest[h] == rows + 1).sum())}"
                          for h in range(N_HEADS)) + f" (of {len(shown)} rows)")
    for layer, weights in enumerate(maps):
        row = weights[0, :, hidden_at].cpu()  # (heads, L): where the <mask> row looks
        print(f"block {layer + 1}, the <mask> row's strongest key per head: "
              + ", ".join(f"head {h + 1} {shown[int(row[h].argmax())]!r} {float(row[h].max()):.2f}" for h in range(N_HEADS)))

# %% [markdown]
# Most rows are not spread evenly: they have one or two bright cells. Several heads look mainly
# at a **neighbour** — bright cells just beside the diagonal. Counted above (the key each row takes
# most from): in block 2, head 4 looks at the *next* word in 6 of the 12 rows, heads 1 and 2 at
# the *previous* word in 4 rows each; in block 1, head 1 at the previous word in 5 rows. A head
# that picked keys at random would hit a given neighbour in about one row of twelve. "Previous
# word" and "next word" heads exist only thanks to the positional encodings. The `<mask>` row
# shows where the model gathers evidence for the hidden object (printed above): the colour word in
# front of it (block 2, head 2, weight 0.59) and the relation "right" (block 2, head 3, 0.53). Its
# guess, "tree" for "flower",
# is another plant: nothing in the sentence says which one it was.


# %% [markdown]
# ### Record your rung
#
# Masked-word accuracy is not a retrieval metric, so it gets a rung of its own kind on the ladder
# (`masked_acc`: all hidden words, and one number per word kind).

# %%
with utils.skip_until_done():
    mlm_metrics = {"masked_acc": accuracy["all words"]} | {f"{kind}_acc": accuracy[kind] for kind in WORD_KINDS}
    results.record("06_transformers", "masked LM", mlm_metrics)
    print(f"recorded {mlm_metrics} in {results.results_path()}")

# %% [markdown]
# ## 10. Images as sequences of patches
#
# *"Language tokens, image regions, image patches, audio snippets, joint positions, transformers
# don't care!"* The Vision Transformer (ViT; Dosovitskiy et al. 2021, §3.1), and CLIP's ViT image
# towers with it, cuts an image into non-overlapping $p \times p$ **patches**, flattens each patch
# into a vector of $p \cdot p \cdot C$ numbers and reads them **row by row** — left to right, top to
# bottom, like words on a page. A linear layer embeds each patch vector (as `nn.Embedding` does for
# a word id), position embeddings say where each patch was — ViT and CLIP *learn* one vector per
# patch position; the tower below reuses your sinusoids — and encoder blocks like the one you
# wrote do the rest.

# %% [markdown]
# ## 11. Exercise 5 — patchify (3 points)
#
# **Write** `patchify(images, patch)`:
# * `images`: a tensor `(N, H, W, C)` (channels last, as Scenes stores images) of any dtype
#   (bfloat16 and bool included), on any device; `patch`: the side $p$ of a square patch;
# * `H` and `W` must both be multiples of `patch`; otherwise **raise `ValueError`** (never crop silently);
# * returns `(N, (H/p)·(W/p), p·p·C)`, same dtype and device as `images`, every value unchanged
#   (stay in torch: numpy has no bfloat16, a float32 round trip rounds float64 values and int64
#   values above $2^{24}$, a float64 one int64 values above $2^{53}$);
# * **patch order** is row-major: patch number `r * (W/p) + c` is the one in patch-row `r`,
#   patch-column `c`;
# * **inside a patch** the numbers are in row-major pixel order with the channels last: entry
#   `(a * p + b) * C + ch` of patch `(r, c)` is `images[n, r*p + a, c*p + b, ch]`
#   (exactly `images[n, r*p:(r+1)*p, c*p:(c+1)*p, :].reshape(-1)`).
#
# Use one `reshape`, one `permute` and one more `reshape` — no Python loop over patches. (A hidden
# check counts the Python lines one call of your function runs: there must be as many for 4
# patches as for 64.)
# **Pitfall:** a single `images.reshape(N, -1, p * p * C)` has the right shape and the wrong contents.

# %% nbgrader={"grade": false, "grade_id": "patchify", "locked": false, "schema_version": 3, "solution": true}
def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    """(N, H, W, C) images -> (N, (H/p)(W/p), p*p*C) patch vectors in row-major patch order."""
    ### BEGIN SOLUTION
    n, h, w, c = images.shape
    if h % patch or w % patch:
        raise ValueError(f"images of {h}x{w} pixels do not split into {patch}x{patch} patches")
    grid = images.reshape(n, h // patch, patch, w // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    return grid.reshape(n, (h // patch) * (w // patch), patch * patch * c)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_patchify", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# Two 4x6 one-channel images whose pixel values are their positions 0..23 (then 24..47), cut into 2x2 patches:
#    0  1 |  2  3 |  4  5
#    6  7 |  8  9 | 10 11      patch 0 = (0, 1, 6, 7), patch 1 = (2, 3, 8, 9), patch 2 = (4, 5, 10, 11),
#   ------+-------+------      patch 3 = (12, 13, 18, 19), ...
#   12 13 | 14 15 | 16 17
#   18 19 | 20 21 | 22 23
toy = torch.arange(2 * 4 * 6, device=device).reshape(2, 4, 6, 1)
out = patchify(toy, 2)
checks.check_array(out, kind="tensor", shape=(2, 6, 4), dtype=torch.int64, device=device, name="patchify(toy, 2)")
checks.check_equal(out[0], torch.tensor([[0, 1, 6, 7], [2, 3, 8, 9], [4, 5, 10, 11], [12, 13, 18, 19],
                                         [14, 15, 20, 21], [16, 17, 22, 23]], device=device),
                   name="the six 2x2 patches of the first 4x6 image",
                   hint="reshape to (N, H/p, p, W/p, p, C), permute to (N, H/p, W/p, p, p, C), then flatten")
checks.check_equal(out[1], out[0] + 24, name="the patches of the second image")
# Channels last inside a patch: one 2x2 RGB image as a single patch is its pixels in reading order.
rgb = torch.arange(12, dtype=torch.uint8, device=device).reshape(1, 2, 2, 3)
checks.check_equal(patchify(rgb, 2), rgb.reshape(1, 1, 12), name="a 2x2 RGB image as one 2x2 patch")
checks.check_equal(patchify(rgb, 1), rgb.reshape(1, 4, 3), name="patch = 1: every pixel is a patch")
checks.check_dtype(patchify(rgb, 1), torch.uint8, name="patchify of uint8 images")
try:
    patchify(torch.zeros(1, 6, 5, 3, device=device), 2)
except ValueError:
    pass
else:
    raise checks.CheckFailed("patchify of 6x5 images with patch 2 should raise ValueError (5 is not a multiple of 2)")
print("Exercise 5: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution


def run_patchify(fn, images, patch):
    """The patches, or the name of the ValueError that the contract asks for."""
    try:
        return fn(images, patch)
    except ValueError:
        return "ValueError"


g = torch.Generator().manual_seed(505)


def pixels(*shape, dtype=torch.uint8):
    """Random images on the device."""
    return torch.randint(0, 256, shape, generator=g).to(device, dtype)


cases = {
    "uint8 RGB 8x8 images, patch 4": {"images": pixels(3, 8, 8, 3), "patch": 4},
    "non-square 6x10 images, patch 2": {"images": pixels(2, 6, 10, 3), "patch": 2},
    "one channel, float32": {"images": pixels(2, 9, 6, 1, dtype=torch.float32), "patch": 3},
    "five channels, float64": {"images": pixels(1, 4, 8, 5, dtype=torch.float64), "patch": 2},
    "patch 1: every pixel is a patch": {"images": pixels(2, 3, 5, 3), "patch": 1},
    "patch = image size: one patch per image": {"images": pixels(4, 6, 6, 3), "patch": 6},
    "a 32x32 Scenes-sized batch, patch 8": {"images": pixels(5, 32, 32, 3), "patch": 8},
    "H not a multiple of the patch: ValueError": {"images": pixels(1, 10, 8, 3), "patch": 4},
    "W not a multiple of the patch: ValueError": {"images": pixels(1, 8, 10, 3), "patch": 4},
}
compare_with_solution("patchify", patchify, cases, exact=True, run=run_patchify)
compare_with_solution("patchify", patchify, {
    "bfloat16 images": {"images": torch.randn(2, 4, 6, 3, generator=g).to(device, torch.bfloat16), "patch": 2},
    "bool images": {"images": torch.rand(2, 6, 4, 1, generator=g).to(device) > 0.5, "patch": 2},
    "float64 values kept exactly (no float32 round trip)": {
        "images": torch.randn(2, 4, 4, 3, generator=g, dtype=torch.float64).to(device), "patch": 2},
    "int64 values above 2**53 kept exactly": {
        "images": torch.randint(2**60, 2**61, (1, 6, 6, 2), generator=g).to(device), "patch": 3},
}, exact=True, run=run_patchify)

def lines_run(fn, *args):
    """How many Python lines of `fn`'s cell one call fn(*args) runs (a loop runs its body again and again)."""
    import sys

    source = getattr(getattr(fn, "__code__", None), "co_filename", None)
    lines = 0

    def count(frame, event, arg):
        nonlocal lines
        if event == "line":
            lines += 1
        return count

    def enter(frame, event, arg):
        return count if frame.f_code.co_filename == source else None

    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        fn(*args)
    finally:
        sys.settrace(previous)
    return lines


def no_patch_loop(fn, few, many, patch):
    """Whether fn runs as many Python lines for `many` patches per image as for `few` (no loop over patches)."""
    side = [patch * int(math.isqrt(n)) for n in (few, many)]
    return (lines_run(fn, torch.zeros(2, side[0], side[0], 3, device=device), patch)
            == lines_run(fn, torch.zeros(2, side[1], side[1], 3, device=device), patch))


compare_with_solution("patchify", patchify, {
    "no loop over patches: the Python lines run do not grow with their number": {
        "few": 4, "many": 64, "patch": 2}}, run=no_patch_loop, exact=True)
### END HIDDEN TESTS

# %% [markdown]
# A Scenes test image at its full 64×64 resolution, cut into 16×16 patches: the sequence the
# image tower reads, in reading order.

# %%
with utils.skip_until_done():
    image = torch.from_numpy(test_data.images[:1])
    patches = patchify(image, 16)[0].reshape(-1, 16, 16, 3)
    side = 64 // 16
    fig = plt.figure(figsize=(11, 5.2))
    left = fig.add_axes([0.02, 0.06, 0.40, 0.82])
    left.imshow(image[0], interpolation="nearest")
    for edge in range(16, 64, 16):
        left.axhline(edge - 0.5, color="white", linewidth=1)
        left.axvline(edge - 0.5, color="white", linewidth=1)
    left.set(title="A 64×64 Scenes test image, 16×16 patches", xticks=[], yticks=[])
    for number, tile in enumerate(patches):
        ax = fig.add_axes([0.49 + 0.125 * (number % side), 0.69 - 0.225 * (number // side), 0.10, 0.17])
        ax.imshow(tile, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"patch {number}", fontsize=8)
    caption = test_data.captions[int(np.flatnonzero(test_data.caption_image == 0)[0])]
    fig.suptitle(f'The image as a sequence of {len(patches)} patches of 16·16·3 = 768 numbers: "{caption}"', fontsize=10)
    plt.show()

# %% [markdown]
# No patch contains the whole frisbee: it is cut across patches 10, 11 and 15. Patches are a fixed
# grid, not objects (unlike the image *regions* a detector proposes around objects); putting the
# pieces back together is left to attention between the patches.

# %% [markdown]
# ### The image tower: the same block, reading patches
#
# A small Vision Transformer is the text tower with one line changed: a linear layer embeds the
# patch vectors where `nn.Embedding` embedded word ids. A learned `<cls>` vector goes in front (ViT's
# "class token"), the positional encodings number the patches in reading order, your
# `EncoderBlock`s follow, and the output at `<cls>` is the image's vector. Images are read at 32×32 in 8×8
# patches: 16 patches + `<cls>` = 17 tokens, about as long as a caption.

# %%
class PatchEncoder(nn.Module):
    """The image tower: patch vectors -> linear embedding, <cls> + positions -> encoder blocks -> <cls> vector."""

    def __init__(self, image_size: int, patch: int, d_model: int, n_heads: int, d_ff: int, n_layers: int) -> None:
        """A small Vision Transformer made of EncoderBlocks."""
        super().__init__()
        self.patch = patch
        self.embed = nn.Linear(patch * patch * 3, d_model)
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model))
        self.register_buffer("positions", positional_encoding((image_size // patch) ** 2 + 1, d_model))
        self.blocks = nn.ModuleList(EncoderBlock(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, H, W, 3) uint8 images -> (N, d_model) image vectors (the outputs at <cls>)."""
        x = self.embed(patchify(images, self.patch).float() / 255.0)
        x = torch.cat([self.cls.expand(len(x), -1, -1), x], dim=1) + self.positions
        for block in self.blocks:
            x, _ = block(x)
        return self.norm(x[:, 0])


with utils.skip_until_done():
    utils.set_seed(SEED)
    tower = PatchEncoder(IMAGE_SIZE, PATCH, D_MODEL, N_HEADS, D_FF, N_LAYERS).to(device)
    train_images = torch.from_numpy(train_data.resized(IMAGE_SIZE))
    test_images = torch.from_numpy(test_data.resized(IMAGE_SIZE))
    batch = test_images[:8].to(device)
    with torch.no_grad():
        vectors = tower(batch)
    print(f"images {tuple(batch.shape)} -> patches {tuple(patchify(batch, PATCH).shape)} -> tokens "
          f"(8, {(IMAGE_SIZE // PATCH) ** 2 + 1}, {D_MODEL}) -> image vectors {tuple(vectors.shape)}")
    print(f"parameters: image tower {sum(p.numel() for p in tower.parameters()):,}, text tower "
          f"{sum(p.numel() for p in mlm.parameters()) - sum(p.numel() for p in mlm.head.parameters()):,} "
          "(without the vocabulary head)")

# %% [markdown]
# Does the same block learn to *see*? A quick test, not CLIP's training: give the tower a linear
# layer that scores the 18 object classes, train it for a few epochs to say which classes an
# image contains (a multi-label cross-entropy, `F.binary_cross_entropy_with_logits`), and count
# how often its top-scored class is really in a test image.

# %%
def class_targets(data: scenes.CaptionedImages) -> torch.Tensor:
    """(N, 18) float: 1 where the image shows an object of that class."""
    targets = torch.zeros(len(data), len(scenes.CLASSES))
    for i, objects in enumerate(data.objects):
        for o in objects:
            targets[i, scenes.CLASSES.index(o.label)] = 1.0
    return targets


def tagging_loss(model: nn.Sequential, batch: list[torch.Tensor]) -> torch.Tensor:
    """Multi-label cross-entropy of the class scores."""
    images, targets = batch
    return F.binary_cross_entropy_with_logits(model(images), targets)


with utils.skip_until_done():
    train_targets, test_targets = class_targets(train_data), class_targets(test_data)
    utils.set_seed(SEED)
    tagger = nn.Sequential(PatchEncoder(IMAGE_SIZE, PATCH, D_MODEL, N_HEADS, D_FF, N_LAYERS),
                           nn.Linear(D_MODEL, len(scenes.CLASSES))).to(device)
    loader = train.seeded_loader(torch.utils.data.TensorDataset(train_images, train_targets), 128, SEED)
    t0 = time.perf_counter()
    history = train.fit(tagger, loader, tagging_loss, torch.optim.AdamW(tagger.parameters(), lr=LR),
                        IMAGE_EPOCHS, device=device, desc="image tower")
    tagger.eval()
    with torch.no_grad():
        top = tagger(test_images.to(device)).argmax(1).cpu()
    hit = float(test_targets[torch.arange(len(top)), top].mean())
    base = float(test_targets.mean(0).max())
    print(f"{IMAGE_EPOCHS} epochs in {time.perf_counter() - t0:.0f} s | top-scored class present in "
          f"{hit:.1%} of the test images; always guessing the commonest class: {base:.1%}")

# %% [markdown]
# Measured above: after three short epochs the top-scored class is in the image for 33.7 % of
# the test images, against 18.0 % for always naming the commonest class. The same block that read
# captions has started to read pictures — no convolution, no notion of neighbouring pixels beyond
# what the patches and the positional encodings give it — but it is far from done. CLIP trains
# its image tower with captions as the teacher, next to a text tower; notebook 07 trains a pair
# of towers that way and measures retrieval with them.

# %% [markdown]
# ## What to remember
#
# * **Attention** is a soft lookup: $\mathrm{softmax}(QK^\top/\sqrt{d_k})\,V$, batched over any leading dimensions; a boolean mask (True = may attend) removes keys *before* the softmax, and a row with nothing to attend to must give zeros, not NaN.
# * Attention sees a **set**. **Sinusoidal positional encodings** add order: their dot products depend only on the distance between positions, so nearness is the same everywhere in a sentence. ViT and CLIP learn their position embeddings instead.
# * **BERT's game** — the paper: choose 15 % of the tokens, make 80 % of them `[MASK]`, 10 % random, leave 10 % unchanged, predict the originals; the course's exact version selects each non-special token with probability 0.15 and labels the rest −100 — teaches a text tower from captions alone (measured here: 64.7 % of hidden test words recovered, 24.1 % of the colour words). CLIP's text tower is trained differently: causally masked, read at its end-of-text token, taught by images.
# * A **pre-norm encoder block** is $x + \mathrm{MHSA}(\mathrm{LN}(x))$, then $+\,\mathrm{MLP}(\mathrm{LN}(\cdot))$; heads are a reshape and a transpose, and getting that order wrong runs silently.
# * What a masked language model learns is what the **text** determines — syntax, the senses of *play*, which words go together — not what only the image knows, such as an object's colour: that is the job of the image tower and of CLIP.
# * An image is a **sequence of patches**, and the same block reads it. Next: notebook 07 trains a text tower and an image tower together, contrastively — CLIP.

# %% [markdown]
# ## Sources
#
# * The lecture (`multimodal_lecture.txt`): transformers as set functions, lines 245–249; scaled dot-product attention and $\mathrm{Attention}(X, X, X)$, lines 251–264; positional encodings, the d = 4, n = 100 table for "I am a robot" and nearness "preserved by encoding functions", lines 329–353; masked language modelling, 15 % / 80 % / 10 % / 10 %, lines 358–376; "transformers don't care!", lines 408–412; "A tropical bird perches in the jungle", line 431; the senses of "play", lines 725–726; patches as embeddings for a transformer, lines 886–887.
# * Vaswani et al. 2017, "Attention Is All You Need": §3.1 (residual, then LayerNorm: post-norm), §3.2.1 (scaled dot-product attention; the variance $d_k$ of $q \cdot k$, footnote 4), §3.2.2 (multi-head attention), §3.5 and Table 3 row (E) (sinusoids with $n$ = 10,000, the relative-position hypothesis, learned embeddings "nearly identical").
# * Devlin et al. 2019, "BERT": §3 (the `[CLS]` token), §3.1 (15 % chosen, 80 / 10 / 10, the pre-training / fine-tuning mismatch), appendix A.1 ("forced to keep a distributional contextual representation of every input token").
# * The course's masking choices, compared with: Google's BERT code (`create_pretraining_data.py`, `create_masked_lm_predictions`: 15 % of the length rounded per sequence, `[CLS]`/`[SEP]` skipped, random words from the whole vocabulary); Hugging Face transformers 5.24.0, `DataCollatorForLanguageModeling.torch_mask_tokens` (independent 15 % per non-special token, labels −100, random words from the whole vocabulary); Liu et al. 2019, "RoBERTa", §4.1 (static vs dynamic masking).
# * Radford et al. 2019, "Language Models are Unsupervised Multitask Learners" (GPT-2), §2.3 (LayerNorm moved to the input of each sub-block); Xiong et al. 2020, "On Layer Normalization in the Transformer Architecture" (post-norm needs a learning-rate warm-up).
# * Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words" (ViT), §3.1: flattened patches, a linear patch embedding, a learnable class token, "standard learnable 1D position embeddings", LayerNorm before every block.
# * Radford et al. 2021, "Learning Transferable Visual Models From Natural Language Supervision" (CLIP): §2.3 (trained from scratch, no pre-trained text encoder), §2.4 (ResNet and ViT image encoders; the text transformer with masked self-attention, read at the `[EOS]` token), §2.5 (ViT-L/14@336px performs best); OpenAI's released code `clip/model.py` (learned `positional_embedding` in both towers, the causal `build_attention_mask`, pre-norm `ResidualAttentionBlock`).
# * PyTorch 2.14 (installed, run here): `F.scaled_dot_product_attention` (True = may attend; zeros, and zero gradients, for a query with no allowed key), `nn.TransformerEncoderLayer(norm_first=True)`, `F.cross_entropy(ignore_index=-100)` by default.
# * Every number in this notebook's text comes from its own run on the CPU (seeded).
