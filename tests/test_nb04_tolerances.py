"""Notebook 04's tolerances come from the float32 error of correct formulations (issue 19, rule 2).

Every correct implementation we know (the alternatives of tests/mutants/04_cnn_features.py, the
blind helper's, and the formulations below: AP arithmetic in float32 with NumPy or PyTorch) must
use at most a tenth of each hidden check's tolerance on the hidden inputs. The float32 AP
formulations are why `average_precision` is compared at rtol 1e-5 (they differ by about 1e-7).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tolerances

from autograder import mutation

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "solutions" / "04_cnn_features" / "cnn_features.ipynb"
MARGIN = 0.1  # a correct formulation may use at most this share of a tolerance

_AP_FLOAT32 = '''
def average_precision(detections, ground_truth, iou_threshold=0.5):
    ap = {}
    for c in sorted({int(c) for t in ground_truth for c in t["labels"].tolist()}):
        n_truth, scores, hits = 0, [], []
        for found, truth in zip(detections, ground_truth, strict=True):
            gt = truth["boxes"][truth["labels"] == c].cpu().double()
            n_truth += len(gt)
            mine = found["labels"].cpu() == c
            boxes, conf = found["boxes"].cpu().double()[mine], found["scores"].cpu().double()[mine]
            order = torch.argsort(conf, descending=True, stable=True)
            free = torch.ones(len(gt), dtype=torch.bool)
            for score, row in zip(conf[order].tolist(), box_iou(boxes[order], gt), strict=True):
                row = torch.where(free, row, torch.full_like(row, -1.0))
                j = int(row.argmax()) if len(row) else -1
                hit = j >= 0 and float(row[j]) >= iou_threshold
                if hit:
                    free[j] = False
                scores.append(score)
                hits.append(hit)
        ranked = np.argsort(-np.array(scores), kind="stable")
        h = np.array(hits, dtype=DTYPE)[ranked]
        tp, fp = np.cumsum(h, dtype=DTYPE), np.cumsum(1 - h, dtype=DTYPE)
        recall = tp * (DTYPE(1) / DTYPE(n_truth))
        precision = tp / np.maximum(tp + fp, DTYPE(1))
        envelope = np.append(np.maximum.accumulate(precision[::-1])[::-1], DTYPE(0)).astype(DTYPE)
        values = envelope[np.searchsorted(recall, np.linspace(0, 1, 101).astype(DTYPE), side="left")]
        ap[c] = float(values.sum(dtype=DTYPE) / DTYPE(101))
    return ap, float(np.mean(np.array(list(ap.values()), dtype=DTYPE)))
'''

EXTRA = {
    "average_precision": {
        "NumPy float32 after a float64 matching; recall as tp * (1/n); sum / 101": "DTYPE = np.float32\n" + _AP_FLOAT32,
        "NumPy float64, recall as tp * (1/n); sum / 101": "DTYPE = np.float64\n" + _AP_FLOAT32,
    },
}


def formulations(name: str) -> dict[str, str]:
    """Label -> source of every correct formulation of `name` we have."""
    found = {}
    for path in (ROOT / "tests" / "mutants" / "04_cnn_features.py",
                 ROOT / "tests" / "mutants" / "blind" / "04_cnn_features.py"):
        if path.exists():
            for variant in mutation.load_variants(path):
                if variant.kind == "alternative" and variant.name == name:
                    found[f"{path.parent.name}: {variant.label}"] = variant.source
    return found | EXTRA.get(name, {})


@pytest.fixture(scope="module")
def ns() -> dict:
    """The notebook's definitions."""
    return tolerances.namespace(NOTEBOOK)


@pytest.mark.parametrize(("name", "grade_id"), [("SmallCNN", "test_SmallCNN"),
                                                ("penultimate_features", "test_penultimate_features"),
                                                ("box_iou", "test_box_iou"),
                                                ("decode_detections", "test_decode_detections"),
                                                ("average_precision", "test_average_precision")])
def test_correct_formulations_use_a_tenth_of_the_tolerance_at_most(ns: dict, name: str, grade_id: str) -> None:
    calls = [c for c in tolerances.hidden_calls(NOTEBOOK, grade_id, ns) if not c["exact"]]
    assert calls, f"no toleranced hidden check of {name}"
    worst = {}
    for label, source in formulations(name).items():
        candidate = tolerances.define(source, ns)
        for call in calls:
            for case, share in tolerances.measure(call, ns[name], candidate).items():
                worst[(label, case)] = max(share, worst.get((label, case), 0.0))
    report = "\n".join(f"  {share:9.2e}  {label} | {case}" for (label, case), share in
                       sorted(worst.items(), key=lambda item: -item[1]))
    print(f"{name}: share of (rtol={calls[0]['rtol']:g}, atol={calls[0]['atol']:g}) used\n{report}")
    assert max(worst.values()) <= MARGIN, f"{name}: a correct formulation uses too much of the tolerance\n{report}"
