"""Reverse-mode automatic differentiation.

Every operation on tensors that need gradients records a ``Function`` node holding its
inputs. ``backward`` orders the graph topologically with an explicit stack (so a chain
of 10,000 operations needs no recursion) and hands each node the gradient of its output,
summed over every path that reached it (diamonds and residual branches)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from mlsysbook.tinytorch.tensor import Tensor

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Operations inside record no graph (evaluation, optimizer updates)."""
    before = is_grad_enabled()
    _state.enabled = False
    try:
        yield
    finally:
        _state.enabled = before


class Function:
    """One differentiable operation. Subclasses implement ``forward`` on NumPy arrays and
    ``backward``, which maps the output's gradient to one gradient per input (or None)."""

    uses_inputs: ClassVar[bool] = True  # backward reads the inputs' values
    __slots__ = ("inputs", "saved", "versions")

    def __init__(self) -> None:
        self.inputs: tuple[Tensor, ...] = ()
        self.saved: Any = None
        self.versions: tuple[int, ...] = ()

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **kwargs: Any) -> Tensor:
        from mlsysbook.tinytorch.tensor import Tensor

        fn = cls()
        out = fn.forward(*(t.data for t in inputs), **kwargs)
        requires = is_grad_enabled() and any(t.requires_grad for t in inputs)
        result = Tensor._wrap(out, requires)
        if requires:
            fn.inputs = inputs
            fn.versions = tuple(t._version for t in inputs)
            result._ctx = fn
        return result


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back down to ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def backward(root: Tensor, grad: np.ndarray, retain_graph: bool = False) -> None:
    order = _topological(root)
    grads: dict[int, np.ndarray] = {id(root): grad}
    for t in reversed(order):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        fn = t._ctx
        if fn is None:
            if t.requires_grad:
                t.grad = g.copy() if t.grad is None else t.grad + g
            continue
        if t._retains_grad:
            t.grad = g.copy() if t.grad is None else t.grad + g
        if fn.uses_inputs:
            for inp, version in zip(fn.inputs, fn.versions, strict=True):
                if inp._version != version:
                    raise RuntimeError(
                        f"a tensor of shape {inp.shape} that {type(fn).__name__} needs for "
                        "backward was changed in place after it was used; clone it before "
                        "changing it, or change it after backward"
                    )
        for inp, ig in zip(fn.inputs, fn.backward(g), strict=True):
            if ig is None or not inp.requires_grad:
                continue
            ig = unbroadcast(ig, inp.shape)
            key = id(inp)
            grads[key] = grads[key] + ig if key in grads else ig
        if not retain_graph:
            t._ctx = None
            fn.inputs, fn.saved = (), None


def _topological(root: Tensor) -> list[Tensor]:
    """Inputs before outputs, by an iterative depth-first search."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, finished = stack.pop()
        if finished:
            order.append(t)  # every input of t is already in order
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        if t._ctx is not None:
            stack.extend(
                (inp, False)
                for inp in t._ctx.inputs
                if inp.requires_grad and id(inp) not in visited
            )
    return order
