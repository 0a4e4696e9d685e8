"""Blind variants of notebook 07 (CLIP), written from the released notebook alone."""
# ruff: noqa: F821, I001
# (As written by the blind helper: variants use the notebook's TransformerBlock. Where the text now
# decides differently, only the decorator changed, and the label says so.)

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from autograder.mutation import alternative, mutant


# ---------------------------------------------------------------------------------------------
# Exercise 1 — clip_loss
# ---------------------------------------------------------------------------------------------


@mutant("sums the two directions where the text says average them")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "Average each direction over its N queries (`F.cross_entropy`'s default), and average the two directions."
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * img @ txt.T
    targets = torch.arange(len(logits), device=logits.device)
    return F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)


@mutant("reads the logits one way only (forgets .T for the text->image direction)")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "reads it both ways with cross-entropy: each row ... each column a classification of caption j over the N images"
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * img @ txt.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits, targets)) / 2


@mutant("sums over the N queries (reduction='sum') instead of averaging them")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "Average each direction over its N queries (`F.cross_entropy`'s default)"
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * img @ txt.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets, reduction="sum") + F.cross_entropy(logits.T, targets, reduction="sum")) / 2


@mutant("normalises columns (dim=0) instead of rows")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "Normalise rows (`dim=-1`), not columns."
    img = F.normalize(image_emb, dim=0)
    txt = F.normalize(text_emb, dim=0)
    logits = logit_scale.exp().clamp(max=100) * img @ txt.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("clamps t (the log-scale) at 100 instead of the scale exp(t)")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "CLIP clamps the scale at 100 ...: use s = min(e^t, 100)"
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb, dim=-1)
    logits = logit_scale.clamp(max=100).exp() * img @ txt.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("clamps with a Python min over .item(): t gets no gradient at all")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "differentiable with respect to all three inputs (no `.item()`, no `.detach()`, no numpy)"
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb, dim=-1)
    logits = min(math.exp(logit_scale.item()), 100.0) * img @ txt.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("detaches the text embeddings (no gradient to the text tower)")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "differentiable with respect to all three inputs (no `.item()`, no `.detach()`, no numpy)"
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb.detach(), dim=-1)
    logits = logit_scale.exp().clamp(max=100) * img @ txt.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("casts everything to float32: a float64 batch returns a float32 loss")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "returns the loss as a 0-d tensor (same dtype and device)" for "float32 or float64" inputs
    img = F.normalize(image_emb.float(), dim=-1)
    txt = F.normalize(text_emb.float(), dim=-1)
    logits = logit_scale.float().exp().clamp(max=100) * img @ txt.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("log of softmax instead of log_softmax: -inf/inf loss once a logit gap exceeds ~100 at scale 100")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "CLIP clamps the scale at 100 so that training stays stable" (logits up to +-100 must give a finite loss)
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * img @ txt.T
    rows = -torch.log(torch.softmax(logits, dim=1)).diagonal().mean()
    cols = -torch.log(torch.softmax(logits, dim=0)).diagonal().mean()
    return (rows + cols) / 2


@mutant("targets built with torch.arange(N) on the CPU (fails for CUDA inputs only)", needs="cuda")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "The targets are `torch.arange(N, device=...)`: build them on the inputs' device."
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * img @ txt.T
    targets = torch.arange(len(logits))
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@alternative("logsumexp over rows and columns minus the diagonal, no cross_entropy")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "L = 1/2 (1/N sum_i -log softmax(logits_i,:)_i + 1/N sum_j -log softmax(logits_:,j)_j)"
    img = F.normalize(image_emb, dim=-1)
    txt = F.normalize(text_emb, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * (img @ txt.T)
    diag = logits.diagonal()
    rows = (torch.logsumexp(logits, dim=1) - diag).mean()
    cols = (torch.logsumexp(logits, dim=0) - diag).mean()
    return 0.5 * (rows + cols)


@alternative("clamps t at log(100) before exp (same value, zero gradient above), x / x.norm for the normalisation")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "use s = min(e^t, 100) (e.g. `logit_scale.exp().clamp(max=100)`)" -- an e.g., so another clamp is allowed
    img = image_emb / image_emb.norm(dim=-1, keepdim=True)
    txt = text_emb / text_emb.norm(dim=-1, keepdim=True)
    scale = logit_scale.clamp(max=math.log(100.0)).exp()
    logits = scale * torch.einsum("id,jd->ij", img, txt)
    targets = torch.arange(logits.shape[0], device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.t(), targets)) / 2


