"""Layers, losses and optimizers: gradients by finite differences, updates by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlsysbook.tinytorch import Tensor, nn, optim
from mlsysbook.tinytorch.nn import functional as F
from mlsysbook.tinytorch.random import manual_seed
from tests.tinytorch.gradcheck import gradcheck


def with_params(module: nn.Module, **params: Tensor) -> nn.Module:
    for name, value in params.items():
        setattr(module, name, value)
    return module


def test_linear_gradients() -> None:
    gradcheck(
        lambda x, w, b: with_params(nn.Linear(4, 3), weight=w, bias=b)(x), (5, 4), (3, 4), (3,)
    )


def test_norm_gradients() -> None:
    gradcheck(lambda x, w, b: with_params(nn.LayerNorm(4), weight=w, bias=b)(x), (3, 4), (4,), (4,))
    gradcheck(lambda x, w: with_params(nn.RMSNorm(4), weight=w)(x), (3, 4), (4,))
    gradcheck(
        lambda x, w, b: with_params(nn.BatchNorm1d(4), weight=w, bias=b)(x), (6, 4), (4,), (4,)
    )
    gradcheck(
        lambda x, w, b: with_params(nn.BatchNorm2d(2), weight=w, bias=b)(x),
        (3, 2, 2, 2),
        (2,),
        (2,),
    )


def test_activation_gradients() -> None:
    gradcheck(F.gelu, (3, 4))
    gradcheck(F.silu, (3, 4))


def test_loss_gradients_and_values() -> None:
    target = np.array([0, 2, 1])
    gradcheck(lambda z: F.cross_entropy(z, target), (3, 4))
    gradcheck(lambda z: F.cross_entropy(z, np.array([[0, 1], [2, 3]])), (2, 2, 4))
    y = (np.arange(12).reshape(3, 4) % 2).astype(np.float64)
    gradcheck(lambda z: F.binary_cross_entropy_with_logits(z, y), (3, 4))
    gradcheck(lambda a, b: F.mse_loss(a, b), (3, 4), (3, 4))
    z = Tensor(np.array([[1000.0, 0.0, -1000.0]]))
    assert F.cross_entropy(z, np.array([0])).item() == pytest.approx(0.0, abs=1e-6)
    assert math.isfinite(F.binary_cross_entropy_with_logits(z, np.ones((1, 3))).item())
    logits = np.array([[2.0, 1.0, 0.1]])
    p = np.exp(logits) / np.exp(logits).sum()
    assert F.cross_entropy(Tensor(logits), np.array([1])).item() == pytest.approx(-np.log(p[0, 1]))


def test_embedding_gradient_scatters_into_rows() -> None:
    emb = nn.Embedding(5, 3)
    out = emb(np.array([[1, 1], [4, 0]]))
    assert out.shape == (2, 2, 3)
    out.sum().backward()
    assert emb.weight.grad is not None
    np.testing.assert_allclose(emb.weight.grad[:, 0], [1, 2, 0, 0, 1])
    with pytest.raises(IndexError, match="out of range"):
        emb(np.array([5]))


def test_bad_loss_inputs() -> None:
    with pytest.raises(ValueError, match="do not match"):
        F.cross_entropy(Tensor(np.zeros((3, 4))), np.array([0, 1]))
    with pytest.raises(ValueError, match="must lie in"):
        F.cross_entropy(Tensor(np.zeros((2, 4))), np.array([0, 4]))


def test_dropout() -> None:
    manual_seed(0)
    d = nn.Dropout(0.25)
    x = Tensor(np.ones((200, 200)))
    y = d(x).data
    assert abs((y == 0).mean() - 0.25) < 0.01 and y.max() == pytest.approx(1 / 0.75)
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(1.0)


def test_batchnorm_running_statistics() -> None:
    bn = nn.BatchNorm1d(2, momentum=0.5)
    x = Tensor(np.array([[1.0, 10.0], [3.0, 30.0]]))
    bn(x)
    np.testing.assert_allclose(bn.running_mean, [1.0, 10.0])  # 0.5 * 0 + 0.5 * mean
    np.testing.assert_allclose(bn.running_var, [0.5 + 0.5 * 2.0, 0.5 + 0.5 * 200.0])
    bn.eval()
    out = bn(x).data
    np.testing.assert_allclose(
        out[:, 0], (np.array([1.0, 3.0]) - 1.0) / np.sqrt(1.5 + 1e-5), rtol=1e-5
    )


def test_modules_find_parameters_and_round_trip_state() -> None:
    manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2))
    names = [n for n, _ in model.named_parameters()]
    assert names == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
        "layers.3.weight",
        "layers.3.bias",
    ]
    assert model.num_parameters() == 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2
    state = model.state_dict()
    assert "layers.2.running_mean" in state
    manual_seed(2)
    other = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2))
    other.load_state_dict(state)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 3)))
    model.eval()
    other.eval()
    np.testing.assert_allclose(model(x).data, other(x).data)
    with pytest.raises(KeyError, match="missing"):
        other.load_state_dict({"layers.0.weight": state["layers.0.weight"]})
    bad = dict(state, **{"layers.0.bias": np.zeros(7)})
    with pytest.raises(ValueError, match="saved shape"):
        other.load_state_dict(bad)
    assert model.train() is model and model.layers[2].training


def _one_param(value: list[float], grad: list[float]) -> nn.Parameter:
    p = nn.Parameter(np.array(value, dtype=np.float64))
    p.grad = np.array(grad)
    return p


def test_sgd_momentum_nesterov_weight_decay_by_hand() -> None:
    p = _one_param([1.0], [0.5])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    opt.step()  # g = 0.5 + 0.1*1 = 0.6; v = 0.6; w = 1 - 0.06
    assert p.data[0] == pytest.approx(0.94)
    p.grad = np.array([0.5])
    opt.step()  # g = 0.5 + 0.094 = 0.594; v = 0.9*0.6 + 0.594 = 1.134
    assert p.data[0] == pytest.approx(0.94 - 0.1134)
    q = _one_param([1.0], [1.0])
    nest = optim.SGD([q], lr=0.1, momentum=0.5, nesterov=True)
    nest.step()  # v = 1; step = g + 0.5 v = 1.5
    assert q.data[0] == pytest.approx(0.85)


def test_adam_and_adamw_by_hand() -> None:
    p = _one_param([1.0, -2.0], [0.3, -4.0])
    optim.Adam([p], lr=0.01).step()  # first step moves by lr * sign(g)
    np.testing.assert_allclose(p.data, [0.99, -1.99], rtol=1e-6)
    q = _one_param([1.0], [0.0])
    optim.AdamW([q], lr=0.1, weight_decay=0.5).step()  # decoupled: w *= 1 - lr*wd
    assert q.data[0] == pytest.approx(0.95)


def test_clip_and_schedules() -> None:
    a, b = _one_param([0.0], [3.0]), _one_param([0.0], [4.0])
    assert optim.clip_grad_norm_([a, b], 1.0) == pytest.approx(5.0)
    assert math.hypot(a.grad[0], b.grad[0]) == pytest.approx(1.0, rel=1e-5)  # type: ignore[index]
    opt = optim.SGD([a], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(4):
        sched.step()
        lrs.append(opt.lr)
    assert lrs == [1.0, 0.5, 0.5, 0.25]
    opt.lr = 1.0
    cos = optim.CosineAnnealingLR(opt, total_steps=4)
    for _ in range(4):
        cos.step()
    assert opt.lr == pytest.approx(0.0, abs=1e-12)
    opt.lr = 1.0
    warm = optim.WarmupCosine(opt, warmup=2, total_steps=10)
    warm.step()
    assert opt.lr == pytest.approx(1.0)  # (t+1)/warmup at t=1


def test_optimizer_input_errors() -> None:
    with pytest.raises(ValueError, match="no parameters"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="positive"):
        optim.SGD([nn.Parameter(np.zeros(1))], lr=0)


def test_an_mlp_learns_xor() -> None:
    manual_seed(0)
    x = Tensor(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32))
    y = np.array([0, 1, 1, 0])
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert (model(x).argmax(axis=1).data == y).all()
