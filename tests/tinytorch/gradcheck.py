"""Finite-difference gradient checks in float64."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlsysbook.tinytorch import Tensor


def gradcheck(
    fn: Callable[..., Tensor],
    *shapes: tuple[int, ...],
    seed: int = 0,
    positive: bool = False,
    eps: float = 1e-6,
    tol: float = 1e-5,
) -> None:
    """Compare autograd with central differences of sum(fn(...) * w) for random w."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    w = rng.standard_normal(out.shape)
    (out * Tensor(w)).sum().backward()
    for i, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        it = np.nditer(a, flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            old = a[idx]
            a[idx] = old + eps
            up = (fn(*[Tensor(x) for x in arrays]).data * w).sum()
            a[idx] = old - eps
            down = (fn(*[Tensor(x) for x in arrays]).data * w).sum()
            a[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        got = inputs[i].grad
        assert got is not None, f"input {i} got no gradient"
        np.testing.assert_allclose(got, numeric, rtol=tol, atol=tol, err_msg=f"input {i}")