@alternative("one cross_entropy over the stacked [logits; logits.T] (mean over 2N queries = mean of the two means)")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "Average each direction over its N queries ..., and average the two directions." (both have N queries)
    n = image_emb.shape[0]
    cos = F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    logits = torch.minimum(logit_scale.exp(), torch.tensor(100.0, dtype=cos.dtype, device=cos.device)) * cos
    targets = torch.arange(n, device=cos.device).repeat(2)
    return F.cross_entropy(torch.cat([logits, logits.T]), targets)


@alternative("float64 intermediates with log_softmax on both axes, cast back to the input dtype")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "returns the loss as a 0-d tensor (same dtype and device), differentiable with respect to all three inputs"
    dtype = image_emb.dtype
    img = F.normalize(image_emb.double(), dim=-1)
    txt = F.normalize(text_emb.double(), dim=-1)
    scale = torch.where(logit_scale.double() > math.log(100.0), torch.zeros_like(logit_scale.double()) + 100.0,
                        logit_scale.double().exp())
    logits = scale * img @ txt.T
    i2t = -F.log_softmax(logits, dim=1).diagonal().mean()
    t2i = -F.log_softmax(logits, dim=0).diagonal().mean()
    return ((i2t + t2i) / 2).to(dtype)


@alternative("explicit loop over the N queries of each direction (cosines with F.cosine_similarity)")
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    # "each row is a classification of image i over the N captions (target i), each column a classification of caption j"
    n = image_emb.shape[0]
    scale = logit_scale.exp().clamp(max=100)
    cos = F.cosine_similarity(image_emb[:, None, :], text_emb[None, :, :], dim=-1)
    logits = scale * cos
    total = logits.new_zeros(())
    for i in range(n):
        total = total + (torch.logsumexp(logits[i, :], 0) - logits[i, i])
        total = total + (torch.logsumexp(logits[:, i], 0) - logits[i, i])
    return total / (2 * n)


# ---------------------------------------------------------------------------------------------
# Exercise 2 — ImageEncoder
# ---------------------------------------------------------------------------------------------


@mutant("flattens channel-last (permute to B,H,W,C first), not channel-major")
class ImageEncoder(nn.Module):
    # "features → `flatten(1)` (channel-major, PyTorch's own order) → `proj` → `F.normalize(..., dim=-1)`"
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.features(images).permute(0, 2, 3, 1).flatten(1)), dim=-1)


@mutant("2x2 average pooling instead of max pooling")
class ImageEncoder(nn.Module):
    # "three blocks of a 3×3 convolution (padding 1), a ReLU and a 2×2 max pooling"
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.features(images).flatten(1)), dim=-1)


@mutant("no ReLU in the last block (conv -> pool only)")
class ImageEncoder(nn.Module):
    # "three blocks of a 3×3 convolution (padding 1), a ReLU and a 2×2 max pooling"
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.Identity(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.features(images).flatten(1)), dim=-1)


@mutant("rescales the [0, 1] input to [-1, 1] before the convolutions")
class ImageEncoder(nn.Module):
    # "`forward(images)` takes `images` (B, 3, image_size, image_size) float in [0, 1]" and feeds them to features
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.features(2 * images - 1).flatten(1)), dim=-1)


@mutant("ReLU on the projection before normalising")
class ImageEncoder(nn.Module):
    # "features → `flatten(1)` ... → `proj` → `F.normalize(..., dim=-1)`" (no activation after proj)
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(F.relu(self.proj(self.features(images).flatten(1))), dim=-1)


@mutant("dropout(0.1) before the projection in training mode")
class ImageEncoder(nn.Module):
    # "Build it exactly like this": features → flatten(1) → proj → F.normalize, nothing else
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = F.dropout(self.features(images).flatten(1), 0.1, self.training)
        return F.normalize(self.proj(x), dim=-1)


