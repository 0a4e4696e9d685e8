"""utils.train.fit: learns, logs a history, is deterministic under set_seed."""

import pytest
import torch

import utils
from utils.train import fit, seeded_loader, to_device


def _run(seed):
    utils.set_seed(seed)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
    data = torch.utils.data.TensorDataset(x, y)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def loss_fn(m, batch):
        xb, yb = batch
        return torch.nn.functional.mse_loss(m(xb).squeeze(-1), yb)

    def evaluate(m):
        assert not m.training and not torch.is_grad_enabled()
        return {"val_mse": loss_fn(m, (x, y)).item()}

    history = fit(model, seeded_loader(data, 16, seed), loss_fn, opt, epochs=5,
                  evaluate=evaluate, progress=False)
    return history, model


def test_fit_learns_and_logs():
    history, model = _run(0)
    assert [h["epoch"] for h in history] == [1, 2, 3, 4, 5]
    assert history[-1]["loss"] < history[0]["loss"] / 5
    assert history[-1]["val_mse"] < 0.05
    assert model.training


def test_fit_is_deterministic():
    (h1, m1), (h2, m2) = _run(1), _run(1)
    assert [h["loss"] for h in h1] == [h["loss"] for h in h2]
    assert torch.equal(m1.weight, m2.weight)


def test_fit_stops_on_nan_loss():
    model = torch.nn.Linear(1, 1)
    batches = [(torch.ones(2, 1),)]
    with pytest.raises(FloatingPointError, match="loss became nan"):
        fit(model, batches, lambda m, b: m(b[0]).sum() * float("nan"),
            torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)


def test_to_device_nested():
    batch = {"a": torch.ones(1), "b": [torch.zeros(1), 3]}
    moved = to_device(batch, "cpu")
    assert moved["b"][1] == 3 and moved["a"].device.type == "cpu"


def test_fit_steps_the_scheduler_after_every_batch():
    utils.set_seed(0)
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5 ** step)
    seen = []

    def loss_fn(m, batch):
        seen.append(opt.param_groups[0]["lr"])
        return m(batch[0]).pow(2).mean()

    fit(model, [(torch.ones(3, 2),)] * 3, loss_fn, opt, epochs=2, progress=False, scheduler=scheduler)
    assert seen == [0.5 ** k for k in range(6)]
