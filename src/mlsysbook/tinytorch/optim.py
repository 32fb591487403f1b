"""Optimizers, learning-rate schedules and gradient clipping. Updates run in place on
the parameters' arrays, outside the autograd graph."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from mlsysbook.tinytorch.tensor import Tensor


class Optimizer:
    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = [p for p in params if p.requires_grad]
        if not self.params:
            raise ValueError("the optimizer got no parameters that require gradients")
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.lr = lr
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        self.steps += 1
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self._update(i, p.data, p.grad.astype(p.data.dtype, copy=False))
                p._version += 1

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """v = mu v + (g + wd w); w -= lr (g + mu v if nesterov else v)  (PyTorch's form)."""

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.momentum, self.nesterov, self.weight_decay = momentum, nesterov, weight_decay
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * w
        if self.momentum:
            v = self.velocity[i]
            v = g.copy() if v is None else self.momentum * v + g
            self.velocity[i] = v
            g = g + self.momentum * v if self.nesterov else v
        w -= self.lr * g


class Adam(Optimizer):
    """m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr m_hat / (sqrt(v_hat) + eps).
    ``weight_decay`` adds wd*w to the gradient (L2); AdamW decouples it instead."""

    decoupled = False

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.b1, self.b2 = betas
        self.eps, self.weight_decay = eps, weight_decay
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        if self.weight_decay and not self.decoupled:
            g = g + self.weight_decay * w
        if self.weight_decay and self.decoupled:
            w *= 1 - self.lr * self.weight_decay
        m, v = self.m[i], self.v[i]
        m *= self.b1
        m += (1 - self.b1) * g
        v *= self.b2
        v += (1 - self.b2) * g * g
        m_hat = m / (1 - self.b1**self.steps)
        v_hat = v / (1 - self.b2**self.steps)
        w -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    decoupled = True

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


def clip_grad_norm_(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale all gradients so their joint L2 norm is at most ``max_norm``; returns the
    norm before clipping."""
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    if total > max_norm > 0:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


class Scheduler:
    """Sets ``optimizer.lr`` from the step count; call ``step()`` after each update."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer, self.base_lr, self.count = optimizer, optimizer.lr, 0

    def factor(self, t: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.count += 1
        self.optimizer.lr = self.base_lr * self.factor(self.count)


class StepLR(Scheduler):
    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, gamma

    def factor(self, t: int) -> float:
        return float(self.gamma ** (t // self.step_size))


class CosineAnnealingLR(Scheduler):
    def __init__(self, optimizer: Optimizer, total_steps: int, min_factor: float = 0.0) -> None:
        super().__init__(optimizer)
        self.total, self.min_factor = total_steps, min_factor

    def factor(self, t: int) -> float:
        progress = min(t / self.total, 1.0)
        return self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * progress))


class WarmupCosine(Scheduler):
    """Linear warm-up over ``warmup`` steps, then cosine decay to ``min_factor``."""

    def __init__(
        self, optimizer: Optimizer, warmup: int, total_steps: int, min_factor: float = 0.0
    ) -> None:
        super().__init__(optimizer)
        self.warmup, self.total, self.min_factor = warmup, total_steps, min_factor

    def factor(self, t: int) -> float:
        if t < self.warmup:
            return (t + 1) / self.warmup
        progress = min((t - self.warmup) / max(self.total - self.warmup, 1), 1.0)
        return self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * progress))
