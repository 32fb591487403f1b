"""The differentiable operations. Each ``backward`` is the local derivative times the
incoming gradient; broadcasting is undone by the autograd engine."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlsysbook.tinytorch.autograd import Function

# ---------------------------------------------------------------- elementwise


class Add(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return g, g


class Sub(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return g, -g


class Mul(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a, b)
        return a * b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.saved
        return g * b, g * a


class Div(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a, b)
        return a / b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.saved
        return g / b, -g * a / (b * b)


class Neg(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray) -> np.ndarray:
        return -a

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (-g,)


class Pow(Function):
    """a ** p for a constant exponent p: d/da = p * a ** (p - 1)."""

    def forward(self, a: np.ndarray, p: float) -> np.ndarray:
        self.saved = (a, p)
        # the common exponents without np.power (an order of magnitude slower)
        if p == 2:
            return a * a
        if p == 0.5:
            return np.sqrt(a)
        if p == -0.5:
            return 1 / np.sqrt(a)
        return a**p

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        a, p = self.saved
        if p == 2:
            return (g * 2 * a,)
        if p == -0.5:
            return (g * -0.5 / (a * np.sqrt(a)),)
        return (g * p * a ** (p - 1),)


class Exp(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.saved = np.exp(a)
        return self.saved

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * self.saved,)


class Log(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.saved = a
        return np.log(a)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g / self.saved,)


class Tanh(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.saved = np.tanh(a)
        return self.saved

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * (1 - self.saved * self.saved),)


class Sigmoid(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        # Split by sign so neither branch overflows.
        out = np.empty_like(a)
        pos = a >= 0
        out[pos] = 1 / (1 + np.exp(-a[pos]))
        e = np.exp(a[~pos])
        out[~pos] = e / (1 + e)
        self.saved = out
        return out

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        s = self.saved
        return (g * s * (1 - s),)


class ReLU(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.saved = a > 0
        return np.where(self.saved, a, np.zeros((), a.dtype))

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * self.saved,)


# ---------------------------------------------------------------- linear algebra


class MatMul(Function):
    """C = A @ B for 2-D or batched operands: dA = dC @ B^T, dB = A^T @ dC (batch axes
    that were broadcast are summed back by the engine). Tensor.__matmul__ lifts 1-D."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a, b)
        return a @ b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.saved
        return g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g


# ---------------------------------------------------------------- reductions


def _expand(g: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool) -> np.ndarray:
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


class Sum(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.saved = (a.shape, axis, keepdims)
        return np.asarray(a.sum(axis=axis, keepdims=keepdims))

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        shape, axis, keepdims = self.saved
        return (_expand(g, shape, axis, keepdims),)


class Mean(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        out = np.asarray(a.mean(axis=axis, keepdims=keepdims))
        self.saved = (a.shape, axis, keepdims, a.size // max(out.size, 1))
        return out

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        shape, axis, keepdims, n = self.saved
        return (_expand(g, shape, axis, keepdims) / n,)


class Max(Function):
    """The gradient goes to the maximal entries (split evenly between ties)."""

    def forward(self, a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        out = a.max(axis=axis, keepdims=True)
        self.saved = (a == out, axis, keepdims)
        if keepdims:
            return out
        return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        mask, axis, keepdims = self.saved
        if axis is not None and not keepdims:
            g = np.expand_dims(g, axis)
        return (g * (mask / mask.sum(axis=axis, keepdims=True)),)


# ---------------------------------------------------------------- softmax family


class Softmax(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray, axis: int = -1) -> np.ndarray:
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        s = e / e.sum(axis=axis, keepdims=True)
        self.saved = (s, axis)
        return s

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        s, axis = self.saved
        return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)


class LogSoftmax(Function):
    """log softmax(a) = a - logsumexp(a), computed from the shifted values (stable)."""

    uses_inputs = False

    def forward(self, a: np.ndarray, axis: int = -1) -> np.ndarray:
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        self.saved = (out, axis)
        return out

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        out, axis = self.saved
        return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)


# ---------------------------------------------------------------- shape


class Reshape(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.saved = a.shape
        return a.reshape(shape)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g.reshape(self.saved),)


class Permute(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        self.saved = np.argsort(axes)
        return a.transpose(axes)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g.transpose(self.saved),)


class GetItem(Function):
    uses_inputs = False

    def forward(self, a: np.ndarray, index: Any) -> np.ndarray:
        self.saved = (a.shape, index)
        return np.asarray(a[index])

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        shape, index = self.saved
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, index, g)  # repeated indices accumulate
        return (out,)


class Concat(Function):
    uses_inputs = False

    def forward(self, *arrays: np.ndarray, axis: int = 0) -> np.ndarray:
        self.saved = (np.cumsum([a.shape[axis] for a in arrays])[:-1], axis)
        return np.concatenate(arrays, axis=axis)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, ...]:
        splits, axis = self.saved
        return tuple(np.split(g, splits, axis=axis))


class Stack(Function):
    uses_inputs = False

    def forward(self, *arrays: np.ndarray, axis: int = 0) -> np.ndarray:
        self.saved = (len(arrays), axis)
        return np.stack(arrays, axis=axis)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, ...]:
        n, axis = self.saved
        return tuple(np.moveaxis(g, axis, 0)[i] for i in range(n))


# ---------------------------------------------------------------- activations

_GELU_C = float(np.sqrt(2 / np.pi))


class GELU(Function):
    """Tanh approximation: 0.5 x (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2/pi)."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        inner = _GELU_C * (a + 0.044715 * (a * a * a))  # a*a*a: np.power is much slower
        t = np.tanh(inner)
        self.saved = (a, t)
        return 0.5 * a * (1 + t)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        a, t = self.saved
        d_inner = _GELU_C * (1 + 3 * 0.044715 * a * a)
        return (g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * d_inner),)


class SiLU(Function):
    """x * sigmoid(x); derivative s (1 + x (1 - s))."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        s = 1 / (1 + np.exp(-np.clip(a, -60, 60)))
        self.saved = (a, s)
        return a * s

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        a, s = self.saved
        return (g * s * (1 + a * (1 - s)),)


# ---------------------------------------------------------------- losses


class CrossEntropy(Function):
    """Mean of -log softmax(logits)[target] over rows, from the logits (stable)."""

    uses_inputs = False

    def forward(self, logits: np.ndarray, target: np.ndarray) -> np.ndarray:
        shifted = logits - logits.max(axis=-1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        rows = np.arange(len(target))
        self.saved = (logp, target.astype(np.intp))
        return np.asarray(-logp[rows, self.saved[1]].mean(), dtype=logits.dtype)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, None]:
        logp, target = self.saved
        grad = np.exp(logp)
        grad[np.arange(len(target)), target] -= 1
        return grad * (g / len(target)), None


class BCEWithLogits(Function):
    """Mean of max(x, 0) - x y + log(1 + exp(-|x|)) (stable for any x)."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.saved = (x, y)
        loss = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
        return np.asarray(loss.mean(), dtype=x.dtype)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, None]:
        x, y = self.saved
        s = 1 / (1 + np.exp(-np.clip(x, -60, 60)))
        return (s - y) * (g / x.size), None


class Embedding(Function):
    """Rows of a weight table: the gradient scatters back into the rows used."""

    uses_inputs = False

    def forward(self, weight: np.ndarray, index: np.ndarray) -> np.ndarray:
        self.saved = (weight.shape, index)
        return weight[index]

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, None]:
        shape, index = self.saved
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, index.reshape(-1), g.reshape(-1, shape[-1]))
        return out, None