@mutant("normalises over the batch (dim=0) instead of each row")
class ImageEncoder(nn.Module):
    # "returns `(B, embed_dim)` L2-normalised rows"
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.features(images).flatten(1)), dim=0)


@mutant("a 2x2 max pool only after the last conv, stride-2 convolutions before it")
class ImageEncoder(nn.Module):
    # "three blocks of a 3×3 convolution (padding 1), a ReLU and a 2×2 max pooling (32×32 → 16×16 → 8×8 → 4×4)"
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1, stride=2), nn.ReLU(), nn.Identity(),
            nn.Conv2d(width, 2 * width, 3, padding=1, stride=2), nn.ReLU(), nn.Identity(),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.features(images).flatten(1)), dim=-1)


@alternative("max pooling before the ReLU in each block (they commute), indices 0/3/6 kept")
class ImageEncoder(nn.Module):
    # "Parameter names and shapes must be `features.0.weight` ..., `features.3.*`, `features.6.*`, `proj.weight`, `proj.bias`"
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.MaxPool2d(2), nn.ReLU())
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.features(images).flatten(1)), dim=-1)


@alternative("functional forward over the Sequential's convolutions, reshape instead of flatten, x / x.norm")
class ImageEncoder(nn.Module):
    # "features → `flatten(1)` (channel-major, PyTorch's own order) → `proj` → `F.normalize(..., dim=-1)`"
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images
        for k in (0, 3, 6):
            conv = self.features[k]
            x = F.max_pool2d(F.relu(F.conv2d(x, conv.weight, conv.bias, padding=1)), 2)
        z = F.linear(x.reshape(x.shape[0], -1), self.proj.weight, self.proj.bias)
        return z / z.norm(dim=-1, keepdim=True)


@alternative("proj created before features (another RNG order at init), in_features from a dummy forward, in-place ReLUs")
class ImageEncoder(nn.Module):
    # "Parameter names and shapes must be ..." -- nothing is said about the order of creation or the initial values
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        with torch.no_grad():
            flat = self.features(torch.zeros(1, 3, image_size, image_size)).numel()
        assert flat == self.proj.in_features

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(torch.flatten(self.features(images), start_dim=1)), p=2, dim=1)


@alternative("an nn.Flatten module outside features, and the projection computed in float64 then cast back")
class ImageEncoder(nn.Module):
    # "returns `(B, embed_dim)` L2-normalised rows" (float32 in, float32 out)
    def __init__(self, width: int = 32, embed_dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.flatten = nn.Flatten()
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        h = self.flatten(self.features(images)).double()
        z = h @ self.proj.weight.double().T + self.proj.bias.double()
        return F.normalize(z, dim=-1).to(images.dtype)


# ---------------------------------------------------------------------------------------------
# Exercise 3 — TextEncoder
# ---------------------------------------------------------------------------------------------


@mutant("plain x.mean(1): the pads are averaged too")
class TextEncoder(nn.Module):
    # "masked mean pooling: the mean of x over the real tokens of each row only (pads must not count)"
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        return F.normalize(self.proj(x.mean(1)), dim=-1)


@mutant("one block object repeated n_layers times ([block] * n_layers): the layers share weights")
class TextEncoder(nn.Module):
    # "self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])"
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model)] * n_layers)
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        m = mask.unsqueeze(-1).to(x.dtype)
        return F.normalize(self.proj((x * m).sum(1) / m.sum(1)), dim=-1)


@alternative("an all-True mask to the blocks (pads are attended to); the pooling still masks them [blind mutant, correct by the text: rows are right-padded, so with causal attention the mask changes nothing]")
class TextEncoder(nn.Module):
    # "every block in order: `x = block(x, mask)`" with "mask = ids != 0"; the block "never [attends] to a pad"
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, torch.ones_like(mask))
        x = self.norm(x)
        m = mask.unsqueeze(-1).to(x.dtype)
        return F.normalize(self.proj((x * m).sum(1) / m.sum(1)), dim=-1)


