"""A small, deterministic fit/evaluate loop with progress bars and a per-epoch history."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
from tqdm.auto import tqdm

Batch = Any
History = list[dict[str, float]]


def to_device(batch: Batch, device: torch.device | str) -> Batch:
    """Move every tensor inside a (nested) tuple/list/dict batch to `device`."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def seeded_loader(dataset: torch.utils.data.Dataset, batch_size: int, seed: int,
                  shuffle: bool = True, drop_last: bool = False) -> torch.utils.data.DataLoader:
    """A single-process DataLoader whose shuffling depends only on `seed`."""
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                                       drop_last=drop_last, generator=generator, num_workers=0)


def fit(
    model: torch.nn.Module,
    batches: Iterable[Batch],
    loss_fn: Callable[[torch.nn.Module, Batch], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: torch.device | str = "cpu",
    evaluate: Callable[[torch.nn.Module], Mapping[str, float]] | None = None,
    progress: bool = True,
    desc: str = "train",
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> History:
    """Train for `epochs` passes over `batches`; returns one dict per epoch (loss, metrics, time).

    `loss_fn(model, batch)` returns the scalar loss of a batch already moved to `device`;
    `evaluate(model)` (optional) returns validation metrics, computed in eval mode without grad.
    `scheduler` (optional) is stepped after every optimizer step (warm-up, cosine decay, ...).
    Deterministic given `utils.set_seed` and a seeded loader (see `seeded_loader`).
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    model.to(device)
    history: History = []
    bar = tqdm(total=epochs * len(batches) if hasattr(batches, "__len__") else None,
               desc=desc, disable=not progress, leave=False)
    for epoch in range(1, epochs + 1):
        model.train()
        start, total, count = time.perf_counter(), 0.0, 0
        for batch in batches:
            loss = loss_fn(model, to_device(batch, device))
            if not torch.isfinite(loss):
                bar.close()
                raise FloatingPointError(f"loss became {loss.item()} in epoch {epoch}: "
                                         "lower the learning rate or check the loss")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total += float(loss.detach())
            count += 1
            bar.update(1)
            # refresh=False: the bar redraws at its own pace (every 0.1 s), not at every step; a
            # redraw per step cost notebook 05's kernel about 0.3 s of CPU per 1,000 steps in Jupyter
            bar.set_postfix(epoch=epoch, loss=f"{total / count:.4f}", refresh=False)
        row = {"epoch": float(epoch), "loss": total / max(count, 1),
               "seconds": time.perf_counter() - start}
        if evaluate is not None:
            row.update(evaluate_model(model, evaluate))
        history.append(row)
    bar.close()
    return history


def evaluate_model(model: torch.nn.Module,
                   evaluate: Callable[[torch.nn.Module], Mapping[str, float]]) -> dict[str, float]:
    """Run `evaluate(model)` in eval mode without gradients, restoring the previous mode."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        metrics = {k: float(v) for k, v in evaluate(model).items()}
    model.train(was_training)
    return metrics
