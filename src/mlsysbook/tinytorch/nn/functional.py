"""Stateless functions: activations, losses, dropout."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlsysbook.tinytorch import conv, ops
from mlsysbook.tinytorch.random import generator
from mlsysbook.tinytorch.tensor import Tensor


def relu(x: Tensor) -> Tensor:
    return x.relu()


def gelu(x: Tensor) -> Tensor:
    return ops.GELU.apply(x)


def silu(x: Tensor) -> Tensor:
    return ops.SiLU.apply(x)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return x.softmax(axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return x.log_softmax(axis)


def cross_entropy(logits: Tensor, target: Tensor | np.ndarray) -> Tensor:
    """Mean negative log-likelihood of integer class targets, from raw logits.
    Extra leading axes (e.g. sequence positions) are flattened into rows."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if logits.ndim > 2:
        logits = logits.reshape(-1, logits.shape[-1])
        t = t.reshape(-1)
    if t.shape != logits.shape[:1]:
        raise ValueError(f"targets of shape {t.shape} do not match logits {logits.shape}")
    if t.size and (t.min() < 0 or t.max() >= logits.shape[-1]):
        raise ValueError(f"class targets must lie in [0, {logits.shape[-1]})")
    return ops.CrossEntropy.apply(logits, Tensor._wrap(t, False))


def mse_loss(pred: Tensor, target: Tensor | np.ndarray) -> Tensor:
    diff = pred - target
    return (diff * diff).mean()


def binary_cross_entropy_with_logits(logits: Tensor, target: Tensor | np.ndarray) -> Tensor:
    y = target.data if isinstance(target, Tensor) else np.asarray(target, dtype=logits.dtype)
    if y.shape != logits.shape:
        raise ValueError(f"targets of shape {y.shape} do not match logits {logits.shape}")
    return ops.BCEWithLogits.apply(logits, Tensor._wrap(y.astype(logits.dtype), False))


def dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted)."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if not training or p == 0:
        return x
    keep = generator().random(x.shape) >= p
    return x * Tensor._wrap((keep / (1 - p)).astype(x.dtype), False)


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    if x.ndim != 4:
        raise ValueError(f"conv2d expects (N, C, H, W) input, got shape {x.shape}")
    y = conv.Conv2d.apply(
        x, weight, stride=stride, padding=padding, dilation=dilation, groups=groups
    )
    return y + bias.reshape(1, -1, 1, 1) if bias is not None else y


def max_pool2d(x: Tensor, kernel: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    return conv.MaxPool2d.apply(x, kernel=kernel, stride=stride, padding=padding)


def avg_pool2d(x: Tensor, kernel: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    return conv.AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=padding)