@mutant("LayerNorm after the pooling instead of before it")
class TextEncoder(nn.Module):
    # "4. `x = norm(x)`; 5. masked mean pooling" (in this order)
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        m = mask.unsqueeze(-1).to(x.dtype)
        return F.normalize(self.proj(self.norm((x * m).sum(1) / m.sum(1))), dim=-1)


@mutant("CLIP-style pooling: the last real token instead of the mean of the real tokens")
class TextEncoder(nn.Module):
    # "masked mean pooling: the mean of x over the real tokens of each row only"
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        last = mask.sum(1) - 1
        return F.normalize(self.proj(x[torch.arange(len(x), device=x.device), last]), dim=-1)


@mutant("positions taken from the end of the table (position[-L:]) instead of rows 0..L-1")
class TextEncoder(nn.Module):
    # "`x = token(ids) + position[:L]` — the position of token `k` is row `k`"
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[-ids.shape[1]:]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        m = mask.unsqueeze(-1).to(x.dtype)
        return F.normalize(self.proj((x * m).sum(1) / m.sum(1)), dim=-1)


@mutant("skips the final LayerNorm")
class TextEncoder(nn.Module):
    # "4. `x = norm(x)`"
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        m = mask.unsqueeze(-1).to(x.dtype)
        return F.normalize(self.proj((x * m).sum(1) / m.sum(1)), dim=-1)


@alternative("masked SUM pooling, no division: proj has no bias, so the count cancels in F.normalize")
class TextEncoder(nn.Module):
    # "masked mean pooling ... (pads must not count: divide by the number of real tokens)" then "proj, then F.normalize"
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        pooled = x.masked_fill(~mask.unsqueeze(-1), 0.0).sum(dim=1)
        return F.normalize(self.proj(pooled), dim=-1)


@alternative("padding_idx=0 in the embedding, ids > 0 as the mask, pooling as a batched matrix product")
class TextEncoder(nn.Module):
    # "self.token = nn.Embedding(vocab_size, d_model)  # id 0 is <pad>" (a pad's embedding never reaches the output)
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model, padding_idx=0)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids > 0
        x = self.token(ids) + self.position[torch.arange(ids.shape[1], device=ids.device)].unsqueeze(0)
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        weights = mask.to(x.dtype)
        weights = weights / weights.sum(dim=1, keepdim=True)
        pooled = torch.bmm(weights.unsqueeze(1), x).squeeze(1)
        return F.normalize(self.proj(pooled), dim=-1)


@alternative("modules created in another order (proj, norm, blocks, position, token), per-row loop for the pooling")
class TextEncoder(nn.Module):
    # "with exactly these parts:" -- the parts and their names are prescribed, not the order of creation
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.proj = nn.Linear(d_model, embed_dim, bias=False)
        self.norm = nn.LayerNorm(d_model)
        self.blocks = nn.ModuleList()
        for _ in range(n_layers):
            self.blocks.append(TransformerBlock(d_model, n_heads, 2 * d_model))
        self.position = nn.Parameter(torch.randn(max_len, d_model) * 0.02)
        self.token = nn.Embedding(vocab_size, d_model)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        b, n = ids.shape
        mask = ids != 0
        x = self.token(ids) + self.position[:n]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        pooled = torch.stack([x[r][mask[r]].mean(dim=0) for r in range(b)])
        return F.normalize(self.proj(pooled), dim=-1)


@alternative("masked mean divided by L (the row width) instead of the count: a per-row scale that F.normalize removes")
class TextEncoder(nn.Module):
    # "6. `proj`, then `F.normalize(..., dim=-1)`" -- proj has no bias, so a positive per-row factor cancels
    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 16, embed_dim: int = 64) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token(ids) + self.position[: ids.size(1)]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        pooled = torch.einsum("bld,bl->bd", x, mask.to(x.dtype)) / ids.size(1)
        return F.normalize(self.proj(pooled), dim=-1)


# ---------------------------------------------------------------------------------------------
# Exercise 4 — zero_shot_classifier
# ---------------------------------------------------------------------------------------------


