"""The same layers, losses and optimizers as PyTorch (CPU, float64): outputs and
gradients agree to numerical precision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from mlsysbook.tinytorch import Tensor, nn, optim
from mlsysbook.tinytorch.nn import functional as F

torch = pytest.importorskip("torch")
tnn, tF = torch.nn, torch.nn.functional
RNG = np.random.default_rng(0)


def same(ours: Tensor | np.ndarray, theirs: Any, tol: float = 1e-9) -> None:
    a = ours.data if isinstance(ours, Tensor) else ours
    np.testing.assert_allclose(a, theirs.detach().numpy(), rtol=tol, atol=tol)


def f64(module: nn.Module) -> nn.Module:
    """Parameters and buffers in float64, as `.double()` does in PyTorch."""
    for p in module.parameters():
        p.data = p.data.astype(np.float64)
    module._buffers = {k: v.astype(np.float64) for k, v in module._buffers.items()}
    for _, child in module.named_children():
        f64(child)
    return module


def copy_into(ours: nn.Module, theirs: Any, names: dict[str, str]) -> None:
    for mine, their in names.items():
        getattr(theirs, their).data = torch.tensor(getattr(ours, mine).data)


def check(
    ours: nn.Module, theirs: Any, x: np.ndarray, post: Callable[[Any], Any] = lambda t: t
) -> None:
    """Forward outputs, the input's gradient and every parameter's gradient."""
    xo = Tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), post(theirs(xt))
    same(yo, yt)
    w = RNG.standard_normal(yo.shape)
    (yo * Tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    same(xo.grad, xt.grad)  # type: ignore[arg-type]
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        same(p.grad, theirs_params[name].grad)  # type: ignore[arg-type]


def test_linear() -> None:
    ours = f64(nn.Linear(5, 3))
    theirs = tnn.Linear(5, 3).double()
    copy_into(ours, theirs, {"weight": "weight", "bias": "bias"})
    check(ours, theirs, RNG.standard_normal((4, 5)))


@pytest.mark.parametrize(
    ("stride", "padding", "dilation", "groups"), [(1, 1, 1, 1), (2, 0, 1, 1), (1, 2, 2, 2)]
)
def test_conv2d(stride: int, padding: int, dilation: int, groups: int) -> None:
    ours = f64(nn.Conv2d(4, 6, 3, stride, padding, dilation, groups))
    theirs = tnn.Conv2d(4, 6, 3, stride, padding, dilation, groups).double()
    copy_into(ours, theirs, {"weight": "weight", "bias": "bias"})
    check(ours, theirs, RNG.standard_normal((2, 4, 9, 8)))


def test_pooling() -> None:
    x = RNG.standard_normal((2, 3, 7, 7))
    check(nn.MaxPool2d(3, 2, 1), tnn.MaxPool2d(3, 2, 1), x)
    check(nn.AvgPool2d(2), tnn.AvgPool2d(2), x)


def test_norms() -> None:
    x = RNG.standard_normal((4, 3, 5))
    ln, tln = f64(nn.LayerNorm(5)), tnn.LayerNorm(5).double()
    ln.weight.data[...] = RNG.standard_normal(5)
    copy_into(ln, tln, {"weight": "weight", "bias": "bias"})
    check(ln, tln, x)
    rms, trms = f64(nn.RMSNorm(5)), tnn.RMSNorm(5, eps=1e-6).double()
    rms.weight.data[...] = RNG.standard_normal(5)
    copy_into(rms, trms, {"weight": "weight"})
    check(rms, trms, x)


def test_batchnorm_train_then_eval() -> None:
    ours, theirs = f64(nn.BatchNorm2d(3)), tnn.BatchNorm2d(3).double()
    x = RNG.standard_normal((5, 3, 4, 4)) * 2 + 1
    check(ours, theirs, x)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-6)
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    check(ours, theirs, x)


def test_activations_and_losses() -> None:
    x = RNG.standard_normal((6, 5))
    check(nn.GELU(), tnn.GELU(approximate="tanh"), x)
    check(nn.SiLU(), tnn.SiLU(), x)
    target = RNG.integers(0, 5, 6)
    xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lo, lt = F.cross_entropy(xo, target), tF.cross_entropy(xt, torch.tensor(target))
    lo.backward()
    lt.backward()
    same(lo, lt)
    same(xo.grad, xt.grad)  # type: ignore[arg-type]
    y = (RNG.random((6, 5)) > 0.5).astype(np.float64)
    xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lo, lt = (
        F.binary_cross_entropy_with_logits(xo, y),
        tF.binary_cross_entropy_with_logits(xt, torch.tensor(y)),
    )
    lo.backward()
    lt.backward()
    same(lo, lt)
    same(xo.grad, xt.grad)  # type: ignore[arg-type]


def test_embedding() -> None:
    ours, theirs = f64(nn.Embedding(7, 4)), tnn.Embedding(7, 4).double()
    copy_into(ours, theirs, {"weight": "weight"})
    idx = np.array([[1, 3, 3], [6, 0, 1]])
    yo, yt = ours(idx), theirs(torch.tensor(idx))
    same(yo, yt)
    (yo * yo).sum().backward()
    (yt * yt).sum().backward()
    same(ours.weight.grad, theirs.weight.grad)


def test_attention_matches_torch_sdpa() -> None:
    mha = f64(nn.MultiHeadAttention(8, 4, kv_heads=2, causal=True))
    x = RNG.standard_normal((2, 5, 8))
    xo = Tensor(x, requires_grad=True)
    yo = mha(xo)
    xt = torch.tensor(x, requires_grad=True)
    p = {n: torch.tensor(t.data, requires_grad=True) for n, t in mha.named_parameters()}
    q = (xt @ p["q_proj.weight"].T + p["q_proj.bias"]).view(2, 5, 4, 2).transpose(1, 2)
    k = (xt @ p["k_proj.weight"].T + p["k_proj.bias"]).view(2, 5, 2, 2).transpose(1, 2)
    v = (xt @ p["v_proj.weight"].T + p["v_proj.bias"]).view(2, 5, 2, 2).transpose(1, 2)
    k, v = k.repeat_interleave(2, dim=1), v.repeat_interleave(2, dim=1)
    a = tF.scaled_dot_product_attention(q, k, v, is_causal=True)
    yt = a.transpose(1, 2).reshape(2, 5, 8) @ p["o_proj.weight"].T + p["o_proj.bias"]
    same(yo, yt)
    w = RNG.standard_normal(yo.shape)
    (yo * Tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    same(xo.grad, xt.grad)  # type: ignore[arg-type]
    for name, param in mha.named_parameters():
        same(param.grad, p[name].grad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda P: (
            optim.SGD(P[0], lr=0.1, momentum=0.9, weight_decay=0.01),
            torch.optim.SGD(P[1], lr=0.1, momentum=0.9, weight_decay=0.01),
        ),
        lambda P: (
            optim.SGD(P[0], lr=0.1, momentum=0.9, nesterov=True),
            torch.optim.SGD(P[1], lr=0.1, momentum=0.9, nesterov=True),
        ),
        lambda P: (
            optim.Adam(P[0], lr=0.01, weight_decay=0.1),
            torch.optim.Adam(P[1], lr=0.01, weight_decay=0.1),
        ),
        lambda P: (
            optim.AdamW(P[0], lr=0.01, weight_decay=0.1),
            torch.optim.AdamW(P[1], lr=0.01, weight_decay=0.1),
        ),
    ],
)
def test_several_optimizer_steps_from_the_same_weights(make: Callable[[Any], Any]) -> None:
    ours = f64(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)))
    theirs = tnn.Sequential(tnn.Linear(4, 8), tnn.Tanh(), tnn.Linear(8, 3)).double()
    for (_, po), pt in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        pt.data = torch.tensor(po.data)
    opt_o, opt_t = make((ours.parameters(), theirs.parameters()))
    x, y = RNG.standard_normal((16, 4)), RNG.integers(0, 3, 16)
    for _ in range(5):
        opt_o.zero_grad()
        opt_t.zero_grad()
        F.cross_entropy(ours(Tensor(x)), y).backward()
        tF.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        opt_o.step()
        opt_t.step()
    for po, pt in zip(ours.parameters(), theirs.parameters(), strict=True):
        same(po, pt, tol=1e-8)
