"""Convolution and pooling: gradients by finite differences, outputs by direct sums."""

from __future__ import annotations

import numpy as np
import pytest

from mlsysbook.tinytorch import Tensor, nn
from mlsysbook.tinytorch.nn import functional as F
from tests.tinytorch.gradcheck import gradcheck


def naive_conv(
    x: np.ndarray, w: np.ndarray, stride: int, pad: int, dil: int, groups: int
) -> np.ndarray:
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho = (h + 2 * pad - dil * (kh - 1) - 1) // stride + 1
    wo = (wd + 2 * pad - dil * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, ho, wo))
    per = o // groups
    for b in range(n):
        for f in range(o):
            gidx = f // per
            for i in range(ho):
                for j in range(wo):
                    patch = xp[
                        b,
                        gidx * cg : (gidx + 1) * cg,
                        i * stride : i * stride + dil * (kh - 1) + 1 : dil,
                        j * stride : j * stride + dil * (kw - 1) + 1 : dil,
                    ]
                    out[b, f, i, j] = (patch * w[f]).sum()
    return out


@pytest.mark.parametrize(
    ("stride", "pad", "dil", "groups"),
    [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (1, 1, 1, 2), (2, 1, 1, 4)],
)
def test_conv_matches_the_definition_and_its_gradients(
    stride: int, pad: int, dil: int, groups: int
) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((4, 4 // groups, 3, 3))
    got = F.conv2d(
        Tensor(x), Tensor(w), stride=stride, padding=pad, dilation=dil, groups=groups
    ).data
    np.testing.assert_allclose(got, naive_conv(x, w, stride, pad, dil, groups), atol=1e-10)
    gradcheck(
        lambda a, b: F.conv2d(a, b, stride=stride, padding=pad, dilation=dil, groups=groups),
        (2, 4, 7, 6),
        (4, 4 // groups, 3, 3),
    )


def test_conv_bias_and_module() -> None:
    gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1), (1, 2, 4, 4), (3, 2, 3, 3), (3,))
    m = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    assert m(Tensor(np.zeros((2, 3, 32, 32), np.float32))).shape == (2, 8, 16, 16)
    with pytest.raises(ValueError, match="groups"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match="does not fit"):
        F.conv2d(Tensor(np.zeros((1, 1, 2, 2))), Tensor(np.zeros((1, 1, 3, 3))))
    with pytest.raises(ValueError, match="N, C, H, W"):
        F.conv2d(Tensor(np.zeros((1, 2, 2))), Tensor(np.zeros((1, 1, 1, 1))))


def test_pooling() -> None:
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert F.max_pool2d(Tensor(x), 2).data.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert F.avg_pool2d(Tensor(x), 2).data.tolist() == [[[[2.5, 4.5], [10.5, 12.5]]]]
    gradcheck(lambda a: F.max_pool2d(a, 2), (2, 3, 4, 6))
    gradcheck(lambda a: F.max_pool2d(a, 3, stride=2, padding=1), (1, 2, 5, 5))
    gradcheck(lambda a: F.avg_pool2d(a, 2, stride=1), (2, 2, 4, 4))
    gradcheck(lambda a: F.avg_pool2d(a, 3, stride=2, padding=1), (1, 2, 5, 5))


def test_a_small_cnn_trains_a_step() -> None:
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3),
    )
    x = Tensor(np.random.default_rng(0).standard_normal((5, 1, 8, 8)).astype(np.float32))
    loss = F.cross_entropy(model(x), np.array([0, 1, 2, 0, 1]))
    loss.backward()
    assert all(p.grad is not None and np.isfinite(p.grad).all() for p in model.parameters())


def test_pooling_errors() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        F.max_pool2d(Tensor(np.zeros((1, 1, 2, 2))), 3)
    with pytest.raises(ValueError, match="N, C, H, W"):
        F.avg_pool2d(Tensor(np.zeros((2, 2))), 2)