@mutant("averages the raw prompt embeddings (no per-prompt normalisation before the mean)")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "**L2-normalise each**, take their **mean**, and **L2-normalise the mean** again"
    rows = [F.normalize(text_encoder([t.format(c) for t in templates]).mean(0), dim=-1) for c in class_names]
    return torch.stack(rows)


@mutant("does not renormalise the mean of the normalised prompt embeddings")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "take their **mean**, and **L2-normalise the mean** again"
    rows = [F.normalize(text_encoder([t.format(c) for t in templates]), dim=-1).mean(0) for c in class_names]
    return torch.stack(rows)


@mutant("one encoder call, prompts listed template-major but reshaped class-major (classes mixed up)")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "for class `c`: embed the `P` prompts `template.format(c)`" ... "row `c` for `class_names[c]`"
    prompts = [t.format(c) for t in templates for c in class_names]
    emb = F.normalize(text_encoder(prompts), dim=-1).reshape(len(class_names), len(templates), -1)
    return F.normalize(emb.mean(1), dim=-1)


@mutant("normalises each class's prompt embeddings over the prompts axis (dim=0)")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "L2-normalise each [prompt embedding]"
    rows = [F.normalize(F.normalize(text_encoder([t.format(c) for t in templates]), dim=0).mean(0), dim=-1)
            for c in class_names]
    return torch.stack(rows)


@mutant("returns float32 whatever the encoder's dtype")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "returns a `(C, D)` tensor ..., with the encoder's dtype and device"
    rows = [F.normalize(F.normalize(text_encoder([t.format(c) for t in templates]).float(), dim=-1).mean(0), dim=-1)
            for c in class_names]
    return torch.stack(rows)


@mutant("returns the transposed (D, C) matrix")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "returns a `(C, D)` tensor (row `c` for `class_names[c]`)"
    cols = [F.normalize(F.normalize(text_encoder([t.format(c) for t in templates]), dim=-1).mean(0), dim=-1)
            for c in class_names]
    return torch.stack(cols, dim=1)


@mutant("uses only the first template")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "for class `c`: embed the `P` prompts `template.format(c)` ... take their mean"
    return F.normalize(text_encoder([templates[0].format(c) for c in class_names]), dim=-1)


@mutant("moves the result to the CPU (wrong device for a CUDA encoder)", needs="cuda")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "returns a `(C, D)` tensor ..., with the encoder's dtype and device"
    rows = [F.normalize(F.normalize(text_encoder([t.format(c) for t in templates]), dim=-1).mean(0), dim=-1).cpu()
            for c in class_names]
    return torch.stack(rows)


@alternative("one encoder call for all C*P prompts, class-major, reshaped to (C, P, D)")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "You may call the encoder once per class or once for all prompts."
    prompts = [t.format(c) for c in class_names for t in templates]
    emb = F.normalize(text_encoder(prompts), dim=-1)
    emb = emb.reshape(len(class_names), len(templates), emb.shape[-1])
    return F.normalize(emb.mean(dim=1), dim=-1)


@alternative("sum instead of mean (the renormalisation removes the factor 1/P), x / x.norm, str.replace for the prompt")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "take their **mean**, and **L2-normalise the mean** again" (a positive factor cancels)
    out = []
    for c in class_names:
        e = text_encoder([t.replace("{}", c) for t in templates])
        e = e / e.norm(dim=1, keepdim=True)
        s = e.sum(dim=0)
        out.append(s / s.norm())
    return torch.stack(out, dim=0)


@alternative("under torch.no_grad(): the text never asks for a differentiable classifier")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "returns a `(C, D)` tensor (row `c` for `class_names[c]`), with the encoder's dtype and device" (no gradient asked)
    with torch.no_grad():
        rows = []
        for c in class_names:
            emb = F.normalize(text_encoder([t.format(c) for t in templates]), dim=-1)
            rows.append(F.normalize(emb.mean(0), dim=-1))
        return torch.stack(rows)


