"""Blind variants of notebook 04, written from the released notebook alone."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from autograder.mutation import alternative, mutant
from utils.text import tokenize

# =============================================================================================
# Exercise 1: SmallCNN
# =============================================================================================


@mutant("ignores width: always 16 channels (SmallCNN(5, width=8) still runs)")
class SmallCNN(nn.Module):
    # "Write SmallCNN(n_classes, width=16) ... (w = width)"
    def __init__(self, n_classes, width=16):
        super().__init__()
        w = 16
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * w * 4 * 4, 128), nn.ReLU())
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


@mutant("BatchNorm2d(w, eps=1e-3, momentum=0.01) (Keras defaults)")
class SmallCNN(nn.Module):
    # "nn.BatchNorm2d(w)" (PyTorch's defaults)
    def __init__(self, n_classes, width=16):
        super().__init__()
        w = width
        def bn(c):
            return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1, bias=False), bn(w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), bn(2 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), bn(4 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * w * 4 * 4, 128), nn.ReLU())
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


@mutant("dropout(0.5) on the penultimate features in forward (training mode only)")
class SmallCNN(nn.Module):
    # "forward(x) returns self.head(self.body(x))"
    def __init__(self, n_classes, width=16):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * w * 4 * 4, 128), nn.ReLU())
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(F.dropout(self.body(x), 0.5, self.training))


@mutant("a third attribute: a parameter-free nn.Identity 'self.features' used in forward")
class SmallCNN(nn.Module):
    # "an nn.Module with exactly two attributes"
    def __init__(self, n_classes, width=16):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * w * 4 * 4, 128), nn.ReLU())
        self.features = nn.Identity()
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(self.features(self.body(x)))


@mutant("softmax in forward (probabilities instead of logits)")
class SmallCNN(nn.Module):
    # "forward(x) returns self.head(self.body(x)): the logits (N, n_classes), no softmax"
    def __init__(self, n_classes, width=16):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * w * 4 * 4, 128), nn.ReLU())
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(self.body(x)).softmax(dim=1)


@mutant("ReLU before BatchNorm in each block")
class SmallCNN(nn.Module):
    # "3x3 convolution -> batch norm -> ReLU -> 2x2 max pooling" (the table's order)
    def __init__(self, n_classes, width=16):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1, bias=False), nn.ReLU(), nn.BatchNorm2d(w), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.ReLU(), nn.BatchNorm2d(2 * w), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.ReLU(), nn.BatchNorm2d(4 * w), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * w * 4 * 4, 128), nn.ReLU())
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


@mutant("convolutions with bias (bias=True, the default)")
class SmallCNN(nn.Module):
    # "nn.Conv2d(3, w, 3, padding=1, bias=False)"
    def __init__(self, n_classes, width=16):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * w * 4 * 4, 128), nn.ReLU())
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


@alternative("blocks built in a loop, ReLU(inplace=True), padding='same', MaxPool2d(2, 2)")
class SmallCNN(nn.Module):
    # "self.body: one nn.Sequential of these 15 modules, in this order"
    def __init__(self, n_classes, width=16):
        super().__init__()
        layers = []
        c_in = 3
        for mult in (1, 2, 4):
            c_out = mult * width
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding="same", bias=False), nn.BatchNorm2d(c_out),
                       nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=2, stride=2)]
            c_in = c_out
        layers += [nn.Flatten(start_dim=1), nn.Linear(c_in * 4 * 4, 128), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        features = self.body(x)
        return self.head(features)


@alternative("head assigned before body (attribute order differs), Sequential from an OrderedDict with names '0'..'14'")
class SmallCNN(nn.Module):
    # "The names and the order matter: ... load_state_dict, which matches parameters by name"
    def __init__(self, n_classes, width=16):
        super().__init__()
        from collections import OrderedDict

        w = width
        self.head = nn.Linear(128, n_classes)
        mods = [nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * w, 128), nn.ReLU()]
        self.body = nn.Sequential(OrderedDict((str(i), m) for i, m in enumerate(mods)))

    def forward(self, x):
        return self.head(self.body(x))


@alternative("forward through torch.nn.functional.linear with the head's parameters")
class SmallCNN(nn.Module):
    # "forward(x) returns self.head(self.body(x)): the logits"
    def __init__(self, n_classes, width=16):
        super().__init__()
        w = width
        convs = [(3, w), (w, 2 * w), (2 * w, 4 * w)]
        mods = []
        for c_in, c_out in convs:
            mods.extend([nn.Conv2d(c_in, c_out, (3, 3), stride=1, padding=(1, 1), bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)])
        mods.extend([nn.Flatten(), nn.Linear(4 * w * 16, 128), nn.ReLU()])
        self.body = nn.Sequential(*mods)
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return F.linear(self.body(x), self.head.weight, self.head.bias)


# =============================================================================================
# Exercise 2: penultimate_features
# =============================================================================================


@mutant("always calls model.train() afterwards (an eval-mode model comes back in training mode)")
def penultimate_features(model, images, batch_size, device):
    # "leave model.training as it was before the call"
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(images), batch_size):
            out.append(model.body(images[s:s + batch_size].to(device)).float().cpu())
    model.train()
    return torch.cat(out)


@mutant("no .float(): a float64 model gives float64 features")
def penultimate_features(model, images, batch_size, device):
    # "return the features of all images in their order as one float32 tensor (N, D) on the CPU"
    was = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(images), batch_size):
            out.append(model.body(images[s:s + batch_size].to(device)).cpu())
    model.train(was)
    return torch.cat(out)


@mutant("torch.chunk(images, batch_size): batch_size chunks instead of chunks of batch_size")
def penultimate_features(model, images, batch_size, device):
    # "run model.body on consecutive batches images[0:batch_size], images[batch_size:2*batch_size], ..."
    was = model.training
    model.eval()
    with torch.no_grad():
        out = [model.body(part.to(device)).float().cpu() for part in torch.chunk(images, batch_size)]
    model.train(was)
    return torch.cat(out)


@mutant("drops the last, smaller batch")
def penultimate_features(model, images, batch_size, device):
    # "(the last one may be smaller)"
    was = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(images) - batch_size + 1, batch_size):
            out.append(model.body(images[s:s + batch_size].to(device)).float().cpu())
    model.train(was)
    return torch.cat(out) if out else torch.zeros(0)


@mutant("eval mode but gradients on (no torch.no_grad())")
def penultimate_features(model, images, batch_size, device):
    # "in eval mode and under torch.no_grad()"
    was = model.training
    model.eval()
    out = [model.body(images[s:s + batch_size].to(device)).float().cpu() for s in range(0, len(images), batch_size)]
    model.train(was)
    return torch.cat(out)


@mutant("features left on the device (no .cpu())", needs="cuda")  # lead: on a CPU the device is the CPU
def penultimate_features(model, images, batch_size, device):
    # "as one float32 tensor (N, D) on the CPU"
    was = model.training
    model.eval()
    with torch.no_grad():
        out = torch.cat([model.body(images[s:s + batch_size].to(device)).float()
                         for s in range(0, len(images), batch_size)])
    model.train(was)
    return out


@mutant("no eval(): batch norm uses each batch's own statistics")
def penultimate_features(model, images, batch_size, device):
    # "Call model.eval() first"
    out = []
    with torch.no_grad():
        for s in range(0, len(images), batch_size):
            out.append(model.body(images[s:s + batch_size].to(device)).float().cpu())
    return torch.cat(out)


@alternative("torch.split into batches, try/finally restores the mode, preallocated output")
def penultimate_features(model, images, batch_size, device):
    # "leave model.training as it was before the call"
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            parts = [model.body(batch.to(device)).to("cpu", torch.float32) for batch in torch.split(images, batch_size)]
        return torch.cat(parts, dim=0)
    finally:
        model.train(was_training)


@alternative("torch.inference_mode() instead of no_grad; result cloned outside it")
def penultimate_features(model, images, batch_size, device):
    # "under torch.no_grad()" (inference_mode also disables gradients)
    was = model.training
    model.eval()
    outs = []
    with torch.inference_mode():
        for start in range(0, images.shape[0], batch_size):
            outs.append(model.body(images[start:start + batch_size].to(device)).float().cpu())
        feats = torch.cat(outs)
    model.train(was)
    return feats.clone()


@alternative("restores every submodule's own training flag (mixed modes survive)")
def penultimate_features(model, images, batch_size, device):
    # "put the model back in the mode you found it in afterwards"
    modes = {m: m.training for m in model.modules()}
    model.eval()
    out = []
    with torch.no_grad():
        n = len(images)
        for s in range(0, n, batch_size):
            out.append(model.body(images[s:min(s + batch_size, n)].to(device)).detach().float().cpu())
    for m, mode in modes.items():
        m.training = mode
    return torch.cat(out)


@alternative("torch.no_grad as a decorator on an inner function; DataLoader over a TensorDataset")
def penultimate_features(model, images, batch_size, device):
    # "run model.body on consecutive batches ... each moved to device"
    from torch.utils.data import DataLoader, TensorDataset

    @torch.no_grad()
    def run():
        return [model.body(x.to(device)).float().cpu()
                for (x,) in DataLoader(TensorDataset(images), batch_size=batch_size, shuffle=False)]

    was = model.training
    model.eval()
    parts = run()
    model.train(was)
    return torch.cat(parts)


# =============================================================================================
# Exercise 3: box_iou
# =============================================================================================


@mutant("float boxes always computed and returned as float32 (float64 boxes give float32)")
def box_iou(a, b):
    # "dtype: that of the boxes if they are floating point, float32 for integer boxes"
    a, b = a.float(), b.float()
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(union))


@mutant("float32 arithmetic for float64 boxes, cast back to float64 at the end")
def box_iou(a, b):
    # "dtype: that of the boxes" (and the exact value: IoUs on the threshold must not round the wrong way)
    dtype = a.dtype if a.is_floating_point() else torch.float32
    a, b = a.float(), b.float()
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(union)).to(dtype)


@mutant("torch.stack over a Python loop of rows: crashes when N = 0")
def box_iou(a, b):
    # "N or M may be 0"
    if not a.is_floating_point():
        a, b = a.float(), b.float()
    rows = []
    for box in a:
        w = (torch.minimum(box[2], b[:, 2]) - torch.maximum(box[0], b[:, 0])).clamp(min=0)
        h = (torch.minimum(box[3], b[:, 3]) - torch.maximum(box[1], b[:, 1])).clamp(min=0)
        inter = w * h
        union = (box[2] - box[0]) * (box[3] - box[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
        rows.append(torch.where(union > 0, inter / union, torch.zeros_like(union)))
    return torch.stack(rows)


@mutant("+1 in widths and heights (pixel-index convention)")
def box_iou(a, b):
    # "Areas are plain (x1 - x0)(y1 - y0) (no "+1": these are pixel edges, not pixel indices)"
    if not a.is_floating_point():
        a, b = a.float(), b.float()
    area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2]) + 1).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(union))


@mutant("clamps the intersection area, not its width and height")
def box_iou(a, b):
    # "clamp each at 0 before multiplying (two negatives make a positive "area")"
    if not a.is_floating_point():
        a, b = a.float(), b.float()
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    wh = torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])
    inter = (wh[..., 0] * wh[..., 1]).clamp(min=0)
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(union))


@mutant("NaN where the union is 0 (plain division, like torchvision)")
def box_iou(a, b):
    # "where the union is 0 (two zero-area boxes) the IoU is 0, not NaN"
    if not a.is_floating_point():
        a, b = a.float(), b.float()
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area_a[:, None] + area_b[None, :] - inter)


@mutant("integer boxes returned as float64 (.double())")
def box_iou(a, b):
    # "float32 for integer boxes"
    if not a.is_floating_point():
        a, b = a.double(), b.double()
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(union))


@alternative("torchvision.ops.box_iou with NaN replaced by 0, cast to the promised dtype")
def box_iou(a, b):
    # "(torchvision.ops.box_iou returns NaN there; everywhere else yours must agree with it)"
    out = torchvision.ops.box_iou(a, b)
    out = torch.nan_to_num(out, nan=0.0)
    return out.to(a.dtype if a.is_floating_point() else torch.float32)


@alternative("unbind the coordinates, clamp with torch.clamp_min, division via torch.div with a where mask")
def box_iou(a, b):
    # "Vectorise: broadcasting a[:, None, :] against b[None, :, :] gives all pairs at once."
    dtype = a.dtype if a.is_floating_point() else torch.float32
    ax0, ay0, ax1, ay1 = a.to(dtype).unbind(-1)
    bx0, by0, bx1, by1 = b.to(dtype).unbind(-1)
    iw = torch.clamp_min(torch.min(ax1[:, None], bx1[None]) - torch.max(ax0[:, None], bx0[None]), 0)
    ih = torch.clamp_min(torch.min(ay1[:, None], by1[None]) - torch.max(ay0[:, None], by0[None]), 0)
    inter = iw * ih
    union = ((ax1 - ax0) * (ay1 - ay0))[:, None] + ((bx1 - bx0) * (by1 - by0))[None] - inter
    out = torch.zeros_like(inter)
    mask = union > 0
    out[mask] = inter[mask] / union[mask]
    return out


@alternative("float64 internally for every input, cast to the output dtype at the end")
def box_iou(a, b):
    # "returns the (N, M) tensor of IoUs on the same device; dtype: that of the boxes if they are floating point"
    out_dtype = a.dtype if a.is_floating_point() else torch.float32
    A, B = a.double(), b.double()
    lt = torch.max(A[:, None, :2], B[None, :, :2])
    rb = torch.min(A[:, None, 2:], B[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh.prod(dim=-1)
    def area(x):
        return (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    union = area(A)[:, None] + area(B)[None, :] - inter
    iou = torch.where(union > 0, inter / union.clamp(min=torch.finfo(torch.float64).tiny), torch.zeros_like(union))
    return iou.to(out_dtype)


# =============================================================================================
# Exercise 4: nms
# =============================================================================================


@mutant("torchvision.ops.nms instead of the greedy loop with box_iou (equal to it on CPU, where torchvision sorts stably; may differ on CUDA with tied scores: unverified)", needs="cuda")  # nb04: on a CPU it equals the rule; the text no longer demands box_iou
def nms(boxes, scores, iou_threshold):
    # "use your box_iou; with distinct scores your result equals torchvision.ops.nms" (ties: equal scores, the lower index first)
    return torchvision.ops.nms(boxes, scores, iou_threshold)


@mutant("scores.argsort(descending=True) without stable=True")
def nms(boxes, scores, iou_threshold):
    # "order the boxes by decreasing score (equal scores: the lower index first)"
    order = scores.argsort(descending=True)
    iou = box_iou(boxes, boxes)
    removed = torch.zeros(len(boxes), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in order.tolist():
        if not removed[i]:
            keep.append(i)
            removed |= iou[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


@mutant("'does any higher-scoring box overlap me?' (suppressed boxes suppress too)")
def nms(boxes, scores, iou_threshold):
    # "A box is only ever removed by a box that was kept"
    order = torch.argsort(scores, descending=True, stable=True).tolist()
    iou = box_iou(boxes, boxes)
    keep = [i for r, i in enumerate(order) if not any(iou[j, i] > iou_threshold for j in order[:r])]
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


@mutant("IoU >= threshold suppresses")
def nms(boxes, scores, iou_threshold):
    # "remove every later box whose IoU with the kept box is greater than iou_threshold (equal is not greater: that box stays)"
    order = torch.argsort(scores, descending=True, stable=True)
    iou = box_iou(boxes, boxes)
    removed = torch.zeros(len(boxes), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in order.tolist():
        if not removed[i]:
            keep.append(i)
            removed |= iou[i] >= iou_threshold
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


@mutant("kept indices returned in increasing index order")
def nms(boxes, scores, iou_threshold):
    # "in the order they were kept (decreasing score)"
    order = torch.argsort(scores, descending=True, stable=True)
    iou = box_iou(boxes, boxes)
    removed = torch.zeros(len(boxes), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in order.tolist():
        if not removed[i]:
            keep.append(i)
            removed |= iou[i] > iou_threshold
    return torch.tensor(sorted(keep), dtype=torch.int64, device=boxes.device)


@mutant("equal scores: the HIGHER index first (stable order of the flipped scores)")
def nms(boxes, scores, iou_threshold):
    # "order the boxes by decreasing score (equal scores: the lower index first)"
    order = torch.argsort(-scores.flip(0), stable=True)
    order = len(scores) - 1 - order
    iou = box_iou(boxes, boxes)
    removed = torch.zeros(len(boxes), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in order.tolist():
        if not removed[i]:
            keep.append(i)
            removed |= iou[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


@mutant("returns the kept indices on the CPU", needs="cuda")  # nb04: on a CPU the boxes' device is the CPU
def nms(boxes, scores, iou_threshold):
    # "returns the indices of the kept boxes (into boxes), int64 tensor on the boxes' device"
    order = torch.argsort(scores, descending=True, stable=True)
    iou = box_iou(boxes, boxes)
    removed = torch.zeros(len(boxes), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in order.tolist():
        if not removed[i]:
            keep.append(i)
            removed |= iou[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


@alternative("sort by negated scores (stable), suppression mask over the remaining list, torch.as_tensor on the result")
def nms(boxes, scores, iou_threshold):
    # "order the boxes by decreasing score (equal scores: the lower index first)"
    order = torch.sort(-scores, stable=True).indices
    remaining = order.clone()
    keep = []
    while remaining.numel() > 0:
        i = remaining[0]
        keep.append(int(i))
        if remaining.numel() == 1:
            break
        ious = box_iou(boxes[i][None], boxes[remaining[1:]])[0]
        remaining = remaining[1:][ious <= iou_threshold]
    return torch.as_tensor(keep, dtype=torch.long).to(boxes.device)


@alternative("Python lists: sorted(range(N), key=-score), IoU matrix moved to the CPU once")
def nms(boxes, scores, iou_threshold):
    # "use your box_iou"; "a box that was itself suppressed removes nothing"
    s = scores.tolist()
    order = sorted(range(len(s)), key=lambda i: -s[i])
    iou = box_iou(boxes, boxes).cpu().tolist() if len(s) else []
    alive = [True] * len(s)
    keep = []
    for pos, i in enumerate(order):
        if not alive[i]:
            continue
        keep.append(i)
        for j in order[pos + 1:]:
            if alive[j] and iou[i][j] > iou_threshold:
                alive[j] = False
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


@alternative("torchvision.ops.nms on scores made distinct by their stable rank: does not call box_iou")
def nms(boxes, scores, iou_threshold):
    # "with distinct scores your result equals torchvision.ops.nms"
    order = torch.argsort(scores, descending=True, stable=True)
    rank_scores = torch.empty(len(scores), dtype=torch.float64, device=scores.device)
    rank_scores[order] = torch.arange(len(scores), 0, -1, dtype=torch.float64, device=scores.device)
    # box_iou's "0 where the union is 0" and torchvision's NaN both never exceed the threshold
    return torchvision.ops.nms(boxes, rank_scores.to(boxes.dtype), iou_threshold)


# =============================================================================================
# Exercise 5: decode_detections
# =============================================================================================


@mutant("threshold kept with '>' (a score equal to the threshold is dropped)")
def decode_detections(outputs, stride, k, threshold):
    # "then drop those with score below threshold (a score equal to it stays)"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = torch.sigmoid(outputs[:, :C])
    peaks = scores == F.max_pool2d(scores, 3, stride=1, padding=1)
    res = []
    for n in range(N):
        flat, pk = scores[n].reshape(-1), peaks[n].reshape(-1)
        order = torch.argsort(torch.where(pk, flat, torch.full_like(flat, -1.0)), descending=True, stable=True)[:k]
        order = order[pk[order] & (flat[order] > threshold)]
        c, i, j = order // (H * W), (order % (H * W)) // W, order % W
        reg = outputs[n, C:, i, j]
        x, y = (j + reg[0]) * stride, (i + reg[1]) * stride
        w, h = reg[2].exp(), reg[3].exp()
        boxes = torch.stack([(x - w / 2).clamp(0, W * stride), (y - h / 2).clamp(0, H * stride),
                             (x + w / 2).clamp(0, W * stride), (y + h / 2).clamp(0, H * stride)], 1).reshape(-1, 4)
        res.append({"boxes": boxes, "scores": flat[order], "labels": c.long()})
    return res


@mutant("takes the top k cells first and only then keeps the peaks among them (high non-peaks crowd out peaks)")
def decode_detections(outputs, stride, k, threshold):
    # "the k highest-scoring peaks over all classes and cells"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = torch.sigmoid(outputs[:, :C])
    peaks = scores == F.max_pool2d(scores, 3, stride=1, padding=1)
    res = []
    for n in range(N):
        flat, pk = scores[n].reshape(-1), peaks[n].reshape(-1)
        order = torch.argsort(flat, descending=True, stable=True)[:k]
        order = order[pk[order] & (flat[order] >= threshold)]
        c, i, j = order // (H * W), (order % (H * W)) // W, order % W
        reg = outputs[n, C:, i, j]
        x, y = (j + reg[0]) * stride, (i + reg[1]) * stride
        w, h = reg[2].exp(), reg[3].exp()
        boxes = torch.stack([(x - w / 2).clamp(0, W * stride), (y - h / 2).clamp(0, H * stride),
                             (x + w / 2).clamp(0, W * stride), (y + h / 2).clamp(0, H * stride)], 1).reshape(-1, 4)
        res.append({"boxes": boxes, "scores": flat[order], "labels": c.long()})
    return res


@mutant("flattens the scores channel-last (row, column, class): ties go in another order")
def decode_detections(outputs, stride, k, threshold):
    # "ties broken by the lower flat index in (class, row, column) order"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = torch.sigmoid(outputs[:, :C])
    peaks = scores == F.max_pool2d(scores, 3, stride=1, padding=1)
    res = []
    for n in range(N):
        flat = scores[n].permute(1, 2, 0).reshape(-1)
        pk = peaks[n].permute(1, 2, 0).reshape(-1)
        order = torch.argsort(torch.where(pk, flat, torch.full_like(flat, -1.0)), descending=True, stable=True)[:k]
        order = order[pk[order] & (flat[order] >= threshold)]
        c = order % C
        cell = order // C
        i, j = cell // W, cell % W
        reg = outputs[n, C:, i, j]
        x, y = (j + reg[0]) * stride, (i + reg[1]) * stride
        w, h = reg[2].exp(), reg[3].exp()
        boxes = torch.stack([(x - w / 2).clamp(0, W * stride), (y - h / 2).clamp(0, H * stride),
                             (x + w / 2).clamp(0, W * stride), (y + h / 2).clamp(0, H * stride)], 1).reshape(-1, 4)
        res.append({"boxes": boxes, "scores": flat[order], "labels": c.long()})
    return res


@mutant("peaks and ranking on the logits (saturated float32 scores no longer tie)")
def decode_detections(outputs, stride, k, threshold):
    # "1. scores: torch.sigmoid(outputs[:, :C]) ... 2. peaks: a (class, cell) is a peak when its score equals the maximum of its 3x3 neighbourhood"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    logits = outputs[:, :C]
    peaks = logits == F.max_pool2d(logits, 3, stride=1, padding=1)
    res = []
    for n in range(N):
        fl, pk = logits[n].reshape(-1), peaks[n].reshape(-1)
        order = torch.argsort(torch.where(pk, fl, torch.full_like(fl, float("-inf"))), descending=True, stable=True)[:k]
        sc = torch.sigmoid(fl[order])
        keep = pk[order] & (sc >= threshold)
        order, sc = order[keep], sc[keep]
        c, i, j = order // (H * W), (order % (H * W)) // W, order % W
        reg = outputs[n, C:, i, j]
        x, y = (j + reg[0]) * stride, (i + reg[1]) * stride
        w, h = reg[2].exp(), reg[3].exp()
        boxes = torch.stack([(x - w / 2).clamp(0, W * stride), (y - h / 2).clamp(0, H * stride),
                             (x + w / 2).clamp(0, W * stride), (y + h / 2).clamp(0, H * stride)], 1).reshape(-1, 4)
        res.append({"boxes": boxes, "scores": sc, "labels": c.long()})
    return res


@mutant("clips both x and y to W * stride (assumes a square grid)")
def decode_detections(outputs, stride, k, threshold):
    # "clipped to the image: x to [0, W*stride], y to [0, H*stride]"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = torch.sigmoid(outputs[:, :C])
    peaks = scores == F.max_pool2d(scores, 3, stride=1, padding=1)
    res = []
    for n in range(N):
        flat, pk = scores[n].reshape(-1), peaks[n].reshape(-1)
        order = torch.argsort(torch.where(pk, flat, torch.full_like(flat, -1.0)), descending=True, stable=True)[:k]
        order = order[pk[order] & (flat[order] >= threshold)]
        c, i, j = order // (H * W), (order % (H * W)) // W, order % W
        reg = outputs[n, C:, i, j]
        x, y = (j + reg[0]) * stride, (i + reg[1]) * stride
        w, h = reg[2].exp(), reg[3].exp()
        size = W * stride
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], 1).reshape(-1, 4).clamp(0, size)
        res.append({"boxes": boxes, "scores": flat[order], "labels": c.long()})
    return res


@mutant("strict peaks: a cell must be higher than all 8 neighbours (plateaus give no peak)")
def decode_detections(outputs, stride, k, threshold):
    # "a plateau of equal scores is all peaks"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = torch.sigmoid(outputs[:, :C])
    padded = F.pad(scores, (1, 1, 1, 1), value=float("-inf"))
    neigh = F.unfold(padded.reshape(N * C, 1, H + 2, W + 2), 3).reshape(N, C, 9, H, W)
    others = torch.cat([neigh[:, :, :4], neigh[:, :, 5:]], dim=2).amax(dim=2)
    peaks = scores > others
    res = []
    for n in range(N):
        flat, pk = scores[n].reshape(-1), peaks[n].reshape(-1)
        order = torch.argsort(torch.where(pk, flat, torch.full_like(flat, -1.0)), descending=True, stable=True)[:k]
        order = order[pk[order] & (flat[order] >= threshold)]
        c, i, j = order // (H * W), (order % (H * W)) // W, order % W
        reg = outputs[n, C:, i, j]
        x, y = (j + reg[0]) * stride, (i + reg[1]) * stride
        w, h = reg[2].exp(), reg[3].exp()
        boxes = torch.stack([(x - w / 2).clamp(0, W * stride), (y - h / 2).clamp(0, H * stride),
                             (x + w / 2).clamp(0, W * stride), (y + h / 2).clamp(0, H * stride)], 1).reshape(-1, 4)
        res.append({"boxes": boxes, "scores": flat[order], "labels": c.long()})
    return res


@mutant("boxes and scores always float32 (float64 outputs give float32 boxes)")
def decode_detections(outputs, stride, k, threshold):
    # "boxes and scores in the outputs' float dtype"
    outputs = outputs.float()
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = torch.sigmoid(outputs[:, :C])
    peaks = scores == F.max_pool2d(scores, 3, stride=1, padding=1)
    res = []
    for n in range(N):
        flat, pk = scores[n].reshape(-1), peaks[n].reshape(-1)
        order = torch.argsort(torch.where(pk, flat, torch.full_like(flat, -1.0)), descending=True, stable=True)[:k]
        order = order[pk[order] & (flat[order] >= threshold)]
        c, i, j = order // (H * W), (order % (H * W)) // W, order % W
        reg = outputs[n, C:, i, j]
        x, y = (j + reg[0]) * stride, (i + reg[1]) * stride
        w, h = reg[2].exp(), reg[3].exp()
        boxes = torch.stack([(x - w / 2).clamp(0, W * stride), (y - h / 2).clamp(0, H * stride),
                             (x + w / 2).clamp(0, W * stride), (y + h / 2).clamp(0, H * stride)], 1).reshape(-1, 4)
        res.append({"boxes": boxes, "scores": flat[order], "labels": c.long()})
    return res


@mutant("torch.topk for the selection (tie order not guaranteed to be the lower flat index)")
def decode_detections(outputs, stride, k, threshold):
    # "ties broken by the lower flat index in (class, row, column) order (torch.argsort(..., descending=True, stable=True) ...)"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = torch.sigmoid(outputs[:, :C])
    peaks = scores == F.max_pool2d(scores, 3, stride=1, padding=1)
    masked = torch.where(peaks, scores, torch.full_like(scores, -1.0)).reshape(N, -1)
    kk = min(k, masked.shape[1])
    top_s, top_i = masked.topk(kk, dim=1)
    res = []
    for n in range(N):
        keep = (top_s[n] >= 0) & (top_s[n] >= threshold)
        order, sc = top_i[n][keep], top_s[n][keep]
        c, i, j = order // (H * W), (order % (H * W)) // W, order % W
        reg = outputs[n, C:, i, j]
        x, y = (j + reg[0]) * stride, (i + reg[1]) * stride
        w, h = reg[2].exp(), reg[3].exp()
        boxes = torch.stack([(x - w / 2).clamp(0, W * stride), (y - h / 2).clamp(0, H * stride),
                             (x + w / 2).clamp(0, W * stride), (y + h / 2).clamp(0, H * stride)], 1).reshape(-1, 4)
        res.append({"boxes": boxes, "scores": sc, "labels": c.long()})
    return res


@alternative("vectorised over the batch: masked -inf scores, one stable argsort on (N, C*H*W), gather")
def decode_detections(outputs, stride, k, threshold):
    # "the k highest-scoring peaks over all classes and cells ... (torch.argsort(..., descending=True, stable=True) on the flattened scores does this)"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = outputs[:, :C].sigmoid()
    is_peak = scores == F.max_pool2d(scores, kernel_size=3, stride=1, padding=1)
    flat = scores.flatten(1)
    masked = flat.masked_fill(~is_peak.flatten(1), float("-inf"))
    order = masked.argsort(dim=1, descending=True, stable=True)[:, :k]
    top = masked.gather(1, order)
    out = []
    for n in range(N):
        ok = torch.isfinite(top[n]) & (top[n] >= threshold)
        idx = order[n][ok]
        cls = torch.div(idx, H * W, rounding_mode="floor")
        cell = idx - cls * H * W
        row = torch.div(cell, W, rounding_mode="floor")
        col = cell - row * W
        dx, dy, lw, lh = outputs[n, C:, row, col].unbind(0)
        cx = (col.to(outputs.dtype) + dx) * stride
        cy = (row.to(outputs.dtype) + dy) * stride
        half_w, half_h = torch.exp(lw) / 2, torch.exp(lh) / 2
        x0 = torch.clamp(cx - half_w, 0, W * stride)
        x1 = torch.clamp(cx + half_w, 0, W * stride)
        y0 = torch.clamp(cy - half_h, 0, H * stride)
        y1 = torch.clamp(cy + half_h, 0, H * stride)
        out.append({"boxes": torch.stack([x0, y0, x1, y1], dim=-1).reshape(-1, 4), "scores": top[n][ok],
                    "labels": cls.to(torch.int64)})
    return out


@alternative("peaks with F.unfold (3x3 max including the cell itself), Python sort key (-score, index)")
def decode_detections(outputs, stride, k, threshold):
    # "a (class, cell) is a peak when its score equals the maximum of its 3x3 neighbourhood ... (borders are padded, so they have fewer neighbours)"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores = torch.sigmoid(outputs[:, :C])
    padded = F.pad(scores.reshape(N * C, 1, H, W), (1, 1, 1, 1), value=float("-inf"))
    local_max = F.unfold(padded, 3).amax(dim=1).reshape(N, C, H, W)
    peaks = scores == local_max
    dev = outputs.device
    res = []
    for n in range(N):
        s = scores[n].reshape(-1).tolist()
        p = peaks[n].reshape(-1).tolist()
        cand = sorted((f for f in range(len(s)) if p[f]), key=lambda f: (-s[f], f))[:k]
        cand = [f for f in cand if s[f] >= threshold]
        boxes, sc, lab = [], [], []
        for f in cand:
            c, cell = divmod(f, H * W)
            i, j = divmod(cell, W)
            dx, dy, lw, lh = outputs[n, C:, i, j]
            x, y = (j + dx) * stride, (i + dy) * stride
            w, h = torch.exp(lw), torch.exp(lh)
            boxes.append(torch.stack([(x - w / 2).clamp(0, W * stride), (y - h / 2).clamp(0, H * stride),
                                      (x + w / 2).clamp(0, W * stride), (y + h / 2).clamp(0, H * stride)]))
            sc.append(scores[n].reshape(-1)[f])
            lab.append(c)
        res.append({"boxes": torch.stack(boxes) if boxes else torch.zeros(0, 4, dtype=outputs.dtype, device=dev),
                    "scores": torch.stack(sc) if sc else torch.zeros(0, dtype=outputs.dtype, device=dev),
                    "labels": torch.tensor(lab, dtype=torch.int64, device=dev)})
    return res


@alternative("numpy on the CPU (lexsort on (index, -score)), tensors rebuilt on the outputs' device and dtype")
def decode_detections(outputs, stride, k, threshold):
    # "all on the outputs' device, in decreasing score"
    N, Ct, H, W = outputs.shape
    C = Ct - 4
    scores_t = torch.sigmoid(outputs[:, :C])
    peaks_t = scores_t == F.max_pool2d(scores_t, 3, stride=1, padding=1)
    scores = scores_t.detach().cpu().numpy().reshape(N, -1)
    peaks = peaks_t.cpu().numpy().reshape(N, -1)
    reg = outputs[:, C:].detach().cpu().numpy()
    res = []
    for n in range(N):
        idx = np.flatnonzero(peaks[n])
        idx = idx[np.lexsort((idx, -scores[n, idx]))][:k]
        idx = idx[scores[n, idx] >= threshold]
        c, cell = np.divmod(idx, H * W)
        i, j = np.divmod(cell, W)
        dx, dy, lw, lh = reg[n, :, i, j].T if len(idx) else np.zeros((4, 0), dtype=reg.dtype)
        x, y = (j + dx) * stride, (i + dy) * stride
        w, h = np.exp(lw), np.exp(lh)
        b = np.stack([np.clip(x - w / 2, 0, W * stride), np.clip(y - h / 2, 0, H * stride),
                      np.clip(x + w / 2, 0, W * stride), np.clip(y + h / 2, 0, H * stride)], axis=1).reshape(-1, 4)
        res.append({"boxes": torch.as_tensor(b.astype(reg.dtype)).to(outputs.device),
                    "scores": torch.as_tensor(scores[n, idx]).to(outputs.device),
                    "labels": torch.as_tensor(c.astype(np.int64)).to(outputs.device)})
    return res


# =============================================================================================
# Exercise 6: average_precision
# =============================================================================================


@mutant("VOC matching: a detection goes to the highest-IoU box overall; if that box is taken, a false positive")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "Each one is matched to the not yet matched ground-truth box ... with the highest IoU ... No such box: a false positive -- even if an already matched box overlaps it more"
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        recs, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().double()[gt["labels"].cpu() == c]
            n_gt += len(gb)
            m = det["labels"].cpu() == c
            db, ds = det["boxes"].cpu().double()[m], det["scores"].cpu()[m]
            iou = box_iou(db, gb)
            taken = [False] * len(gb)
            for d in torch.argsort(ds, descending=True, stable=True).tolist():
                tp = 0
                if len(gb):
                    g = int(torch.argmax(iou[d]))
                    if float(iou[d, g]) >= iou_threshold and not taken[g]:
                        taken[g], tp = True, 1
                recs.append((float(ds[d]), tp))
        tps = np.array([t for _, t in recs], dtype=float)[np.argsort(-np.array([s for s, _ in recs]), kind="stable")]
        tp, fp = np.cumsum(tps), np.cumsum(1 - tps)
        rec, prec = tp / n_gt, tp / np.maximum(tp + fp, 1)
        env = np.maximum.accumulate(prec[::-1])[::-1]
        idx = np.searchsorted(rec, levels, side="left")
        ap[c] = float(np.mean([env[i] if i < len(env) else 0.0 for i in idx]))
    return ap, float(np.mean(list(ap.values())))


@mutant("pycocotools' tie rule: equal IoUs go to the HIGHER ground-truth index")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "the not yet matched ground-truth box of class c in that image with the highest IoU ... (equal IoUs: the lower ground-truth index)"
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        recs, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().double()[gt["labels"].cpu() == c]
            n_gt += len(gb)
            m = det["labels"].cpu() == c
            db, ds = det["boxes"].cpu().double()[m], det["scores"].cpu()[m]
            iou = box_iou(db, gb)
            taken = [False] * len(gb)
            for d in torch.argsort(ds, descending=True, stable=True).tolist():
                best, best_iou = -1, iou_threshold
                for g in range(len(gb)):
                    if not taken[g] and float(iou[d, g]) >= best_iou:
                        best, best_iou = g, float(iou[d, g])
                if best >= 0:
                    taken[best] = True
                recs.append((float(ds[d]), int(best >= 0)))
        tps = np.array([t for _, t in recs], dtype=float)[np.argsort(-np.array([s for s, _ in recs]), kind="stable")]
        tp, fp = np.cumsum(tps), np.cumsum(1 - tps)
        rec, prec = tp / n_gt, tp / np.maximum(tp + fp, 1)
        env = np.maximum.accumulate(prec[::-1])[::-1]
        idx = np.searchsorted(rec, levels, side="left")
        ap[c] = float(np.mean([env[i] if i < len(env) else 0.0 for i in idx]))
    return ap, float(np.mean(list(ap.values())))


@mutant("global ranking with sorted(..., reverse=True) on (score, tp) tuples: ties put true positives first")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "ranking: all detections of class c of all images in decreasing score; ties keep the image order, then the order of step 1"
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        recs, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().double()[gt["labels"].cpu() == c]
            n_gt += len(gb)
            m = det["labels"].cpu() == c
            db, ds = det["boxes"].cpu().double()[m], det["scores"].cpu()[m]
            iou = box_iou(db, gb)
            taken = [False] * len(gb)
            for d in torch.argsort(ds, descending=True, stable=True).tolist():
                best = -1
                for g in range(len(gb)):
                    if not taken[g] and float(iou[d, g]) >= iou_threshold and (best < 0 or iou[d, g] > iou[d, best]):
                        best = g
                if best >= 0:
                    taken[best] = True
                recs.append((float(ds[d]), int(best >= 0)))
        tps = np.array([t for _, t in sorted(recs, reverse=True)], dtype=float)
        tp, fp = np.cumsum(tps), np.cumsum(1 - tps)
        rec, prec = tp / n_gt, tp / np.maximum(tp + fp, 1)
        env = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
        idx = np.searchsorted(rec, levels, side="left")
        ap[c] = float(np.mean([env[i] if i < len(env) else 0.0 for i in idx]))
    return ap, float(np.mean(list(ap.values())))


@mutant("np.searchsorted(..., side='right'): a recall level hit exactly takes the next rank")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "take p~_k at the first rank with r_k >= t ... (np.searchsorted(recall, levels, side="left"))"
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        recs, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().double()[gt["labels"].cpu() == c]
            n_gt += len(gb)
            m = det["labels"].cpu() == c
            db, ds = det["boxes"].cpu().double()[m], det["scores"].cpu()[m]
            iou = box_iou(db, gb)
            taken = [False] * len(gb)
            for d in torch.argsort(ds, descending=True, stable=True).tolist():
                best = -1
                for g in range(len(gb)):
                    if not taken[g] and float(iou[d, g]) >= iou_threshold and (best < 0 or iou[d, g] > iou[d, best]):
                        best = g
                if best >= 0:
                    taken[best] = True
                recs.append((float(ds[d]), int(best >= 0)))
        tps = np.array([t for _, t in recs], dtype=float)[np.argsort(-np.array([s for s, _ in recs]), kind="stable")]
        tp, fp = np.cumsum(tps), np.cumsum(1 - tps)
        rec, prec = tp / n_gt, tp / np.maximum(tp + fp, 1)
        env = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
        idx = np.searchsorted(rec, levels, side="right")
        ap[c] = float(np.mean([env[i] if i < len(env) else 0.0 for i in idx]))
    return ap, float(np.mean(list(ap.values())))


@mutant("no interpolation: the raw precision at the first rank reaching each recall level")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "interpolation: replace each p_k by the maximum precision at that rank or later"
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        recs, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().double()[gt["labels"].cpu() == c]
            n_gt += len(gb)
            m = det["labels"].cpu() == c
            db, ds = det["boxes"].cpu().double()[m], det["scores"].cpu()[m]
            iou = box_iou(db, gb)
            taken = [False] * len(gb)
            for d in torch.argsort(ds, descending=True, stable=True).tolist():
                best = -1
                for g in range(len(gb)):
                    if not taken[g] and float(iou[d, g]) >= iou_threshold and (best < 0 or iou[d, g] > iou[d, best]):
                        best = g
                if best >= 0:
                    taken[best] = True
                recs.append((float(ds[d]), int(best >= 0)))
        tps = np.array([t for _, t in recs], dtype=float)[np.argsort(-np.array([s for s, _ in recs]), kind="stable")]
        tp, fp = np.cumsum(tps), np.cumsum(1 - tps)
        rec, prec = tp / n_gt, tp / np.maximum(tp + fp, 1)
        idx = np.searchsorted(rec, levels, side="left")
        ap[c] = float(np.mean([prec[i] if i < len(prec) else 0.0 for i in idx]))
    return ap, float(np.mean(list(ap.values())))


@mutant("box_iou in float32 (IoUs on the threshold can round below it)")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "Use your box_iou (in float64: IoUs that land exactly on the threshold must not round the wrong way)"
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        recs, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().float()[gt["labels"].cpu() == c]
            n_gt += len(gb)
            m = det["labels"].cpu() == c
            db, ds = det["boxes"].cpu().float()[m], det["scores"].cpu()[m]
            iou = box_iou(db, gb)
            taken = [False] * len(gb)
            for d in torch.argsort(ds, descending=True, stable=True).tolist():
                best = -1
                for g in range(len(gb)):
                    if not taken[g] and float(iou[d, g]) >= iou_threshold and (best < 0 or iou[d, g] > iou[d, best]):
                        best = g
                if best >= 0:
                    taken[best] = True
                recs.append((float(ds[d]), int(best >= 0)))
        tps = np.array([t for _, t in recs], dtype=float)[np.argsort(-np.array([s for s, _ in recs]), kind="stable")]
        tp, fp = np.cumsum(tps), np.cumsum(1 - tps)
        rec, prec = tp / n_gt, tp / np.maximum(tp + fp, 1)
        env = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
        idx = np.searchsorted(rec, levels, side="left")
        ap[c] = float(np.mean([env[i] if i < len(env) else 0.0 for i in idx]))
    return ap, float(np.mean(list(ap.values())))


@mutant("recall denominator counts only the ground truth of images that have a detection of the class")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "recall = correct detections so far / ground-truth objects of that class"
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        recs, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().double()[gt["labels"].cpu() == c]
            m = det["labels"].cpu() == c
            if int(m.sum()) == 0:
                continue
            n_gt += len(gb)
            db, ds = det["boxes"].cpu().double()[m], det["scores"].cpu()[m]
            iou = box_iou(db, gb)
            taken = [False] * len(gb)
            for d in torch.argsort(ds, descending=True, stable=True).tolist():
                best = -1
                for g in range(len(gb)):
                    if not taken[g] and float(iou[d, g]) >= iou_threshold and (best < 0 or iou[d, g] > iou[d, best]):
                        best = g
                if best >= 0:
                    taken[best] = True
                recs.append((float(ds[d]), int(best >= 0)))
        tps = np.array([t for _, t in recs], dtype=float)[np.argsort(-np.array([s for s, _ in recs]), kind="stable")]
        tp, fp = np.cumsum(tps), np.cumsum(1 - tps)
        rec, prec = tp / max(n_gt, 1), tp / np.maximum(tp + fp, 1)
        env = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
        idx = np.searchsorted(rec, levels, side="left")
        ap[c] = float(np.mean([env[i] if i < len(env) else 0.0 for i in idx]))
    return ap, float(np.mean(list(ap.values())))


@alternative("AP values and mAP returned as numpy.float64, not Python float (nb04: correct by the text, numpy.float64 is a float)")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "ap a dict {class index (int): AP (float)} ... mean_ap the mean of its values (float)"
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        recs, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().double()[gt["labels"].cpu() == c]
            n_gt += len(gb)
            m = det["labels"].cpu() == c
            db, ds = det["boxes"].cpu().double()[m], det["scores"].cpu()[m]
            iou = box_iou(db, gb)
            taken = [False] * len(gb)
            for d in torch.argsort(ds, descending=True, stable=True).tolist():
                best = -1
                for g in range(len(gb)):
                    if not taken[g] and float(iou[d, g]) >= iou_threshold and (best < 0 or iou[d, g] > iou[d, best]):
                        best = g
                if best >= 0:
                    taken[best] = True
                recs.append((float(ds[d]), int(best >= 0)))
        tps = np.array([t for _, t in recs], dtype=float)[np.argsort(-np.array([s for s, _ in recs]), kind="stable")]
        tp, fp = np.cumsum(tps), np.cumsum(1 - tps)
        rec, prec = tp / n_gt, tp / np.maximum(tp + fp, 1)
        env = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
        idx = np.searchsorted(rec, levels, side="left")
        ap[c] = np.mean([env[i] if i < len(env) else 0.0 for i in idx])
    return ap, np.mean(list(ap.values()))


@alternative("vectorised matching with a masked IoU matrix per image, torch.stable sort for the ranking, precomputed envelope via np.maximum.accumulate")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "A Python loop over detections is fine." (any equivalent formulation of steps 1-5)
    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        all_scores, all_tp, n_gt = [], [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gmask = gt["labels"].cpu() == c
            gboxes = gt["boxes"].cpu().to(torch.float64)[gmask]
            n_gt += int(gmask.sum())
            dmask = det["labels"].cpu() == c
            dboxes = det["boxes"].cpu().to(torch.float64)[dmask]
            dscores = det["scores"].cpu()[dmask]
            order = torch.sort(dscores, descending=True, stable=True).indices
            iou = box_iou(dboxes, gboxes).clone()
            for d in order.tolist():
                row = iou[d].clone()
                if row.numel():
                    row[row < iou_threshold] = -1.0
                    g = int(torch.argmax(row))            # first maximum: the lower index
                    hit = bool(row[g] >= 0)
                else:
                    hit = False
                if hit:
                    iou[:, g] = -1.0                     # the box is matched: nobody else may take it
                all_scores.append(float(dscores[d]))
                all_tp.append(hit)
        s = torch.tensor(all_scores, dtype=torch.float64)
        rank = torch.sort(s, descending=True, stable=True).indices.numpy()
        hits = np.asarray(all_tp, dtype=np.float64)[rank] if len(all_tp) else np.zeros(0)
        tp = np.cumsum(hits)
        recall = tp / n_gt
        precision = tp / np.arange(1, len(hits) + 1)
        envelope = np.maximum.accumulate(precision[::-1])[::-1]
        idx = np.searchsorted(recall, levels, side="left")
        padded = np.concatenate([envelope, [0.0]])
        ap[c] = float(padded[np.minimum(idx, len(envelope))].mean())
    mean_ap = float(sum(ap.values()) / len(ap))
    return ap, mean_ap


@alternative("exact rational arithmetic for precision/recall (fractions.Fraction), levels as k/100")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "101 recall levels t in np.linspace(0, 1, 101): for each, take p~_k at the first rank with r_k >= t"
    from fractions import Fraction

    classes = sorted({int(c) for g in ground_truth for c in g["labels"].tolist()})
    ap = {}
    for c in classes:
        ranked, n_gt = [], 0
        for det, gt in zip(detections, ground_truth, strict=False):
            gb = gt["boxes"].cpu().double()[gt["labels"].cpu() == c]
            n_gt += len(gb)
            m = det["labels"].cpu() == c
            db, ds = det["boxes"].cpu().double()[m], det["scores"].cpu()[m].tolist()
            iou = box_iou(db, gb).tolist()
            free = list(range(len(gb)))
            for d in sorted(range(len(ds)), key=lambda i: -ds[i]):
                cands = [g for g in free if iou[d][g] >= iou_threshold]
                g = max(cands, key=lambda g: (iou[d][g], -g)) if cands else None
                if g is not None:
                    free.remove(g)
                ranked.append((ds[d], g is not None))
        ranked = [t for _, t in sorted(enumerate(ranked), key=lambda e: (-e[1][0], e[0]))]
        hits = [t for _, t in ranked]
        prec, rec, tp = [], [], 0
        for i, h in enumerate(hits, 1):
            tp += h
            prec.append(Fraction(tp, i))
            rec.append(Fraction(tp, n_gt))
        env = prec[:]
        for i in range(len(env) - 2, -1, -1):
            env[i] = max(env[i], env[i + 1])
        levels = np.linspace(0, 1, 101)
        total = 0.0
        for t in levels:
            k = next((i for i, r in enumerate(rec) if float(r) >= t), None)
            total += float(env[k]) if k is not None else 0.0
        ap[c] = total / 101
    return ap, float(np.mean([ap[c] for c in ap]))


@alternative("detections pooled per class first (image id kept), numpy argsort(kind='mergesort') on -score")
def average_precision(detections, ground_truth, iou_threshold=0.5):
    # "a stable sort of the images' lists, concatenated in image order"
    n_img = len(ground_truth)
    gts = [(g["boxes"].detach().cpu().to(torch.float64), g["labels"].detach().cpu()) for g in ground_truth]
    dts = [(d["boxes"].detach().cpu().to(torch.float64), d["scores"].detach().cpu().to(torch.float64),
            d["labels"].detach().cpu()) for d in detections]
    classes = sorted(set(torch.cat([lab for _, lab in gts]).tolist()))
    levels = np.linspace(0, 1, 101)
    ap = {}
    for c in classes:
        flags, scores = [], []
        n_gt = sum(int((lab == c).sum()) for _, lab in gts)
        for n in range(n_img):
            gb = gts[n][0][gts[n][1] == c]
            db, ds, dl = dts[n]
            sel = torch.nonzero(dl == c).flatten()
            sel = sel[torch.argsort(ds[sel], descending=True, stable=True)]
            ious = box_iou(db[sel], gb)
            used = torch.zeros(len(gb), dtype=torch.bool)
            for r in range(len(sel)):
                cand = ious[r].clone()
                cand[used] = -1
                ok = cand >= iou_threshold
                if ok.any():
                    best = int(torch.nonzero(cand == cand[ok].max()).flatten()[0])
                    used[best] = True
                    flags.append(1.0)
                else:
                    flags.append(0.0)
                scores.append(float(ds[sel[r]]))
        order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
        f = np.asarray(flags)[order]
        tp = np.cumsum(f)
        fp = np.cumsum(1 - f)
        rec = tp / n_gt
        prec = tp / (tp + fp) if len(f) else np.zeros(0)
        for i in range(len(prec) - 1, 0, -1):
            prec[i - 1] = max(prec[i - 1], prec[i])
        inds = np.searchsorted(rec, levels, side="left")
        q = np.zeros(101)
        for r, pi in enumerate(inds):
            if pi < len(prec):
                q[r] = prec[pi]
        ap[int(c)] = float(q.mean())
    return ap, float(np.mean(list(ap.values())))


# =============================================================================================
# Exercise 7: detections_to_tokens
# =============================================================================================


@mutant("sorted(zip(scores, labels), reverse=True): equal scores ordered by label, not by position")
def detections_to_tokens(labels, scores, threshold):
    # "the most confident detection first (equal scores: the earlier detection first)"
    s = scores.tolist() if isinstance(scores, torch.Tensor) else list(scores)
    out = []
    for score, label in sorted(zip(s, labels, strict=False), reverse=True):
        if score >= threshold:
            out += tokenize(label)
    return out


@mutant("label.lower().split() instead of tokenize (punctuation stays attached)")
def detections_to_tokens(labels, scores, threshold):
    # "each label is split into tokens with the provided tokenize"
    s = scores.tolist() if isinstance(scores, torch.Tensor) else list(scores)
    out = []
    for i in sorted(range(len(s)), key=lambda i: -s[i]):
        if s[i] >= threshold:
            out += labels[i].lower().split()
    return out


@mutant("torch.argsort(descending=True) without stable=True")
def detections_to_tokens(labels, scores, threshold):
    # "(equal scores: the earlier detection first)"
    s = torch.as_tensor(scores, dtype=torch.float64).cpu()
    out = []
    for i in torch.argsort(s, descending=True).tolist():
        if s[i] >= threshold:
            out += tokenize(labels[i])
    return out


@mutant("strict '>' threshold")
def detections_to_tokens(labels, scores, threshold):
    # "the tokens of the detections with score >= threshold"
    s = scores.tolist() if isinstance(scores, torch.Tensor) else list(scores)
    out = []
    for i in sorted(range(len(s)), key=lambda i: -s[i]):
        if s[i] > threshold:
            out += tokenize(labels[i])
    return out


@mutant("one token per distinct label (duplicates dropped)")
def detections_to_tokens(labels, scores, threshold):
    # "one entry per detection -- two detected birds give "bird", "bird" (counts matter)"
    s = scores.tolist() if isinstance(scores, torch.Tensor) else list(scores)
    out, seen = [], set()
    for i in sorted(range(len(s)), key=lambda i: -s[i]):
        if s[i] >= threshold and labels[i] not in seen:
            seen.add(labels[i])
            out += tokenize(labels[i])
    return out


@mutant("keeps the detections' original order (no sorting by score)")
def detections_to_tokens(labels, scores, threshold):
    # "the most confident detection first"
    s = scores.tolist() if isinstance(scores, torch.Tensor) else list(scores)
    return [t for label, score in zip(labels, s, strict=False) if score >= threshold for t in tokenize(label)]


@alternative("threshold compared in torch (a float32 tensor compares in float32), stable torch.sort")
def detections_to_tokens(labels, scores, threshold):
    # "scores: their scores, a 1-d tensor (any device) or a list of floats" -- compared as given
    s = scores if isinstance(scores, torch.Tensor) else torch.tensor(list(scores), dtype=torch.float64)
    s = s.detach().cpu()
    order = torch.sort(s, descending=True, stable=True).indices
    keep = s[order] >= threshold
    return [tok for i, k in zip(order.tolist(), keep.tolist(), strict=False) if k for tok in tokenize(labels[i])]


@alternative("Python floats (float64) for the comparison, sorted() with key=-score, itertools.chain")
def detections_to_tokens(labels, scores, threshold):
    # "returns the list of tokens of the detections with score >= threshold" (exact comparison as numbers)
    import itertools

    vals = [float(v) for v in (scores.detach().cpu().tolist() if torch.is_tensor(scores) else scores)]
    ranked = sorted(zip(vals, range(len(vals)), labels, strict=False), key=lambda t: -t[0])
    return list(itertools.chain.from_iterable(tokenize(lab) for v, _, lab in ranked if v >= threshold))


@alternative("numpy: stable argsort of -scores, boolean mask, list comprehension")
def detections_to_tokens(labels, scores, threshold):
    # "the most confident detection first (equal scores: the earlier detection first)"
    arr = scores.detach().cpu().numpy() if torch.is_tensor(scores) else np.asarray(scores, dtype=np.float64)
    order = np.argsort(-arr, kind="stable")
    return [str(t) for i in order if arr[i] >= threshold for t in tokenize(labels[int(i)])]
