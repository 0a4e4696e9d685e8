"""Notebook 04's detection exercises, solution against the reference libraries.

box_iou and nms against torchvision.ops (degenerate boxes included), average_precision against
pycocotools' COCOeval at IoU 0.5 and 0.75, decode_detections against a plain loop over cells.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision

from autograder.solution import solution_function

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "04_cnn_features" / "cnn_features.ipynb"


def solution(name: str):
    """The solution notebook's implementation of `name`."""
    return solution_function(name, NOTEBOOK)


def random_boxes(gen: torch.Generator, n: int, span: float = 30.0) -> torch.Tensor:
    """n xyxy boxes, a quarter of them degenerate (zero width, zero height or a point)."""
    xy = span * torch.rand(n, 2, generator=gen)
    wh = 1 + span / 2 * torch.rand(n, 2, generator=gen)
    kind = torch.randint(0, 8, (n,), generator=gen)
    wh[kind == 0, 0] = 0
    wh[kind == 1, 1] = 0
    wh[kind == 2] = 0
    return torch.cat([xy, xy + wh], dim=1)


def with_touching_and_identical(boxes: torch.Tensor) -> torch.Tensor:
    """Append copies of the first boxes and boxes touching them edge to edge."""
    shifted = boxes[:4].clone()
    width = shifted[:, 2] - shifted[:, 0]
    shifted[:, 0] += width
    shifted[:, 2] += width
    return torch.cat([boxes, boxes[:4].clone(), shifted])


@pytest.mark.parametrize("seed", range(5))
def test_box_iou_equals_torchvision_except_nan_where_the_union_is_empty(seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    a = with_touching_and_identical(random_boxes(gen, 40))
    b = random_boxes(gen, 25)
    for x, y in ((a, b), (a, a)):
        ours, theirs = solution("box_iou")(x, y), torchvision.ops.box_iou(x, y)
        empty = theirs.isnan()
        assert torch.equal(empty, ((x[:, 2:] - x[:, :2]).prod(1)[:, None] == 0)
                           & ((y[:, 2:] - y[:, :2]).prod(1)[None, :] == 0))
        assert (ours[empty] == 0).all()
        torch.testing.assert_close(ours[~empty], theirs[~empty], rtol=1e-6, atol=1e-7)


def test_box_iou_of_integer_and_float64_boxes_matches_torchvision() -> None:
    gen = torch.Generator().manual_seed(9)
    a = (20 * torch.rand(8, 2, generator=gen)).long()
    a = torch.cat([a, a + 1 + (10 * torch.rand(8, 2, generator=gen)).long()], dim=1)
    ours = solution("box_iou")(a, a.flip(0))
    assert ours.dtype == torch.float32
    torch.testing.assert_close(ours, torchvision.ops.box_iou(a, a.flip(0)))
    ours64 = solution("box_iou")(a.double(), a.double())
    assert ours64.dtype == torch.float64
    torch.testing.assert_close(ours64, torchvision.ops.box_iou(a.double(), a.double()))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.7, 1.0])
def test_nms_equals_torchvision(seed: int, threshold: float) -> None:
    gen = torch.Generator().manual_seed(100 + seed)
    boxes = with_touching_and_identical(random_boxes(gen, 60))
    scores = torch.randperm(len(boxes), generator=gen).float() / len(boxes)   # distinct scores
    ours = solution("nms")(boxes, scores, threshold)
    assert ours.dtype == torch.int64
    assert torch.equal(ours, torchvision.ops.nms(boxes, scores, threshold))


def test_nms_of_no_boxes() -> None:
    kept = solution("nms")(torch.zeros(0, 4), torch.zeros(0), 0.5)
    assert kept.dtype == torch.int64 and kept.shape == (0,)