@alternative("float64 accumulation, one prompt per encoder call, cast back to the encoder's dtype")
def zero_shot_classifier(text_encoder, class_names: list[str], templates: list[str]) -> torch.Tensor:
    # "with the encoder's dtype and device" -- the intermediate precision is left open
    rows = []
    for c in class_names:
        acc, like = None, None
        for t in templates:
            e = text_encoder([t.format(c)])[0]
            like = e
            v = F.normalize(e.double(), dim=0)
            acc = v if acc is None else acc + v
        rows.append(F.normalize(acc / len(templates), dim=0).to(like.dtype))
    return torch.stack(rows)


# ---------------------------------------------------------------------------------------------
# Exercise 5 — zero_shot_predict
# ---------------------------------------------------------------------------------------------


@mutant("no clamp: the scale is exp(t) even above 100")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "logits = min(e^t, 100) \hat I W^T"
    probs = (logit_scale.exp() * F.normalize(image_emb, dim=-1) @ classifier.T).softmax(dim=-1)
    return probs, probs.argmax(dim=-1)


@mutant("uses t itself as the scale (forgets exp)")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "`logit_scale` a 0-d tensor t as in exercise 1" ... "logits = min(e^t, 100) \hat I W^T"
    probs = (logit_scale.clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T).softmax(dim=-1)
    return probs, probs.argmax(dim=-1)


@mutant("does not normalise the image embeddings")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "L2-normalise the image embeddings"
    probs = (logit_scale.exp().clamp(max=100) * image_emb @ classifier.T).softmax(dim=-1)
    return probs, probs.argmax(dim=-1)


@mutant("softmax over the images (dim=0) instead of the classes")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "the softmax over the `C` classes `(N, C)`"
    logits = logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T
    return logits.softmax(dim=0), logits.argmax(dim=-1)


@mutant("ties go to the highest class index (last column of an ascending argsort)")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "(ties → the lowest class index, as `argmax` does)"
    probs = (logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T).softmax(dim=-1)
    return probs, probs.argsort(dim=-1, stable=True)[:, -1]


@mutant("predictions as int32")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "the most probable class of each image `(N,)` **int64**"
    probs = (logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T).softmax(dim=-1)
    return probs, probs.argmax(dim=-1).int()


@mutant("probabilities always float32 (a float64 input comes back float32)")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "the softmax over the C classes (N, C) (same dtype and device as `image_emb`)"
    logits = logit_scale.exp().clamp(max=100).float() * F.normalize(image_emb.float(), dim=-1) @ classifier.float().T
    probs = logits.softmax(dim=-1)
    return probs, probs.argmax(dim=-1)


@mutant("returns log-probabilities (log_softmax) instead of probabilities")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "returns `(probabilities, predictions)`: the softmax over the `C` classes"
    logp = (logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T).log_softmax(dim=-1)
    return logp, logp.argmax(dim=-1)


@alternative("predictions from the logits (not the probabilities), probabilities as exp(log_softmax)")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "the most probable class of each image" (softmax is monotone: the same class; ties as argmax does)
    scale = torch.clamp(torch.exp(logit_scale), max=100.0)
    logits = scale * torch.einsum("nd,cd->nc", F.normalize(image_emb, dim=-1), classifier)
    return torch.exp(F.log_softmax(logits, dim=1)), torch.argmax(logits, dim=1)


@alternative("renormalises the classifier rows too (they are unit already), clamps t at log(100), max(dim) for predictions")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "`classifier` `(C, D)` (unit rows, from exercise 4)"
    img = image_emb / image_emb.norm(dim=-1, keepdim=True)
    W = classifier / classifier.norm(dim=-1, keepdim=True)
    logits = logit_scale.clamp(max=math.log(100.0)).exp() * (img @ W.T)
    probs = torch.softmax(logits, dim=-1)
    _, pred = probs.max(dim=-1)
    return probs, pred


