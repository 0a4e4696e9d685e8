"""Notebook 07's mutants (wrong answers students write) and alternatives (right answers they write).

Graded through the real grader by tests/test_mutants.py: every mutant must lose points on its
exercise, every alternative must keep full marks (autograder/mutation.py explains the format).
Variants run in the notebook's kernel: torch, nn, F, math and TransformerBlock are defined there
(the imports below only let this file load; TransformerBlock is the notebook's locked helper).
"""

# ruff: noqa: F821 (TransformerBlock comes from the notebook's kernel)

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from autograder.mutation import alternative, mutant

# ---------------------------------------------------------------- exercise 1: clip_loss


@mutant("no L2 normalisation")
def clip_loss(image_emb, text_emb, logit_scale):
    logits = logit_scale.exp().clamp(max=100) * image_emb @ text_emb.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("image -> text direction only")
def clip_loss(image_emb, text_emb, logit_scale):
    logits = logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    return F.cross_entropy(logits, torch.arange(len(logits), device=logits.device))


@mutant("no clamp at 100")
def clip_loss(image_emb, text_emb, logit_scale):
    logits = logit_scale.exp() * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("uses t itself as the scale (forgets exp)")
def clip_loss(image_emb, text_emb, logit_scale):
    logits = logit_scale.clamp(max=100) * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("clamps t at 100 instead of exp(t)")
def clip_loss(image_emb, text_emb, logit_scale):
    logits = logit_scale.clamp(max=100).exp() * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("sums the cross-entropies over the batch instead of averaging")
def clip_loss(image_emb, text_emb, logit_scale):
    logits = logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets, reduction="sum")
            + F.cross_entropy(logits.T, targets, reduction="sum")) / 2


@mutant("normalises columns (dim=0) instead of rows")
def clip_loss(image_emb, text_emb, logit_scale):
    logits = logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=0) @ F.normalize(text_emb, dim=0).T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("detaches the scale: t never learns")
def clip_loss(image_emb, text_emb, logit_scale):
    scale = logit_scale.detach().exp().clamp(max=100)
    logits = scale * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@mutant("adds the two directions without halving")
def clip_loss(image_emb, text_emb, logit_scale):
    logits = logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    targets = torch.arange(len(logits), device=logits.device)
    return F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)


@mutant("computes in float32 whatever the input dtype")
def clip_loss(image_emb, text_emb, logit_scale):
    image_emb, text_emb, logit_scale = image_emb.float(), text_emb.float(), logit_scale.float()
    logits = logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@alternative("clamps t at log(100), then exp")
def clip_loss(image_emb, text_emb, logit_scale):
    scale = logit_scale.clamp(max=math.log(100)).exp()
    logits = scale * F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@alternative("written out: norms by hand, log-softmax both ways, the diagonal")
def clip_loss(image_emb, text_emb, logit_scale):
    i = image_emb / image_emb.norm(dim=1, keepdim=True)
    t = text_emb / text_emb.norm(dim=1, keepdim=True)
    logits = torch.minimum(logit_scale.exp(), torch.tensor(100.0, dtype=logit_scale.dtype,
                                                           device=logit_scale.device)) * (i @ t.T)
    rows = -logits.log_softmax(dim=1).diagonal().mean()
    cols = -logits.log_softmax(dim=0).diagonal().mean()
    return 0.5 * (rows + cols)


@mutant("log of the softmax: -inf in float32 once the logits are about 200 apart (scale 99)")
def clip_loss(image_emb, text_emb, logit_scale):
    i, t = F.normalize(image_emb, dim=-1), F.normalize(text_emb, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * i @ t.T
    rows = -torch.log(logits.softmax(dim=1)).diagonal().mean()
    cols = -torch.log(logits.softmax(dim=0)).diagonal().mean()
    return (rows + cols) / 2


@alternative("logsumexp over rows and columns minus the diagonal (the float32 errors set the tolerance)")
def clip_loss(image_emb, text_emb, logit_scale):
    i, t = F.normalize(image_emb, dim=-1), F.normalize(text_emb, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * i @ t.T
    diagonal = logits.diagonal()
    return ((logits.logsumexp(dim=1) - diagonal).mean() + (logits.logsumexp(dim=0) - diagonal).mean()) / 2


@alternative("float64 intermediates, cast back to the input dtype; the columns from a second product")
def clip_loss(image_emb, text_emb, logit_scale):
    i, t = F.normalize(image_emb.double(), dim=-1), F.normalize(text_emb.double(), dim=-1)
    scale = logit_scale.double().exp().clamp(max=100)
    targets = torch.arange(len(i), device=i.device)
    loss = (F.cross_entropy(scale * i @ t.T, targets) + F.cross_entropy(scale * t @ i.T, targets)) / 2
    return loss.to(image_emb.dtype)


# ---------------------------------------------------------------- exercise 2: ImageEncoder


@mutant("average pooling instead of max pooling")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images):
        return F.normalize(self.proj(self.features(images).flatten(1)), dim=-1)


@mutant("no L2 normalisation at the end")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images):
        return self.proj(self.features(images).flatten(1))