def coco_average_precision(detections: list[dict], truth: list[dict], n_classes: int,
                           iou: float) -> tuple[dict[int, float], float]:
    """AP per class and mAP at one IoU threshold, computed by pycocotools' COCOeval."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def xywh(box: list[float]) -> list[float]:
        return [box[0], box[1], box[2] - box[0], box[3] - box[1]]

    annotations = [{"id": k + 1, "image_id": i + 1, "category_id": int(c) + 1, "bbox": xywh(b),
                    "area": float((b[2] - b[0]) * (b[3] - b[1])), "iscrowd": 0}
                   for k, (i, b, c) in enumerate((i, b, c) for i, t in enumerate(truth)
                                                 for b, c in zip(t["boxes"].tolist(), t["labels"].tolist(), strict=True))]
    results = [{"image_id": i + 1, "category_id": int(c) + 1, "bbox": xywh(b), "score": float(s)}
               for i, d in enumerate(detections)
               for b, s, c in zip(d["boxes"].tolist(), d["scores"].tolist(), d["labels"].tolist(), strict=True)]
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": [{"id": i + 1} for i in range(len(truth))],
                      "categories": [{"id": c + 1} for c in range(n_classes)], "annotations": annotations}
        gt.createIndex()
        evaluation = COCOeval(gt, gt.loadRes(results), "bbox")
        evaluation.params.iouThrs = np.array([iou])
        evaluation.evaluate()
        evaluation.accumulate()
    precision = evaluation.eval["precision"][0, :, :, 0, -1]   # (101 recall levels, classes), area all, 100 dets
    ap = {c: float(precision[:, c].mean()) for c in range(n_classes) if (precision[:, c] > -1).all()}
    return ap, float(np.mean(list(ap.values())))


def noisy_detections(seed: int, n_images: int, n_classes: int, tie_scores: bool) -> tuple[list[dict], list[dict]]:
    """Random ground truth with jittered, relabelled, duplicated and spurious detections."""
    gen = torch.Generator().manual_seed(seed)
    truth, found = [], []
    for _ in range(n_images):
        m = int(torch.randint(0, 5, (1,), generator=gen))
        xy = 50 * torch.rand(m, 2, generator=gen)
        boxes = torch.cat([xy, xy + 4 + 20 * torch.rand(m, 2, generator=gen)], dim=1)
        labels = torch.randint(0, n_classes, (m,), generator=gen)
        copies = torch.randint(0, 3, (m,), generator=gen)          # 0, 1 or 2 detections per object
        det_boxes = boxes.repeat_interleave(copies, dim=0)
        det_boxes = det_boxes + 4 * torch.randn(det_boxes.shape, generator=gen)
        det_boxes = torch.cat([torch.minimum(det_boxes[:, :2], det_boxes[:, 2:]), torch.maximum(det_boxes[:, :2], det_boxes[:, 2:])], dim=1)
        det_labels = labels.repeat_interleave(copies)
        relabel = torch.rand(len(det_labels), generator=gen) < 0.15
        det_labels = torch.where(relabel, torch.randint(0, n_classes, det_labels.shape, generator=gen), det_labels)
        extra = int(torch.randint(0, 3, (1,), generator=gen))
        xy2 = 50 * torch.rand(extra, 2, generator=gen)
        det_boxes = torch.cat([det_boxes, torch.cat([xy2, xy2 + 4 + 15 * torch.rand(extra, 2, generator=gen)], dim=1)])
        det_labels = torch.cat([det_labels, torch.randint(0, n_classes, (extra,), generator=gen)])
        scores = torch.rand(len(det_labels), generator=gen, dtype=torch.float64)
        if tie_scores:
            scores = (scores * 5).round() / 5
        truth.append({"boxes": boxes, "labels": labels})
        found.append({"boxes": det_boxes, "scores": scores, "labels": det_labels})
    return found, truth


@pytest.mark.parametrize("iou", [0.5, 0.75])
@pytest.mark.parametrize("seed,tie_scores", [(0, False), (1, False), (2, True), (3, True)])
def test_average_precision_equals_pycocotools(seed: int, tie_scores: bool, iou: float) -> None:
    found, truth = noisy_detections(seed, n_images=60, n_classes=6, tie_scores=tie_scores)
    ours, ours_mean = solution("average_precision")(found, truth, iou_threshold=iou)
    theirs, theirs_mean = coco_average_precision(found, truth, n_classes=6, iou=iou)
    assert list(ours) == sorted(theirs)
    for c in theirs:
        assert ours[c] == pytest.approx(theirs[c], abs=1e-9), f"class {c}"
    assert ours_mean == pytest.approx(theirs_mean, abs=1e-9)


def test_equal_ious_are_the_one_rule_where_pycocotools_differs() -> None:
    """The notebook's example: our rule gives the lower ground-truth index, pycocotools the later one."""
    truth = [{"boxes": torch.tensor([[3.0, 0, 13, 10], [5, 0, 15, 10]]), "labels": torch.tensor([0, 0])}]
    found = [{"boxes": torch.tensor([[4.0, 0, 14, 10], [0, 0, 10, 10]]), "scores": torch.tensor([0.9, 0.8]),
              "labels": torch.tensor([0, 0])}]
    iou = solution("box_iou")(found[0]["boxes"].double(), truth[0]["boxes"].double())
    assert iou[0, 0] == iou[0, 1] == pytest.approx(9 / 11)
    assert iou[1].tolist() == pytest.approx([7 / 13, 1 / 3])
    ours, _ = solution("average_precision")(found, truth)
    theirs, _ = coco_average_precision(found, truth, n_classes=1, iou=0.5)
    assert ours[0] == pytest.approx(51 / 101, abs=1e-12)
    assert theirs[0] == pytest.approx(1.0, abs=1e-12)


def test_decode_detections_equals_a_loop_over_cells() -> None:
    gen = torch.Generator().manual_seed(4)
    outputs = torch.cat([torch.randn(2, 3, 6, 5, generator=gen), torch.rand(2, 2, 6, 5, generator=gen),
                         2 + torch.randn(2, 2, 6, 5, generator=gen)], dim=1)
    decoded = solution("decode_detections")(outputs, stride=4, k=7, threshold=0.2)
    for out, got in zip(outputs, decoded, strict=True):
        expected = []
        scores = torch.sigmoid(out[:3])
        for c in range(3):
            for i in range(6):
                for j in range(5):
                    window = scores[c, max(i - 1, 0):i + 2, max(j - 1, 0):j + 2]
                    if scores[c, i, j] == window.max():
                        dx, dy, lw, lh = out[3:, i, j].tolist()
                        x, y, w, h = (j + dx) * 4, (i + dy) * 4, np.exp(lw), np.exp(lh)
                        box = [min(max(v, 0), lim) for v, lim in zip((x - w / 2, y - h / 2, x + w / 2, y + h / 2),
                                                                      (20, 24, 20, 24), strict=True)]
                        expected.append((float(scores[c, i, j]), c, box))
        expected = [e for e in sorted(expected, key=lambda e: -e[0])[:7] if e[0] >= 0.2]
        assert got["labels"].tolist() == [e[1] for e in expected]
        torch.testing.assert_close(got["scores"], torch.tensor([e[0] for e in expected]))
        torch.testing.assert_close(got["boxes"], torch.tensor([e[2] for e in expected], dtype=torch.float32).reshape(-1, 4),
                                   rtol=1e-5, atol=1e-5)


def test_small_cnn_matches_the_table() -> None:
    model = solution("SmallCNN")(18)
    assert sum(p.numel() for p in model.parameters()) == 157_218
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 18)