@alternative("float64 softmax by hand (max subtracted), cast back; first index of the maximum via a mask")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "returns (probabilities, predictions) ... (N, C) (same dtype and device as image_emb) ... (N,) int64"
    scale = min(logit_scale.double().exp(), torch.tensor(100.0, dtype=torch.float64, device=image_emb.device))
    logits = scale * F.normalize(image_emb.double(), dim=-1) @ classifier.double().T
    z = torch.exp(logits - logits.max(dim=1, keepdim=True).values)
    probs = (z / z.sum(dim=1, keepdim=True)).to(image_emb.dtype)
    is_max = probs == probs.max(dim=1, keepdim=True).values
    idx = torch.arange(probs.shape[1], device=probs.device).expand_as(probs)
    pred = torch.where(is_max, idx, probs.shape[1]).min(dim=1).values.to(torch.int64)
    return probs, pred


@alternative("inference only: computed under torch.no_grad() (the text asks for no gradient here)")
def zero_shot_predict(image_emb: torch.Tensor, classifier: torch.Tensor,
                      logit_scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # "returns (probabilities, predictions)" -- unlike exercises 1 and 6, nothing says differentiable
    with torch.no_grad():
        scale = logit_scale.exp().clamp(max=100)
        probs = F.softmax(scale * F.normalize(image_emb, dim=-1) @ classifier.T, dim=-1)
        return probs, probs.argmax(dim=-1)


# ---------------------------------------------------------------------------------------------
# Exercise 6 — hard_negative_clip_loss
# ---------------------------------------------------------------------------------------------


@mutant("the negatives are added in both directions (also as extra columns of the text->image logits)")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "The K negatives of a batch join the captions in the **image → text** direction only"
    img, txt, neg = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    targets = torch.arange(len(img), device=img.device)
    i2t = F.cross_entropy(s * img @ torch.cat([txt, neg]).T, targets)
    t2i = F.cross_entropy(s * txt @ torch.cat([img, neg]).T, targets)
    return (i2t + t2i) / 2


@mutant("negatives put before the true captions while the targets stay 0..N-1")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "Put the negatives **after** the true captions." (with "targets 0..N-1")
    img, txt, neg = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    targets = torch.arange(len(img), device=img.device)
    i2t = F.cross_entropy(s * img @ torch.cat([neg, txt]).T, targets)
    t2i = F.cross_entropy(s * txt @ img.T, targets)
    return (i2t + t2i) / 2


@mutant("the negatives are not L2-normalised")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "L2-normalise all three"
    img, txt = F.normalize(image_emb, dim=-1), F.normalize(text_emb, dim=-1)
    s = logit_scale.exp().clamp(max=100)
    targets = torch.arange(len(img), device=img.device)
    i2t = F.cross_entropy(s * img @ torch.cat([txt, negative_emb]).T, targets)
    t2i = F.cross_entropy(s * txt @ img.T, targets)
    return (i2t + t2i) / 2


@mutant("image i sees only negative i (one extra column per image, assumes K == N), not all K negatives")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "The K negatives of a batch join the captions" -- every negative is a column for every image
    img, txt, neg = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    targets = torch.arange(len(img), device=img.device)
    rows = s * img @ txt.T
    if len(neg):
        rows = torch.cat([rows, s * (img * neg).sum(-1, keepdim=True)], dim=1)
    i2t = F.cross_entropy(rows, targets)
    t2i = F.cross_entropy(s * txt @ img.T, targets)
    return (i2t + t2i) / 2


@mutant("the negatives are detached (no gradient reaches them)")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "return a 0-d tensor, differentiable with respect to everything"
    img, txt, neg = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb.detach()))
    s = logit_scale.exp().clamp(max=100)
    targets = torch.arange(len(img), device=img.device)
    i2t = F.cross_entropy(s * img @ torch.cat([txt, neg]).T, targets)
    t2i = F.cross_entropy(s * txt @ img.T, targets)
    return (i2t + t2i) / 2


@mutant("no clamp on the scale")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "`logit_scale` t (0-d, clamped as before)"
    img, txt, neg = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp()
    targets = torch.arange(len(img), device=img.device)
    i2t = F.cross_entropy(s * img @ torch.cat([txt, neg]).T, targets)
    t2i = F.cross_entropy(s * txt @ img.T, targets)
    return (i2t + t2i) / 2