@mutant("flattens channels-last (permute before flatten)")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images):
        return F.normalize(self.proj(self.features(images).permute(0, 2, 3, 1).flatten(1)), dim=-1)


@mutant("global average pooling instead of flatten (positions lost)")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width, embed_dim)

    def forward(self, images):
        return F.normalize(self.proj(self.features(images).mean(dim=(2, 3))), dim=-1)


@mutant("normalises the features before the projection instead of after")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images):
        return self.proj(F.normalize(self.features(images).flatten(1), dim=-1))


@mutant("rescales the inputs to [-1, 1]")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images):
        return F.normalize(self.proj(self.features(2 * images - 1).flatten(1)), dim=-1)


@mutant("projection input sized for 32x32 images whatever image_size is")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * 16, embed_dim)

    def forward(self, images):
        return F.normalize(self.proj(self.features(images).flatten(1)), dim=-1)


@alternative("ReLU after the pooling (they commute), reshape and a hand-made norm")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.MaxPool2d(2), nn.ReLU())
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images):
        x = self.proj(self.features(images).reshape(len(images), -1))
        return x / x.norm(dim=-1, keepdim=True)


@alternative("nn.Flatten at the end of the Sequential")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        side = image_size // 8
        self.features = nn.Sequential(
            nn.Conv2d(3, width, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
            nn.Conv2d(width, 2 * width, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
            nn.Conv2d(2 * width, 4 * width, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
            nn.Flatten())
        self.proj = nn.Linear(4 * width * side * side, embed_dim)

    def forward(self, images):
        return F.normalize(self.proj(self.features(images)), p=2, dim=1)


@mutant("dropout before the projection: differs in train mode")
class ImageEncoder(nn.Module):
    def __init__(self, width=32, embed_dim=64, image_size=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.proj = nn.Linear(4 * width * (image_size // 8) ** 2, embed_dim)

    def forward(self, images):
        return F.normalize(self.proj(F.dropout(self.features(images).flatten(1), 0.1, self.training)), dim=-1)


# ---------------------------------------------------------------- exercise 3: TextEncoder

@mutant("plain mean over all positions: the pads count")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        return F.normalize(self.proj(self.norm(x).mean(dim=1)), dim=-1)


@mutant("no positions: a bag of words")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids)
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        return F.normalize(self.proj((x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)), dim=-1)


@mutant("positions taken from the end of the table (position[-L:])")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids) + self.position[-ids.shape[1]:]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        return F.normalize(self.proj((x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)), dim=-1)


@mutant("the final LayerNorm is never applied")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        return F.normalize(self.proj((x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)), dim=-1)


@mutant("LayerNorm after the pooling instead of before")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return F.normalize(self.proj(self.norm(pooled)), dim=-1)


@mutant("pools the first token only")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        return F.normalize(self.proj(self.norm(x)[:, 0]), dim=-1)


@mutant("blocks applied in reverse order")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in reversed(self.blocks):
            x = block(x, mask)
        x = self.norm(x)
        return F.normalize(self.proj((x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)), dim=-1)


@mutant("no L2 normalisation at the end")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        return self.proj((x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True))


@alternative("masked sum instead of mean (the scale vanishes in the normalisation), padding_idx=0")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model, padding_idx=0)
        self.position = nn.Parameter(torch.zeros(max_len, d_model))
        self.blocks = nn.ModuleList(TransformerBlock(d_model, n_heads, d_model * 2) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        keep = ids.ne(0)
        x = self.token(ids) + self.position[: ids.size(1)].unsqueeze(0)
        for block in self.blocks:
            x = block(x, keep)
        x = self.norm(x).masked_fill(~keep.unsqueeze(-1), 0.0).sum(dim=1)
        return F.normalize(self.proj(x), dim=1)


@alternative("lengths counted per row, pooled with torch.where")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        b, length = ids.shape
        mask = ids != 0
        positions = torch.arange(length, device=ids.device)
        x = self.token(ids) + self.position[positions]
        for k in range(len(self.blocks)):
            x = self.blocks[k](x, mask)
        x = self.norm(x)
        lengths = mask.sum(dim=1).to(x.dtype)
        pooled = torch.where(mask[..., None], x, torch.zeros_like(x)).sum(dim=1) / lengths[:, None]
        out = self.proj(pooled)
        return out / out.norm(dim=-1, keepdim=True)


@alternative("an all-True mask to the blocks: with right padding and causal attention the same output (stated)")
class TextEncoder(nn.Module):
    def __init__(self, vocab_size, d_model=64, n_heads=4, n_layers=2, max_len=16, embed_dim=64):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(0.02 * torch.randn(max_len, d_model))
        self.blocks = nn.ModuleList([TransformerBlock(d_model, n_heads, 2 * d_model) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.proj = nn.Linear(d_model, embed_dim, bias=False)

    def forward(self, ids):
        mask = ids != 0
        x = self.token(ids) + self.position[:ids.shape[1]]
        for block in self.blocks:
            x = block(x, torch.ones_like(mask))
        x = self.norm(x)
        return F.normalize(self.proj((x * mask[..., None]).sum(1) / ids.shape[1]), dim=-1)


# ---------------------------------------------------------------- exercise 4: zero_shot_classifier


@mutant("no normalisation of the prompt embeddings before the mean")
def zero_shot_classifier(text_encoder, class_names, templates):
    return torch.stack([F.normalize(text_encoder([t.format(c) for t in templates]).mean(0), dim=-1)
                        for c in class_names])


@mutant("the mean is not renormalised")
def zero_shot_classifier(text_encoder, class_names, templates):
    return torch.stack([F.normalize(text_encoder([t.format(c) for t in templates]), dim=-1).mean(0)
                        for c in class_names])


@mutant("uses the first template only")
def zero_shot_classifier(text_encoder, class_names, templates):
    return F.normalize(text_encoder([templates[0].format(c) for c in class_names]), dim=-1)


@mutant("returns (D, C): one column per class")
def zero_shot_classifier(text_encoder, class_names, templates):
    rows = [F.normalize(F.normalize(text_encoder([t.format(c) for t in templates]), dim=-1).mean(0), dim=-1)
            for c in class_names]
    return torch.stack(rows, dim=1)


@mutant("appends the class name instead of filling the template")
def zero_shot_classifier(text_encoder, class_names, templates):
    rows = [F.normalize(F.normalize(text_encoder([f"{t} {c}" for t in templates]), dim=-1).mean(0), dim=-1)
            for c in class_names]
    return torch.stack(rows)


@mutant("normalises the mean over the class axis (dim 0)")
def zero_shot_classifier(text_encoder, class_names, templates):
    rows = [F.normalize(text_encoder([t.format(c) for t in templates]), dim=-1).mean(0) for c in class_names]
    return F.normalize(torch.stack(rows), dim=0)


@alternative("one encoder call for all prompts, reshaped to (C, P, D); sum instead of mean")
def zero_shot_classifier(text_encoder, class_names, templates):
    prompts = [t.format(c) for c in class_names for t in templates]
    emb = F.normalize(text_encoder(prompts), dim=-1).reshape(len(class_names), len(templates), -1)
    return F.normalize(emb.sum(dim=1), dim=-1)


# ---------------------------------------------------------------- exercise 5: zero_shot_predict


@mutant("the image embeddings are not normalised")
def zero_shot_predict(image_emb, classifier, logit_scale):
    p = (logit_scale.exp().clamp(max=100) * image_emb @ classifier.T).softmax(dim=-1)
    return p, p.argmax(dim=-1)


@mutant("no clamp at 100")
def zero_shot_predict(image_emb, classifier, logit_scale):
    p = (logit_scale.exp() * F.normalize(image_emb, dim=-1) @ classifier.T).softmax(dim=-1)
    return p, p.argmax(dim=-1)


@mutant("softmax over the images (dim 0)")
def zero_shot_predict(image_emb, classifier, logit_scale):
    logits = logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T
    return logits.softmax(dim=0), logits.argmax(dim=-1)


@mutant("returns the logits instead of probabilities")
def zero_shot_predict(image_emb, classifier, logit_scale):
    logits = logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T
    return logits, logits.argmax(dim=-1)


@mutant("predictions as int32")
def zero_shot_predict(image_emb, classifier, logit_scale):
    p = (logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T).softmax(dim=-1)
    return p, p.argmax(dim=-1).int()


@mutant("ties go to the highest class index")
def zero_shot_predict(image_emb, classifier, logit_scale):
    p = (logit_scale.exp().clamp(max=100) * F.normalize(image_emb, dim=-1) @ classifier.T).softmax(dim=-1)
    return p, p.shape[1] - 1 - p.flip(1).argmax(dim=-1)


@alternative("log-softmax, exp, and torch.max")
def zero_shot_predict(image_emb, classifier, logit_scale):
    cos = (image_emb / image_emb.norm(dim=1, keepdim=True)) @ classifier.T
    scale = torch.clamp(torch.exp(logit_scale), max=100.0)
    p = F.log_softmax(scale * cos, dim=1).exp()
    return p, torch.max(scale * cos, dim=1).indices


# ---------------------------------------------------------------- exercise 6: hard_negative_clip_loss


@mutant("negatives are not L2-normalised")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t = F.normalize(image_emb, dim=-1), F.normalize(text_emb, dim=-1)
    s = logit_scale.exp().clamp(max=100)
    y = torch.arange(len(i), device=i.device)
    return (F.cross_entropy(s * i @ torch.cat([t, negative_emb]).T, y) + F.cross_entropy(s * t @ i.T, y)) / 2


@mutant("negatives ignored: plain clip loss")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t = F.normalize(image_emb, dim=-1), F.normalize(text_emb, dim=-1)
    s = logit_scale.exp().clamp(max=100)
    y = torch.arange(len(i), device=i.device)
    return (F.cross_entropy(s * i @ t.T, y) + F.cross_entropy(s * t @ i.T, y)) / 2


@mutant("negatives placed before the true captions (targets off)")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t, n = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    y = torch.arange(len(i), device=i.device)
    return (F.cross_entropy(s * i @ torch.cat([n, t]).T, y) + F.cross_entropy(s * t @ i.T, y)) / 2


@mutant("negatives also compete as images in the text->image direction")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t, n = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    y = torch.arange(len(i), device=i.device)
    return (F.cross_entropy(s * i @ torch.cat([t, n]).T, y) + F.cross_entropy(s * t @ torch.cat([i, n]).T, y)) / 2


@mutant("image -> text direction only")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t, n = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    return F.cross_entropy(s * i @ torch.cat([t, n]).T, torch.arange(len(i), device=i.device))


@mutant("no clamp at 100")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t, n = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp()
    y = torch.arange(len(i), device=i.device)
    return (F.cross_entropy(s * i @ torch.cat([t, n]).T, y) + F.cross_entropy(s * t @ i.T, y)) / 2


@mutant("the negatives are averaged into one extra caption")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t = F.normalize(image_emb, dim=-1), F.normalize(text_emb, dim=-1)
    n = F.normalize(negative_emb.mean(0, keepdim=True), dim=-1)
    s = logit_scale.exp().clamp(max=100)
    y = torch.arange(len(i), device=i.device)
    return (F.cross_entropy(s * i @ torch.cat([t, n]).T, y) + F.cross_entropy(s * t @ i.T, y)) / 2


@alternative("logsumexp written out; each part normalised separately")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i = image_emb / image_emb.norm(dim=1, keepdim=True)
    t = text_emb / text_emb.norm(dim=1, keepdim=True)
    n = negative_emb / negative_emb.norm(dim=1, keepdim=True)
    s = logit_scale.clamp(max=math.log(100)).exp()
    positive = s * (i * t).sum(dim=1)
    i2t = torch.logsumexp(torch.cat([s * i @ t.T, s * i @ n.T], dim=1), dim=1) - positive
    t2i = torch.logsumexp(s * t @ i.T, dim=1) - positive
    return (i2t.mean() + t2i.mean()) / 2


@mutant("the negatives are detached: no gradient reaches them")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t = F.normalize(image_emb, dim=-1), F.normalize(text_emb, dim=-1)
    n = F.normalize(negative_emb.detach(), dim=-1)
    s = logit_scale.exp().clamp(max=100)
    y = torch.arange(len(i), device=i.device)
    return (F.cross_entropy(s * i @ torch.cat([t, n]).T, y) + F.cross_entropy(s * t @ i.T, y)) / 2


@mutant("log of the softmax: -inf in float32 at scale 99")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t, n = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    i2t = -torch.log((s * i @ torch.cat([t, n]).T).softmax(dim=1)).diagonal().mean()
    t2i = -torch.log((s * t @ i.T).softmax(dim=1)).diagonal().mean()
    return (i2t + t2i) / 2


@alternative("negatives first, the targets shifted by K (a permutation of the columns)")
def hard_negative_clip_loss(image_emb, text_emb, negative_emb, logit_scale):
    i, t, n = (F.normalize(x, dim=-1) for x in (image_emb, text_emb, negative_emb))
    s = logit_scale.exp().clamp(max=100)
    y = torch.arange(len(i), device=i.device)
    return (F.cross_entropy(s * i @ torch.cat([n, t]).T, y + len(n)) + F.cross_entropy(s * t @ i.T, y)) / 2
