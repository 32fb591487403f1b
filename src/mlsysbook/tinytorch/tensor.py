"""The Tensor: a NumPy array, an optional gradient, and the operation that made it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mlsysbook.tinytorch import ops
from mlsysbook.tinytorch.autograd import Function, backward, is_grad_enabled

DEFAULT_DTYPE = np.float32
Arrayish = Any  # a Tensor, an ndarray, a number or nested lists


class Tensor:
    """``Tensor(data, requires_grad=False)``: float32 unless given a float64 array."""

    __slots__ = ("_ctx", "_retains_grad", "_version", "data", "grad", "requires_grad")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor

    def __init__(self, data: Arrayish, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data: np.ndarray = _coerce(data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx: Function | None = None
        self._version = 0
        self._retains_grad = False
        if self.requires_grad and self.data.dtype.kind != "f":
            raise TypeError("only floating-point tensors can require gradients")

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool) -> Tensor:
        t = cls.__new__(cls)
        t.data, t.grad, t.requires_grad = data, None, requires_grad
        t._ctx, t._version, t._retains_grad = None, 0, False
        return t

    # ------------------------------------------------------------ basics
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{grad})"

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return float(self.data.item())

    def detach(self) -> Tensor:
        """The same values (shared, not copied), cut off from the graph."""
        return Tensor._wrap(self.data, False)

    def clone(self) -> Tensor:
        return ops.Add.apply(self, Tensor._wrap(np.zeros((), self.dtype), False))

    def retain_grad(self) -> None:
        """Keep .grad on a non-leaf tensor too."""
        self._retains_grad = True

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def backward(self, grad: Arrayish = None, retain_graph: bool = False) -> None:
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require gradients")
        if grad is None:
            if self.size != 1:
                raise RuntimeError("backward() without a gradient needs a single-element tensor")
            g = np.ones(self.shape, dtype=self.dtype)
        else:
            g = np.broadcast_to(_coerce(grad, self.dtype), self.shape).copy()
        backward(self, g, retain_graph)

    def zero_grad(self) -> None:
        self.grad = None

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Arrayish) -> Tensor:
        return ops.Add.apply(self, self._other(other))

    def __radd__(self, other: Arrayish) -> Tensor:
        return ops.Add.apply(self._other(other), self)

    def __sub__(self, other: Arrayish) -> Tensor:
        return ops.Sub.apply(self, self._other(other))

    def __rsub__(self, other: Arrayish) -> Tensor:
        return ops.Sub.apply(self._other(other), self)

    def __mul__(self, other: Arrayish) -> Tensor:
        return ops.Mul.apply(self, self._other(other))

    def __rmul__(self, other: Arrayish) -> Tensor:
        return ops.Mul.apply(self._other(other), self)

    def __truediv__(self, other: Arrayish) -> Tensor:
        return ops.Div.apply(self, self._other(other))

    def __rtruediv__(self, other: Arrayish) -> Tensor:
        return ops.Div.apply(self._other(other), self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pow__(self, p: float) -> Tensor:
        if isinstance(p, Tensor):
            return (self.log() * p).exp()
        return ops.Pow.apply(self, p=float(p))

    def __matmul__(self, other: Arrayish) -> Tensor:
        a, b = self, self._other(other)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul needs tensors with at least one dimension")
        if a.ndim == 1 and b.ndim == 1:
            return (a * b).sum()
        if a.ndim == 1:
            return (a.reshape(1, -1) @ b).reshape(*b.shape[:-2], b.shape[-1])
        if b.ndim == 1:
            return (a @ b.reshape(-1, 1)).reshape(*a.shape[:-1])
        if a.shape[-1] != b.shape[-2]:
            raise ValueError(f"matmul shapes {a.shape} and {b.shape} do not line up")
        return ops.MatMul.apply(a, b)

    def __rmatmul__(self, other: Arrayish) -> Tensor:
        return self._other(other) @ self

    def _other(self, x: Arrayish) -> Tensor:
        if isinstance(x, Tensor):
            return x
        return Tensor._wrap(np.asarray(x, dtype=self.dtype), False)

    # comparisons give plain boolean tensors (no gradient)
    def __lt__(self, o: Arrayish) -> Tensor:
        return Tensor._wrap(self.data < _data(o), False)

    def __le__(self, o: Arrayish) -> Tensor:
        return Tensor._wrap(self.data <= _data(o), False)

    def __gt__(self, o: Arrayish) -> Tensor:
        return Tensor._wrap(self.data > _data(o), False)

    def __ge__(self, o: Arrayish) -> Tensor:
        return Tensor._wrap(self.data >= _data(o), False)

    def eq(self, o: Arrayish) -> Tensor:
        return Tensor._wrap(self.data == _data(o), False)

    # ------------------------------------------------------------ in place
    def _inplace(self, fn: Any) -> Tensor:
        if is_grad_enabled() and self.requires_grad and self.is_leaf:
            raise RuntimeError(
                "in-place change of a leaf tensor that requires grad: do it inside "
                "`with no_grad():` (as optimizers do)"
            )
        fn(self.data)
        self._version += 1
        return self

    def __iadd__(self, o: Arrayish) -> Tensor:
        return self._inplace(lambda d: np.add(d, _data(o), out=d, casting="unsafe"))

    def __isub__(self, o: Arrayish) -> Tensor:
        return self._inplace(lambda d: np.subtract(d, _data(o), out=d, casting="unsafe"))

    def __imul__(self, o: Arrayish) -> Tensor:
        return self._inplace(lambda d: np.multiply(d, _data(o), out=d, casting="unsafe"))

    def __itruediv__(self, o: Arrayish) -> Tensor:
        return self._inplace(lambda d: np.divide(d, _data(o), out=d, casting="unsafe"))

    def __setitem__(self, index: Any, value: Arrayish) -> None:
        self._inplace(lambda d: d.__setitem__(_index(index), _data(value)))

    def fill_(self, value: float) -> Tensor:
        return self._inplace(lambda d: d.fill(value))

    def zero_(self) -> Tensor:
        return self.fill_(0.0)

    # ------------------------------------------------------------ functions
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return ops.ReLU.apply(self)

    def sqrt(self) -> Tensor:
        return self**0.5

    def softmax(self, axis: int = -1) -> Tensor:
        return ops.Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return ops.LogSoftmax.apply(self, axis=axis)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.Sum.apply(self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.Mean.apply(self, axis=_axis(axis), keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.Max.apply(self, axis=_axis(axis), keepdims=keepdims)

    def var(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        centred = self - self.mean(axis=axis, keepdims=True)
        return (centred * centred).mean(axis=axis, keepdims=keepdims)

    def argmax(self, axis: int | None = None) -> Tensor:
        return Tensor._wrap(np.asarray(self.data.argmax(axis=axis)), False)

    # ------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        s = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
        return ops.Reshape.apply(self, shape=s)

    def view(self, *shape: Any) -> Tensor:
        return self.reshape(*shape)

    def flatten(self, start: int = 0) -> Tensor:
        return self.reshape(*self.shape[:start], -1)

    def permute(self, *axes: int) -> Tensor:
        a = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], Sequence) else axes
        if sorted(a) != list(range(self.ndim)):
            raise ValueError(f"permute needs each of the {self.ndim} axes once, got {a}")
        return ops.Permute.apply(self, axes=a)

    def transpose(self, a: int = -2, b: int = -1) -> Tensor:
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(*axes)

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    def __getitem__(self, index: Any) -> Tensor:
        return ops.GetItem.apply(self, index=_index(index))

    def unsqueeze(self, axis: int) -> Tensor:
        shape = list(self.shape)
        shape.insert(axis if axis >= 0 else self.ndim + 1 + axis, 1)
        return self.reshape(*shape)


def _coerce(data: Arrayish, dtype: Any = None) -> np.ndarray:
    """Python numbers and lists become float32; NumPy arrays keep float64 (for gradient
    checks) and integer types (indices); any other float becomes float32."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    arr = np.asarray(data)
    if isinstance(data, np.ndarray) and (arr.dtype == np.float64 or arr.dtype.kind in "iub"):
        return arr
    if arr.dtype.kind in "fiu" and arr.dtype != DEFAULT_DTYPE:
        return arr.astype(DEFAULT_DTYPE)
    return arr


def _data(x: Arrayish) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def cat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    return ops.Concat.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    return ops.Stack.apply(*tensors, axis=axis)
