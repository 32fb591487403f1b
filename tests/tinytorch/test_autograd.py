"""Every operation's gradient against finite differences, and the engine's promises."""

from __future__ import annotations

import numpy as np
import pytest

from mlsysbook.tinytorch import Tensor, cat, no_grad, stack
from tests.tinytorch.gradcheck import gradcheck

UNARY = {
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: (x + 0.05).relu(),  # keep samples away from the kink
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
    "softmax": lambda x: x.softmax(axis=-1),
    "log_softmax": lambda x: x.log_softmax(axis=-1),
    "softmax0": lambda x: x.softmax(axis=0),
    "sum": lambda x: x.sum(),
    "sum_axis": lambda x: x.sum(axis=1),
    "sum_keep": lambda x: x.sum(axis=0, keepdims=True),
    "mean": lambda x: x.mean(axis=(0, 1)),
    "max": lambda x: x.max(),
    "max_axis": lambda x: x.max(axis=1),
    "var": lambda x: x.var(axis=-1),
    "reshape": lambda x: x.reshape(4, 3) * 2,
    "transpose": lambda x: x.T * 1,
    "index": lambda x: x[1:, ::2],
    "fancy_index": lambda x: x[np.array([0, 2, 2]), 1],
    "unsqueeze": lambda x: x.unsqueeze(0).sum(axis=1),
}
POSITIVE = {
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "pow_frac": lambda x: x**1.5,
    "tensor_pow": lambda x: x ** Tensor(np.full((3, 4), 1.3)),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "rsub": lambda a, b: 2.0 - a * b,
    "rdiv": lambda a, b: 1.0 / (a * a + 1) + b,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients(name: str) -> None:
    gradcheck(UNARY[name], (3, 4))


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_positive_domain_gradients(name: str) -> None:
    gradcheck(POSITIVE[name], (3, 4), positive=True)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize(("sa", "sb"), [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1))])
def test_binary_gradients_with_broadcasting(
    name: str, sa: tuple[int, ...], sb: tuple[int, ...]
) -> None:
    gradcheck(BINARY[name], sa, sb)


@pytest.mark.parametrize(
    ("sa", "sb"),
    [
        ((3, 4), (4, 2)),
        ((2, 3, 4), (4, 5)),
        ((2, 3, 4), (2, 4, 5)),
        ((4,), (4, 3)),
        ((3, 4), (4,)),
        ((4,), (4,)),
    ],
)
def test_matmul_gradients(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    gradcheck(lambda a, b: a @ b, sa, sb)


def test_cat_and_stack_gradients() -> None:
    gradcheck(lambda a, b: cat([a, b * 2], axis=1), (2, 3), (2, 2))
    gradcheck(lambda a, b: stack([a, b], axis=1) * 3, (2, 3), (2, 3))


def test_diamond_and_residual_paths_sum() -> None:
    x = Tensor([2.0], requires_grad=True)
    a = x * 3
    y = a * a + a + x  # d/dx = 2*9x + 3 + 1
    y.backward()
    assert x.grad is not None and x.grad[0] == pytest.approx(18 * 2 + 4)


def test_a_10000_op_chain_needs_no_recursion() -> None:
    x = Tensor([1.0], requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad is not None and x.grad[0] == pytest.approx(1.0001**10_000, rel=1e-9)


def test_in_place_change_of_a_needed_tensor_is_an_error() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h * h  # needs h's values
    h += 1
    with pytest.raises(RuntimeError, match="changed in place"):
        y.sum().backward()
    ok = x * 2
    z = ok + 1  # Add does not need its inputs
    ok *= 3
    z.sum().backward()
    assert x.grad is not None


def test_in_place_on_a_leaf_needs_no_grad() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w -= 0.1
    with no_grad():
        w -= 0.1
    np.testing.assert_allclose(w.data, [0.9, 1.9], rtol=1e-6)


def test_no_grad_and_detach() -> None:
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
    assert not y.requires_grad and y.is_leaf
    d = x.detach()
    assert not d.requires_grad and np.shares_memory(d.data, x.data)


def test_gradients_accumulate_until_cleared() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [5.0, 5.0])  # type: ignore[arg-type]
    x.zero_grad()
    assert x.grad is None


def test_dtypes_and_views() -> None:
    assert Tensor([1, 2, 3]).dtype == np.float32
    assert Tensor([[1.5]]).dtype == np.float32
    assert Tensor(np.zeros(3)).dtype == np.float64
    x = Tensor(np.arange(12.0).reshape(3, 4))
    assert np.shares_memory(x.reshape(4, 3).data, x.data)
    assert np.shares_memory(x.T.data, x.data) and np.shares_memory(x[1:].data, x.data)
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.array([1, 2]), requires_grad=True)


def test_bad_uses_get_clear_errors() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="single-element"):
        x.backward()
    with pytest.raises(ValueError, match="do not line up"):
        x @ Tensor(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="does not require"):
        Tensor([1.0]).backward()
    with pytest.raises(ValueError, match="each of the 2 axes"):
        x.permute(0, 0)


def test_comparisons_are_constant() -> None:
    x = Tensor([1.0, 3.0], requires_grad=True)
    mask = x > 2
    assert mask.data.tolist() == [False, True] and not mask.requires_grad
    assert x.argmax().item() == 1