@mutant("weights the two directions by their number of columns, (N+K) and N, instead of averaging them")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "cross-entropy with targets 0..N-1 in both, averaged. With K = 0 this is exactly `clip_loss`."
    img, txt, neg = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    n, k = len(img), len(neg)
    targets = torch.arange(n, device=img.device)
    i2t = F.cross_entropy(s * img @ torch.cat([txt, neg]).T, targets)
    t2i = F.cross_entropy(s * txt @ img.T, targets)
    return ((n + k) * i2t + n * t2i) / (2 * n + k)


@mutant("the negatives' logits squashed into one column (their mean) per image")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "logits_{i->t} = s \hat I [\hat T; \hat N]^T in R^{N x (N+K)}" -- one column per negative
    img, txt, neg = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    targets = torch.arange(len(img), device=img.device)
    rows = s * img @ txt.T
    if len(neg):
        rows = torch.cat([rows, (s * img @ neg.T).mean(1, keepdim=True)], dim=1)
    i2t = F.cross_entropy(rows, targets)
    t2i = F.cross_entropy(s * txt @ img.T, targets)
    return (i2t + t2i) / 2


@alternative("clip_loss of exercise 1 plus the correction of the image->text rows by the negatives (logaddexp)")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "With K = 0 this is exactly `clip_loss`." -- so add to it only what the K extra columns change
    base = clip_loss(image_emb, text_emb, logit_scale)
    if negative_emb.shape[0] == 0:
        return base + 0.0 * negative_emb.sum()
    img = F.normalize(image_emb, dim=-1)
    s = logit_scale.exp().clamp(max=100)
    rows = s * img @ F.normalize(text_emb, dim=-1).T
    negs = s * img @ F.normalize(negative_emb, dim=-1).T
    old = torch.logsumexp(rows, dim=1)
    new = torch.logaddexp(old, torch.logsumexp(negs, dim=1))
    return base + 0.5 * (new - old).mean()


@alternative("negatives placed FIRST with the targets shifted by K (a permutation of the columns)")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "Put the negatives **after** the true captions." -- cross-entropy does not see the order of the columns
    img, txt, neg = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    n, k = img.shape[0], neg.shape[0]
    targets = torch.arange(n, device=img.device)
    i2t = F.cross_entropy(s * img @ torch.cat([neg, txt]).T, targets + k)
    t2i = F.cross_entropy((s * img @ txt.T).T, targets)
    return (i2t + t2i) / 2


@alternative("logsumexp minus the diagonal in float64, cast back")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "cross-entropy with targets 0..N-1 in both, averaged"
    dtype = image_emb.dtype
    img = F.normalize(image_emb.double(), dim=-1)
    txt = F.normalize(text_emb.double(), dim=-1)
    neg = F.normalize(negative_emb.double(), dim=-1)
    s = logit_scale.double().exp().clamp(max=100)
    pos = s * (img * txt).sum(-1)
    i2t = torch.logsumexp(s * img @ torch.cat([txt, neg], dim=0).T, dim=1) - pos
    t2i = torch.logsumexp(s * txt @ img.T, dim=1) - pos
    return ((i2t.mean() + t2i.mean()) / 2).to(dtype)


@alternative("einsum logits, separate blocks for captions and negatives concatenated along the columns")
def hard_negative_clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, negative_emb: torch.Tensor,
                            logit_scale: torch.Tensor) -> torch.Tensor:
    # "logits_{i->t} = s \hat I [\hat T; \hat N]^T", "logits_{t->i} = s \hat T \hat I^T"
    img = F.normalize(image_emb, p=2.0, dim=1)
    txt = F.normalize(text_emb, p=2.0, dim=1)
    neg = F.normalize(negative_emb, p=2.0, dim=1)
    s = torch.exp(logit_scale).clamp(max=100.0)
    it = torch.einsum("nd,md->nm", img, txt)
    ineg = torch.einsum("nd,kd->nk", img, neg)
    targets = torch.arange(img.shape[0], device=img.device)
    loss_i = F.cross_entropy(s * torch.cat([it, ineg], dim=1), targets)
    loss_t = F.cross_entropy(s * it.T, targets)
    return 0.5 * loss_i + 0.5 * loss_t
