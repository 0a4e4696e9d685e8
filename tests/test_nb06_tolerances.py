"""Notebook 06's tolerances come from the float32 error of correct formulations (issue 19, rule 2).

Every correct implementation we know (the alternatives of tests/mutants/06_transformers.py, the
blind helper's, and the formulations below: float64 intermediates, logsumexp, PyTorch's own
attention) must use at most a tenth of each hidden check's tolerance on the hidden inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tolerances

from autograder import mutation

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "solutions" / "06_transformers" / "attention.ipynb"
MARGIN = 0.1  # a correct formulation may use at most this share of a tolerance

EXTRA = {
    "attention": {
        "float64 intermediates, cast back to the input dtype": '''
def attention(q, k, v, mask=None):
    q64, k64, v64 = q.double(), k.double(), v.double()
    scores = q64 @ k64.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return (weights @ v64).to(q.dtype), weights.to(q.dtype)
''',
        "weights as exp(scores - logsumexp), q scaled before the product": '''
def attention(q, k, v, mask=None):
    scores = (q / math.sqrt(q.shape[-1])) @ k.transpose(-2, -1)
    if mask is not None:
        scores = torch.where(mask, scores, torch.tensor(float("-inf"), dtype=scores.dtype, device=scores.device))
    weights = torch.exp(scores - torch.logsumexp(scores, dim=-1, keepdim=True))
    if mask is not None:
        weights = torch.where(mask.any(dim=-1, keepdim=True), weights, torch.zeros_like(weights))
    return weights @ v, weights
''',
    },
    "EncoderBlock": {
        "float64 inside, output cast back": '''
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
        dtype = x.dtype
        p = {name: t.double() for name, t in self.named_parameters()}
        x = x.double()
        n, length, d = x.shape
        h = F.layer_norm(x, (d,), p["norm1.weight"], p["norm1.bias"])
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2)
                   for t in F.linear(h, p["qkv.weight"], p["qkv.bias"]).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = x + F.linear(merged.transpose(1, 2).reshape(n, length, d), p["out.weight"], p["out.bias"])
        h = F.layer_norm(x, (d,), p["norm2.weight"], p["norm2.bias"])
        h = F.linear(F.gelu(F.linear(h, p["mlp.0.weight"], p["mlp.0.bias"])), p["mlp.2.weight"], p["mlp.2.bias"])
        return (x + h).to(dtype), weights.to(dtype)
''',
        "PyTorch's attention called directly (not the notebook's `attention`)": '''
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
        merged = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        scores = (q @ k.transpose(-2, -1) / math.sqrt(d // self.n_heads))
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = scores.softmax(-1)
        x = x + self.out(merged.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.norm2(x)), weights
''',
    },
}


def formulations(name: str) -> dict[str, str]:
    """Label -> source of every correct formulation of `name` we have."""
    found = {}
    for path in (ROOT / "tests" / "mutants" / "06_transformers.py",
                 ROOT / "tests" / "mutants" / "blind" / "06_transformers.py"):
        if path.exists():
            for variant in mutation.load_variants(path):
                if variant.kind == "alternative" and variant.name == name:
                    found[f"{path.parent.name}: {variant.label}"] = variant.source
    return found | EXTRA.get(name, {})


@pytest.fixture(scope="module")
def ns() -> dict:
    """The notebook's definitions."""
    return tolerances.namespace(NOTEBOOK)


@pytest.mark.parametrize(("name", "grade_id"), [("attention", "test_attention"),
                                                ("positional_encoding", "test_positional_encoding"),
                                                ("EncoderBlock", "test_EncoderBlock")])
def test_correct_formulations_use_a_tenth_of_the_tolerance_at_most(ns: dict, name: str, grade_id: str) -> None:
    calls = [c for c in tolerances.hidden_calls(NOTEBOOK, grade_id, ns) if not c["exact"]]
    assert calls, f"no toleranced hidden check of {name}"
    worst = {}
    for label, source in formulations(name).items():
        candidate = tolerances.define(source, ns)
        for call in calls:
            for case, share in tolerances.measure(call, ns[name], candidate).items():
                worst[(label, case)] = share
    report = "\n".join(f"  {share:9.2e}  {label} | {case}" for (label, case), share in
                       sorted(worst.items(), key=lambda item: -item[1]))
    print(f"{name}: share of (rtol={calls[0]['rtol']:g}, atol={calls[0]['atol']:g}) used\n{report}")
    assert max(worst.values()) <= MARGIN, f"{name}: a correct formulation uses too much of the tolerance\n{report}"
