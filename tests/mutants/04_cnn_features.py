"""Notebook 04's mutants (wrong answers students write) and alternatives (right answers they write).

Graded through the real grader by tests/test_mutants.py: every mutant must lose points on its
exercise, every alternative must keep full marks (autograder/mutation.py explains the format).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.mutation import alternative, mutant
from utils.text import tokenize

# ---------------------------------------------------------------- exercise 1: SmallCNN

# inspect.getsource finds a class by its qualified name, and on Python 3.11 it returns the FIRST
# class of that name in the file; autograder.mutation records variants with it. So each SmallCNN
# variant is defined inside its own function (a distinct qualified name) that is called at once.


def _relu_before_batch_norm() -> None:
    @mutant("ReLU before batch norm")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            w = width
            self.body = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1, bias=False), nn.ReLU(), nn.BatchNorm2d(w), nn.MaxPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.ReLU(), nn.BatchNorm2d(2 * w), nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.ReLU(), nn.BatchNorm2d(4 * w), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.ReLU())
            self.head = nn.Linear(128, n_classes)

        def forward(self, x):
            return self.head(self.body(x))


_relu_before_batch_norm()


def _average_pooling() -> None:
    @mutant("average pooling instead of max pooling")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            w = width
            self.body = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.AvgPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.AvgPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.AvgPool2d(2),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.ReLU())
            self.head = nn.Linear(128, n_classes)

        def forward(self, x):
            return self.head(self.body(x))


_average_pooling()


def _no_final_relu() -> None:
    @mutant("no ReLU after the penultimate linear layer (Identity in its place)")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            w = width
            self.body = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.Identity())
            self.head = nn.Linear(128, n_classes)

        def forward(self, x):
            return self.head(self.body(x))


_no_final_relu()


def _softmax_output() -> None:
    @mutant("forward returns softmax probabilities, not logits")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            w = width
            self.body = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.ReLU())
            self.head = nn.Linear(128, n_classes)

        def forward(self, x):
            return self.head(self.body(x)).softmax(dim=1)


_softmax_output()


def _width_ignored() -> None:
    @mutant("width ignored: always 16 channels", check="test_SmallCNN")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            w = 16
            self.body = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.ReLU())
            self.head = nn.Linear(128, n_classes)

        def forward(self, x):
            return self.head(self.body(x))


_width_ignored()


def _overlapping_pooling() -> None:
    @mutant("max pooling with kernel 3, stride 2, padding 1 (same shapes, other windows)")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            w = width
            self.body = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.ReLU())
            self.head = nn.Linear(128, n_classes)

        def forward(self, x):
            return self.head(self.body(x))


_overlapping_pooling()


def _dropout_in_training() -> None:
    @mutant("dropout on the penultimate features before the head (training mode only)")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            w = width
            self.body = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.ReLU())
            self.head = nn.Linear(128, n_classes)

        def forward(self, x):
            return self.head(F.dropout(self.body(x), 0.2, self.training))


_dropout_in_training()


def _third_submodule() -> None:
    @mutant("a third submodule: the flattening kept apart as self.flatten")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            w = width
            self.flatten = nn.Flatten()
            self.body = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.ReLU())
            self.head = nn.Linear(128, n_classes)

        def forward(self, x):
            return self.head(self.body(x))


_third_submodule()


def _loop_built() -> None:
    @alternative("layers built in a loop, in-place ReLUs, explicit kernel_size and stride")
    class SmallCNN(nn.Module):
        def __init__(self, n_classes, width=16):
            super().__init__()
            layers, c_in = [], 3
            for c_out in (width, 2 * width, 4 * width):
                layers += [nn.Conv2d(c_in, c_out, kernel_size=3, stride=1, padding=1, bias=False),
                           nn.BatchNorm2d(c_out), nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=2, stride=2)]
                c_in = c_out
            layers += [nn.Flatten(start_dim=1), nn.Linear(c_in * 16, 128), nn.ReLU(inplace=True)]
            self.body = nn.Sequential(*layers)
            self.head = nn.Linear(in_features=128, out_features=n_classes)

        def forward(self, x):
            features = self.body(x)
            return F.linear(features, self.head.weight, self.head.bias)


_loop_built()


# ---------------------------------------------------------------- exercise 2: penultimate_features


@mutant("forgets model.eval(): batch norm uses the batch's statistics")
def penultimate_features(model, images, batch_size, device):
    parts = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            parts.append(model.body(images[start:start + batch_size].to(device)).cpu())
    return torch.cat(parts)


@mutant("features in the model's dtype (no cast to float32)")
def penultimate_features(model, images, batch_size, device):
    was = model.training
    model.eval()
    with torch.no_grad():
        out = torch.cat([model.body(images[s:s + batch_size].to(device)).cpu()
                         for s in range(0, len(images), batch_size)])
    model.train(was)
    return out


@mutant("leaves the model in eval mode")
def penultimate_features(model, images, batch_size, device):
    model.eval()
    with torch.no_grad():
        return torch.cat([model.body(images[s:s + batch_size].to(device)).cpu()
                          for s in range(0, len(images), batch_size)])


@mutant("always switches back to training mode, even if the model was in eval mode")
def penultimate_features(model, images, batch_size, device):
    model.eval()
    with torch.no_grad():
        out = torch.cat([model.body(images[s:s + batch_size].to(device)).cpu()
                         for s in range(0, len(images), batch_size)])
    model.train()
    return out


@mutant("records gradients (no torch.no_grad), detaches at the end")
def penultimate_features(model, images, batch_size, device):
    was = model.training
    model.eval()
    out = torch.cat([model.body(images[s:s + batch_size].to(device)).detach().cpu()
                     for s in range(0, len(images), batch_size)])
    model.train(was)
    return out


@mutant("drops the last, smaller batch")
def penultimate_features(model, images, batch_size, device):
    was = model.training
    model.eval()
    with torch.no_grad():
        out = torch.cat([model.body(images[s:s + batch_size].to(device)).cpu()
                         for s in range(0, max(len(images) - batch_size + 1, 1), batch_size)])
    model.train(was)
    return out


@mutant("one batch for everything (batch_size ignored)")
def penultimate_features(model, images, batch_size, device):
    was = model.training
    model.eval()
    with torch.no_grad():
        out = model.body(images.to(device)).cpu()
    model.train(was)
    return out


@mutant("returns the logits (head applied)")
def penultimate_features(model, images, batch_size, device):
    was = model.training
    model.eval()
    with torch.no_grad():
        out = torch.cat([model.head(model.body(images[s:s + batch_size].to(device))).cpu()
                         for s in range(0, len(images), batch_size)])
    model.train(was)
    return out


@mutant("returns a numpy array")
def penultimate_features(model, images, batch_size, device):
    was = model.training
    model.eval()
    with torch.no_grad():
        out = torch.cat([model.body(images[s:s + batch_size].to(device)).cpu()
                         for s in range(0, len(images), batch_size)])
    model.train(was)
    return out.numpy()


@alternative("torch.inference_mode, torch.split, mode restored in a finally block")
def penultimate_features(model, images, batch_size, device):
    mode = model.training
    try:
        model.train(False)
        with torch.inference_mode():
            return torch.cat([model.body(chunk.to(device)).to("cpu", torch.float32)
                              for chunk in torch.split(images, batch_size)]).clone()
    finally:
        model.train(mode)


@alternative("a DataLoader over a TensorDataset, preallocated output")
def penultimate_features(model, images, batch_size, device):
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images), batch_size=batch_size, shuffle=False)
    was = model.training
    model.eval()
    out, start = None, 0
    with torch.no_grad():
        for (batch,) in loader:
            feats = model.body(batch.to(device)).cpu()
            if out is None:
                out = torch.empty(len(images), feats.shape[1], dtype=torch.float32)
            out[start:start + len(feats)] = feats
            start += len(feats)
    model.train(was)
    return out


# ---------------------------------------------------------------- exercise 3: box_iou


@mutant("no clamp: disjoint boxes get a 'positive' intersection")
def box_iou(a, b):
    a, b = a.float() if not a.is_floating_point() else a, b.float() if not b.is_floating_point() else b
    wh = torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])
    inter = wh[..., 0] * wh[..., 1]
    union = ((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))[:, None] + ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))[None] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(inter))


@mutant("clamps the product, not the width and height")
def box_iou(a, b):
    a, b = a.float() if not a.is_floating_point() else a, b.float() if not b.is_floating_point() else b
    wh = torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])
    inter = (wh[..., 0] * wh[..., 1]).clamp(min=0)
    union = ((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))[:, None] + ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))[None] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(inter))


@mutant("computes in float32 and casts back to the boxes' dtype")
def box_iou(a, b):
    dtype = a.dtype if a.is_floating_point() else torch.float32
    a, b = a.float(), b.float()
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = ((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))[:, None] + ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))[None] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-30), torch.zeros_like(inter)).to(dtype)


@mutant("the +1 pixel convention of old VOC code")
def box_iou(a, b):
    a, b = a.float() if not a.is_floating_point() else a, b.float() if not b.is_floating_point() else b
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2]) + 1).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = ((a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1))[:, None] + ((b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1))[None] - inter
    return inter / union


@mutant("union = |A| + |B| (forgets to subtract the intersection)")
def box_iou(a, b):
    a, b = a.float() if not a.is_floating_point() else a, b.float() if not b.is_floating_point() else b
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = ((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))[:, None] + ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))[None]
    return torch.where(union > 0, inter / union, torch.zeros_like(inter))


@mutant("NaN where the union is empty (torchvision's behaviour)")
def box_iou(a, b):
    import torchvision

    return torchvision.ops.box_iou(a, b)


@mutant("always float32 (float64 boxes lose precision)")
def box_iou(a, b):
    a, b = a.float(), b.float()
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = ((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))[:, None] + ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))[None] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(inter))


@mutant("returns (M, N): b against a")
def box_iou(a, b):
    a, b = (a.float(), b.float()) if not a.is_floating_point() else (a, b)
    wh = (torch.minimum(b[:, None, 2:], a[None, :, 2:]) - torch.maximum(b[:, None, :2], a[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))[:, None] + ((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))[None] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(inter))


@alternative("torchvision's box_iou with the NaNs replaced by 0")
def box_iou(a, b):
    import torchvision

    return torch.nan_to_num(torchvision.ops.box_iou(a, b), nan=0.0)


@alternative("a Python double loop over pairs")
def box_iou(a, b):
    dtype = a.dtype if a.is_floating_point() else torch.float32
    out = torch.zeros(len(a), len(b), dtype=dtype, device=a.device)
    for i, (ax0, ay0, ax1, ay1) in enumerate(a.double().tolist()):
        for j, (bx0, by0, bx1, by1) in enumerate(b.double().tolist()):
            inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
            union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
            out[i, j] = inter / union if union > 0 else 0.0
    return out


# ---------------------------------------------------------------- exercise 4: nms


@mutant("suppresses IoU >= threshold")
def nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True, stable=True)
    over = (box_iou(boxes[order], boxes[order]) >= iou_threshold).cpu()
    removed, keep = torch.zeros(len(order), dtype=torch.bool), []
    for i in range(len(order)):
        if not removed[i]:
            keep.append(i)
            removed |= over[i]
    return order[torch.tensor(keep, dtype=torch.int64, device=order.device)]


@mutant("removes a box when ANY higher-scoring box overlaps it (suppressed boxes suppress too)")
def nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True, stable=True)
    over = box_iou(boxes[order], boxes[order]) > iou_threshold
    earlier = torch.ones_like(over).triu(diagonal=1)
    suppressed = (over & earlier).any(dim=0)
    return order[~suppressed]


@mutant("returns the kept indices in index order, not score order")
def nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True, stable=True)
    over = (box_iou(boxes[order], boxes[order]) > iou_threshold).cpu()
    removed, keep = torch.zeros(len(order), dtype=torch.bool), []
    for i in range(len(order)):
        if not removed[i]:
            keep.append(i)
            removed |= over[i]
    return order[torch.tensor(keep, dtype=torch.int64, device=order.device)].sort().values


@mutant("ties: the higher index first (ascending argsort, flipped)")
def nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, stable=True).flip(0)
    over = (box_iou(boxes[order], boxes[order]) > iou_threshold).cpu()
    removed, keep = torch.zeros(len(order), dtype=torch.bool), []
    for i in range(len(order)):
        if not removed[i]:
            keep.append(i)
            removed |= over[i]
    return order[torch.tensor(keep, dtype=torch.int64, device=order.device)]


@mutant("an unstable sort of the scores (torch.sort, descending)")
def nms(boxes, scores, iou_threshold):
    order = torch.sort(scores, descending=True).indices
    over = (box_iou(boxes[order], boxes[order]) > iou_threshold).cpu()
    removed, keep = torch.zeros(len(order), dtype=torch.bool), []
    for i in range(len(order)):
        if not removed[i]:
            keep.append(i)
            removed |= over[i]
    return order[torch.tensor(keep, dtype=torch.int64, device=order.device)]


@mutant("processes boxes in index order, not by score")
def nms(boxes, scores, iou_threshold):
    over = (box_iou(boxes, boxes) > iou_threshold).cpu()
    removed, keep = torch.zeros(len(boxes), dtype=torch.bool), []
    for i in range(len(boxes)):
        if not removed[i]:
            keep.append(i)
            removed |= over[i]
    keep = torch.tensor(keep, dtype=torch.int64, device=boxes.device)
    return keep[torch.argsort(scores[keep], descending=True, stable=True)]


@mutant("returns int32 indices")
def nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True, stable=True)
    over = (box_iou(boxes[order], boxes[order]) > iou_threshold).cpu()
    removed, keep = torch.zeros(len(order), dtype=torch.bool), []
    for i in range(len(order)):
        if not removed[i]:
            keep.append(i)
            removed |= over[i]
    return order[torch.tensor(keep, dtype=torch.int64, device=order.device)].int()


@alternative("a while loop that shrinks the list of candidates")
def nms(boxes, scores, iou_threshold):
    remaining = torch.argsort(scores, descending=True, stable=True)
    keep = []
    while len(remaining):
        best = remaining[0]
        keep.append(int(best))
        iou = box_iou(boxes[best][None], boxes[remaining[1:]])[0]
        remaining = remaining[1:][iou <= iou_threshold]
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


@alternative("sorted Python lists and a pairwise IoU matrix")
def nms(boxes, scores, iou_threshold):
    iou = box_iou(boxes, boxes).tolist()
    order = sorted(range(len(boxes)), key=lambda i: (-float(scores[i]), i))
    keep = []
    for i in order:
        if all(iou[i][j] <= iou_threshold for j in keep):
            keep.append(i)
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


# ---------------------------------------------------------------- exercise 5: decode_detections






@mutant("no sigmoid: logits are thresholded and returned as scores")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, sigmoid=False)


@mutant("no peak test: every cell is a candidate")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, window=0)


@mutant("non-peaks zeroed but still returned at threshold 0 (scores * peaks, then top-k)")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, zero_non_peaks=True)


@mutant("5x5 neighbourhood for peaks")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, window=5)


@mutant("centre at (j + 0.5 + dx) * stride")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, centre=0.5)


@mutant("sizes not exponentiated")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, exp=False)


@mutant("dx and dy swapped")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, swap=True)


@mutant("boxes not clipped to the image")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, clip=False)


@mutant("top k per class, not over all classes")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, per_class=True)


@mutant("score > threshold (equal is dropped)")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, strict=True)


@mutant("torch.topk: tied peaks in no defined order")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, topk=True)


@mutant("peaks and ranking on the logits, not on the float32 scores")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes
    n_classes = outputs.shape[1] - 4
    logits = outputs[:, :n_classes]
    peaks = logits == F.max_pool2d(logits, 3, stride=1, padding=1)
    result = []
    for output, logit, peak in zip(outputs, logits, peaks, strict=True):
        flat = torch.where(peak, logit, torch.full_like(logit, -1e9)).flatten()
        order = torch.argsort(flat, descending=True, stable=True)[:k]
        order = order[peak.flatten()[order] & (torch.sigmoid(flat[order]) >= threshold)]
        height, width = outputs.shape[2:]
        labels, cells = order // (height * width), order % (height * width)
        boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width)
        result.append({"boxes": boxes, "scores": torch.sigmoid(flat[order]), "labels": labels})
    return result


@mutant("clips x and y to W * stride (a square grid assumed)")
def decode_detections(outputs, stride, k, threshold):
    n_images, channels, height, width = outputs.shape
    n_classes = channels - 4
    scores = torch.sigmoid(outputs[:, :n_classes])
    peaks = scores == F.max_pool2d(scores, 3, stride=1, padding=1)
    detections = []
    for output, score, peak in zip(outputs, scores, peaks, strict=True):
        flat = torch.where(peak, score, torch.full_like(score, -1.0)).flatten()
        order = torch.argsort(flat, descending=True, stable=True)[:k]
        order = order[peak.flatten()[order] & (flat[order] >= threshold)]
        labels, cells = order // (height * width), order % (height * width)
        rows, cols = cells // width, cells % width
        dx, dy, log_w, log_h = output[n_classes:, rows, cols]
        x, y = (cols + dx) * stride, (rows + dy) * stride
        half_w, half_h = log_w.exp() / 2, log_h.exp() / 2
        limit = width * stride
        boxes = torch.stack([(x - half_w).clamp(0, limit), (y - half_h).clamp(0, limit),
                             (x + half_w).clamp(0, limit), (y + half_h).clamp(0, limit)], dim=1)
        detections.append({"boxes": boxes, "scores": flat[order], "labels": labels})
    return detections


@mutant("labels as int32")
def decode_detections(outputs, stride, k, threshold):
    def _boxes(output, n_classes, rows, cols, stride, height, width, centre=0.0, exp=True, swap=False, clip=True):
        """Shared box arithmetic of the decoding mutants (each mutant changes one clause)."""
        dx, dy, lw, lh = output[n_classes:, rows, cols]
        if swap:
            dx, dy = dy, dx
        x, y = (cols + centre + dx) * stride, (rows + centre + dy) * stride
        w, h = (lw.exp(), lh.exp()) if exp else (lw, lh)
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        if clip:
            limits = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device) * stride
            boxes = torch.minimum(boxes.clamp(min=0), limits)
        return boxes

    def _decode(outputs, stride, k, threshold, *, sigmoid=True, window=3, zero_non_peaks=False, per_class=False,
                strict=False, topk=False, label_dtype=torch.int64, **box_options):
        """Decoding with switches; every switch left at its default gives the correct answer."""
        n_images, channels, height, width = outputs.shape
        n_classes = channels - 4
        scores = torch.sigmoid(outputs[:, :n_classes]) if sigmoid else outputs[:, :n_classes]
        peaks = scores == F.max_pool2d(scores, window, stride=1, padding=window // 2) if window else torch.ones_like(scores, dtype=torch.bool)
        result = []
        for output, score, peak in zip(outputs, scores, peaks, strict=True):
            if zero_non_peaks:
                flat, valid = (score * peak).flatten(), torch.ones(score.numel(), dtype=torch.bool, device=score.device)
            else:
                flat, valid = torch.where(peak, score, torch.full_like(score, -1e9)).flatten(), peak.flatten()
            if per_class:
                per = flat.view(n_classes, -1)
                order = torch.cat([c * per.shape[1] + torch.argsort(per[c], descending=True, stable=True)[:k]
                                   for c in range(n_classes)])
                order = order[torch.argsort(flat[order], descending=True, stable=True)]
            elif topk:
                order = flat.topk(min(k, flat.numel())).indices
            else:
                order = torch.argsort(flat, descending=True, stable=True)[:k]
            above = flat[order] > threshold if strict else flat[order] >= threshold
            order = order[valid[order] & above]
            labels, cells = order // (height * width), order % (height * width)
            boxes = _boxes(output, n_classes, cells // width, cells % width, stride, height, width, **box_options)
            result.append({"boxes": boxes, "scores": flat[order], "labels": labels.to(label_dtype)})
        return result
    return _decode(outputs, stride, k, threshold, label_dtype=torch.int32)


@alternative("a Python loop over classes and cells, peaks by comparing with the 3x3 window")
def decode_detections(outputs, stride, k, threshold):
    n_images, channels, height, width = outputs.shape
    n_classes = channels - 4
    result = []
    for out in outputs:
        scores = torch.sigmoid(out[:n_classes])
        found = []
        for c in range(n_classes):
            for i in range(height):
                for j in range(width):
                    window = scores[c, max(i - 1, 0):i + 2, max(j - 1, 0):j + 2]
                    if scores[c, i, j] >= window.max():
                        found.append((-float(scores[c, i, j]), (c * height + i) * width + j, c, i, j))
        found = [f for f in sorted(found)[:k] if -f[0] >= threshold]
        boxes, kept_scores, labels = [], [], []
        for _, _, c, i, j in found:
            dx, dy, lw, lh = out[n_classes:, i, j]
            x, y, w, h = (j + dx) * stride, (i + dy) * stride, torch.exp(lw), torch.exp(lh)
            boxes.append(torch.stack([(x - w / 2).clamp(0, width * stride), (y - h / 2).clamp(0, height * stride),
                                      (x + w / 2).clamp(0, width * stride), (y + h / 2).clamp(0, height * stride)]))
            kept_scores.append(scores[c, i, j])
            labels.append(c)
        result.append({"boxes": torch.stack(boxes) if boxes else outputs.new_zeros(0, 4),
                       "scores": torch.stack(kept_scores) if kept_scores else outputs.new_zeros(0),
                       "labels": torch.tensor(labels, dtype=torch.int64, device=outputs.device)})
    return result


@alternative("vectorised over the batch with flat index arithmetic and gather")
def decode_detections(outputs, stride, k, threshold):
    n_images, channels, height, width = outputs.shape
    n_classes = channels - 4
    scores = outputs[:, :n_classes].sigmoid()
    peaks = scores == F.max_pool2d(scores, kernel_size=3, stride=1, padding=1)
    masked = scores.masked_fill(~peaks, -1.0).reshape(n_images, -1)
    order = torch.argsort(masked, dim=1, descending=True, stable=True)[:, :k]
    top = masked.gather(1, order)
    regression = outputs[:, n_classes:].reshape(n_images, 4, -1)
    result = []
    for n in range(n_images):
        keep = (top[n] >= threshold) & (top[n] >= 0)
        idx, sc = order[n][keep], top[n][keep]
        cell = idx % (height * width)
        dx, dy, lw, lh = regression[n][:, cell]
        x, y = (cell % width + dx) * stride, (torch.div(cell, width, rounding_mode="floor") + dy) * stride
        w, h = lw.exp(), lh.exp()
        x0, x1 = (x - w / 2).clamp(0, width * stride), (x + w / 2).clamp(0, width * stride)
        y0, y1 = (y - h / 2).clamp(0, height * stride), (y + h / 2).clamp(0, height * stride)
        result.append({"boxes": torch.stack([x0, y0, x1, y1], dim=-1), "scores": sc,
                       "labels": torch.div(idx, height * width, rounding_mode="floor")})
    return result


# ---------------------------------------------------------------- exercise 6: average_precision




@mutant("VOC matching: the best-overlapping box, a false positive if it is taken")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, voc_match=True)


@mutant("IoU > threshold (equal is a miss)")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, strict=True)


@mutant("duplicates count: a box can be matched twice")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, duplicates=True)


@mutant("matches ground-truth boxes of any class")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, any_class=True)


@mutant("no global ranking: the images' lists are only concatenated")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, per_image_rank=True)


@mutant("ties: the later image first")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, ties_reversed=True)


@mutant("no precision envelope")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, envelope=False)


@mutant("all-point interpolation (VOC 2010+), not 101 recall levels")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, interpolation="all")


@mutant("11 recall levels (VOC 2007)")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, interpolation="voc11")


@mutant("classes that only have detections get AP 0")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, keys_from_detections=True)


@mutant("mAP weighted by the number of objects per class")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, micro=True)


@mutant("matches each image's detections in list order, not in decreasing score")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, list_order=True)


@mutant("matching: equal scores, the later detection first")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, later_detection=True)


@mutant("IoU in float32 (the boxes' own dtype), not float64")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, iou_float32=True)


@mutant("equal IoUs: the later ground-truth box (pycocotools' loop)")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    return _ap(detections, ground_truth, iou_threshold, later_gt=True)


@mutant("first recall level strictly above t (searchsorted side='right')")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def _ap(detections, ground_truth, iou_threshold=0.5, *, voc_match=False, strict=False, duplicates=False,
            any_class=False, per_image_rank=False, ties_reversed=False, envelope=True, interpolation="coco",
            keys_from_detections=False, micro=False, list_order=False, iou_float32=False, later_gt=False,
            later_detection=False):
        """AP with switches; every switch left at its default gives the correct answer."""
        classes = {int(c) for t in ground_truth for c in t["labels"].tolist()}
        if keys_from_detections:
            classes |= {int(c) for d in detections for c in d["labels"].tolist()}
        ap, sizes = {}, {}
        for c in sorted(classes):
            n_truth, records = 0, []
            for found, truth in zip(detections, ground_truth, strict=True):
                tmask = truth["labels"] == c if not any_class else torch.ones_like(truth["labels"], dtype=torch.bool)
                tb = truth["boxes"][tmask].detach().cpu()
                tb = tb.float() if iou_float32 else tb.double()
                n_truth += int((truth["labels"] == c).sum())
                dmask = found["labels"] == c
                db, ds = found["boxes"][dmask].detach().cpu(), found["scores"][dmask].detach().cpu().double()
                db = db.float() if iou_float32 else db.double()
                if list_order:
                    order = torch.arange(len(ds))
                elif later_detection:
                    order = torch.from_numpy(np.lexsort((-np.arange(len(ds)), -ds.numpy())).copy())
                else:
                    order = torch.argsort(ds, descending=True, stable=True)
                iou = box_iou(db[order], tb)
                used = torch.zeros(len(tb), dtype=torch.bool)
                for s, row in zip(ds[order].tolist(), iou, strict=True):
                    if voc_match:
                        best = int(row.argmax()) if len(row) else -1
                        hit = best >= 0 and float(row[best]) >= iou_threshold and not used[best]
                    else:
                        cand = row if duplicates else torch.where(used, torch.full_like(row, -1.0), row)
                        best = int(cand.argmax()) if len(cand) else -1
                        if later_gt and best >= 0:
                            best = int(torch.nonzero(cand == cand[best])[-1, 0])
                        value = float(cand[best]) if best >= 0 else -1.0
                        hit = best >= 0 and (value > iou_threshold if strict else value >= iou_threshold)
                    if hit:
                        used[best] = True
                    records.append((s, hit))
            scores = np.array([r[0] for r in records], dtype=np.float64)
            hits = np.array([r[1] for r in records], dtype=np.float64)
            if per_image_rank:
                ranked = np.arange(len(scores))
            elif ties_reversed:
                ranked = np.argsort(scores, kind="stable")[::-1]
            else:
                ranked = np.argsort(-scores, kind="stable")
            tp, fp = np.cumsum(hits[ranked]), np.cumsum(1 - hits[ranked])
            recall, precision = tp / max(n_truth, 1), tp / np.maximum(tp + fp, 1)
            if envelope:
                precision = np.maximum.accumulate(precision[::-1])[::-1]
            if interpolation == "coco":
                idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            elif interpolation == "voc11":
                idx = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
                value = float(np.append(precision, 0.0)[idx].mean())
            else:  # area under the step curve (all points)
                value = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
            ap[c], sizes[c] = value, n_truth
        mean = float(sum(ap[c] * sizes[c] for c in ap) / sum(sizes.values())) if micro else float(np.mean(list(ap.values())))
        return ap, mean
    ap, _ = _ap(detections, ground_truth, iou_threshold)
    out = {}
    for c in ap:
        records = []
        n_truth = 0
        for found, truth in zip(detections, ground_truth, strict=True):
            tb = truth["boxes"][truth["labels"] == c].detach().cpu().double()
            n_truth += len(tb)
            m = found["labels"] == c
            db, ds = found["boxes"][m].detach().cpu().double(), found["scores"][m].detach().cpu().double()
            order = torch.argsort(ds, descending=True, stable=True)
            used = torch.zeros(len(tb), dtype=torch.bool)
            for s, row in zip(ds[order].tolist(), box_iou(db[order], tb), strict=True):
                row = torch.where(used, torch.full_like(row, -1.0), row)
                best = int(row.argmax()) if len(row) else -1
                hit = best >= 0 and float(row[best]) >= iou_threshold
                if hit:
                    used[best] = True
                records.append((s, hit))
        scores = np.array([r[0] for r in records], dtype=np.float64)
        hits = np.array([r[1] for r in records], dtype=np.float64)[np.argsort(-scores, kind="stable")]
        tp, fp = np.cumsum(hits), np.cumsum(1 - hits)
        precision = np.maximum.accumulate((tp / np.maximum(tp + fp, 1))[::-1])[::-1]
        out[c] = float(np.append(precision, 0.0)[np.searchsorted(tp / n_truth, np.linspace(0, 1, 101), side="right")].mean())
    return out, float(np.mean(list(out.values())))


@alternative("plain Python: own IoU, records sorted with a key, envelope by a backward loop")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    def iou(p, q):
        w = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
        h = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
        union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - w * h
        return w * h / union if union > 0 else 0.0

    truth = [(t["boxes"].double().tolist(), t["labels"].tolist()) for t in ground_truth]
    found = [(d["boxes"].double().tolist(), d["scores"].double().tolist(), d["labels"].tolist()) for d in detections]
    result = {}
    for c in sorted({int(label) for _, labels in truth for label in labels}):
        n_truth, records = 0, []
        for image, ((tboxes, tlabels), (dboxes, dscores, dlabels)) in enumerate(zip(truth, found, strict=True)):
            mine_t = [b for b, label in zip(tboxes, tlabels, strict=True) if label == c]
            n_truth += len(mine_t)
            mine_d = sorted([(s, n, b) for n, (b, s, label) in enumerate(zip(dboxes, dscores, dlabels, strict=True))
                             if label == c], key=lambda r: (-r[0], r[1]))
            taken = set()
            for rank, (s, _, b) in enumerate(mine_d):
                best, best_iou = None, iou_threshold
                for g, t in enumerate(mine_t):
                    value = iou(b, t)
                    if g not in taken and value >= best_iou and (best is None or value > best_iou):
                        best, best_iou = g, value
                if best is not None:
                    taken.add(best)
                records.append((-s, image, rank, best is not None))
        records.sort(key=lambda r: r[:3])
        tp = fp = 0
        precision, recall = [], []
        for *_, hit in records:
            tp, fp = tp + hit, fp + (not hit)
            precision.append(tp / (tp + fp))
            recall.append(tp / n_truth)
        for i in range(len(precision) - 2, -1, -1):
            precision[i] = max(precision[i], precision[i + 1])
        levels = np.linspace(0, 1, 101)
        total = 0.0
        for t in levels:
            first = next((i for i, r in enumerate(recall) if r >= t), None)
            total += precision[first] if first is not None else 0.0
        result[c] = total / 101
    return result, float(np.mean(list(result.values())))


@alternative("precision, recall and AP in float32 torch tensors after a float64 matching")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    ap = {}
    for c in sorted({int(c) for t in ground_truth for c in t["labels"].tolist()}):
        n_truth, scores, hits = 0, [], []
        for found, truth in zip(detections, ground_truth, strict=True):
            gt = truth["boxes"][truth["labels"] == c].cpu().double()
            n_truth += len(gt)
            mine = found["labels"].cpu() == c
            boxes, conf = found["boxes"].cpu().double()[mine], found["scores"].cpu()[mine]
            order = torch.argsort(conf, descending=True, stable=True)
            free = torch.ones(len(gt), dtype=torch.bool)
            for score, row in zip(conf[order], box_iou(boxes[order], gt), strict=True):
                row = torch.where(free, row, torch.full_like(row, -1.0))
                j = int(row.argmax()) if len(row) else -1
                hit = j >= 0 and bool(row[j] >= iou_threshold)
                if hit:
                    free[j] = False
                scores.append(score)
                hits.append(hit)
        scores = torch.stack(scores) if scores else torch.zeros(0)
        hits = torch.tensor(hits, dtype=torch.float32)[torch.argsort(scores, descending=True, stable=True)]
        tp, fp = torch.cumsum(hits, 0), torch.cumsum(1 - hits, 0)
        recall, precision = tp / n_truth, tp / torch.clamp(tp + fp, min=1)
        envelope = torch.cat([torch.flip(torch.cummax(torch.flip(precision, [0]), 0).values, [0]), torch.zeros(1)])
        levels = torch.linspace(0, 1, 101, dtype=torch.float32)
        ap[c] = float(envelope[torch.searchsorted(recall, levels, side="left")].mean())
    return ap, float(torch.tensor(list(ap.values())).mean())


@alternative("torchvision's box_iou, interpolation as max precision at recall >= t, no envelope array")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    import torchvision

    ap = {}
    for c in sorted({int(c) for t in ground_truth for c in t["labels"].tolist()}):
        n_truth, ranked = 0, []
        for image, (found, truth) in enumerate(zip(detections, ground_truth, strict=True)):
            gt = truth["boxes"][truth["labels"] == c].cpu().double()
            n_truth += len(gt)
            keep = (found["labels"] == c).cpu()
            boxes, scores = found["boxes"].cpu().double()[keep], found["scores"].cpu().double()[keep]
            order = np.argsort(-scores.numpy(), kind="stable")
            iou = torchvision.ops.box_iou(boxes[order], gt).nan_to_num(0.0).numpy() if len(gt) else np.zeros((len(order), 0))
            free = np.ones(len(gt), dtype=bool)
            for rank, i in enumerate(order):
                candidates = np.where(free, iou[rank], -1.0)
                j = int(np.argmax(candidates)) if len(gt) else -1
                hit = j >= 0 and candidates[j] >= iou_threshold
                if hit:
                    free[j] = False
                ranked.append((-float(scores[i]), image, rank, float(hit)))
        ranked.sort()
        hits = np.array([r[3] for r in ranked])
        tp = np.cumsum(hits)
        precision = tp / np.arange(1, len(hits) + 1)
        recall = tp / n_truth
        ap[c] = float(np.mean([precision[recall >= t].max() if (recall >= t).any() else 0.0
                               for t in np.linspace(0, 1, 101)]))
    return ap, float(np.mean(list(ap.values())))


# ---------------------------------------------------------------- exercise 7: detections_to_tokens


@mutant("score > threshold (equal is dropped)")
def detections_to_tokens(labels, scores, threshold):
    values = torch.as_tensor(scores, dtype=torch.float64).cpu().tolist()
    order = sorted(range(len(labels)), key=lambda i: -values[i])
    return [t for i in order if values[i] > threshold for t in tokenize(labels[i])]


@mutant("duplicates dropped (a set of words)")
def detections_to_tokens(labels, scores, threshold):
    values = torch.as_tensor(scores, dtype=torch.float64).cpu().tolist()
    order = sorted(range(len(labels)), key=lambda i: -values[i])
    out = []
    for i in order:
        for t in tokenize(labels[i]):
            if values[i] >= threshold and t not in out:
                out.append(t)
    return out


@mutant("detection order, not score order")
def detections_to_tokens(labels, scores, threshold):
    values = torch.as_tensor(scores, dtype=torch.float64).cpu().tolist()
    return [t for label, v in zip(labels, values, strict=True) if v >= threshold for t in tokenize(label)]


@mutant("an unstable sort of the scores (torch.sort, descending)")
def detections_to_tokens(labels, scores, threshold):
    values = torch.as_tensor(scores, dtype=torch.float64).cpu()
    order = torch.sort(values, descending=True).indices.tolist()
    return [t for i in order if values[i] >= threshold for t in tokenize(labels[i])]


@mutant("ties: the later detection first")
def detections_to_tokens(labels, scores, threshold):
    values = torch.as_tensor(scores, dtype=torch.float64).cpu().tolist()
    order = sorted(range(len(labels)), key=lambda i: (values[i], i), reverse=True)
    return [t for i in order if values[i] >= threshold for t in tokenize(labels[i])]


@mutant("labels not split into tokens ('potted plant' stays one word)")
def detections_to_tokens(labels, scores, threshold):
    values = torch.as_tensor(scores, dtype=torch.float64).cpu().tolist()
    order = sorted(range(len(labels)), key=lambda i: -values[i])
    return [labels[i] for i in order if values[i] >= threshold]


@mutant("str.split instead of tokenize (no lowercasing, brackets kept)")
def detections_to_tokens(labels, scores, threshold):
    values = torch.as_tensor(scores, dtype=torch.float64).cpu().tolist()
    order = sorted(range(len(labels)), key=lambda i: -values[i])
    return [t for i in order if values[i] >= threshold for t in labels[i].split()]


@alternative("stable sort with reverse=True on the device's tensor, then filter")
def detections_to_tokens(labels, scores, threshold):
    scores = torch.as_tensor(scores)
    order = torch.argsort(scores, descending=True, stable=True).tolist()
    return [token for i in order if float(scores[i]) >= threshold for token in tokenize(labels[i])]


@alternative("pairs sorted by negative score with Python's stable sort")
def detections_to_tokens(labels, scores, threshold):
    pairs = [(float(s), label) for s, label in zip(scores, labels, strict=True)]
    pairs.sort(key=lambda p: p[0], reverse=True)
    tokens = []
    for s, label in pairs:
        if s >= threshold:
            tokens.extend(tokenize(label))
    return tokens
