"""A small training loop: batches through a model, a loss, an optimizer; and accuracy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlsysbook.tinytorch.autograd import no_grad
from mlsysbook.tinytorch.data import DataLoader
from mlsysbook.tinytorch.nn import Module
from mlsysbook.tinytorch.optim import Optimizer, Scheduler
from mlsysbook.tinytorch.tensor import Tensor

LossFn = Callable[[Tensor, Tensor], Tensor]
Progress = Callable[[int, int, float], None]  # (step, total steps, loss)


@dataclass
class History:
    losses: list[float]


def fit(
    model: Module,
    loader: DataLoader,
    optimizer: Optimizer,
    loss_fn: LossFn,
    epochs: int = 1,
    scheduler: Scheduler | None = None,
    on_step: Progress | None = None,
) -> History:
    model.train()
    total, step, losses = epochs * len(loader), 0, []
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            losses.append(loss.item())
            if on_step is not None:
                on_step(step, total, losses[-1])
    return History(losses)


def accuracy(model: Module, loader: DataLoader) -> float:
    """Share of rows whose arg-max prediction equals the label (eval mode, no graph)."""
    model.eval()
    right = count = 0
    with no_grad():
        for x, y in loader:
            pred = model(x).data
            labels = y.data
            if pred.ndim == 1 or pred.shape[-1] == 1:
                guess = (pred.reshape(labels.shape) > 0).astype(labels.dtype)
            else:
                guess = pred.argmax(axis=-1)
            right += int((guess == labels).sum())
            count += labels.size
    model.train()
    return right / max(count, 1)


def split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    cut = round(n * (1 - test_fraction))
    return order[:cut], order[cut:]
