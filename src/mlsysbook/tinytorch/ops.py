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
        return a**p

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        a, p = self.saved
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
