"""Attention: causality, grouped heads, gradients."""

from __future__ import annotations

import numpy as np
import pytest

from mlsysbook.tinytorch import Tensor, nn
from mlsysbook.tinytorch.random import manual_seed
from tests.tinytorch.gradcheck import gradcheck


def f64(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        p.data = p.data.astype(np.float64)
    return module


def test_causal_attention_ignores_the_future() -> None:
    manual_seed(0)
    mha = f64(nn.MultiHeadAttention(8, 2, causal=True))
    x = np.random.default_rng(0).standard_normal((1, 5, 8))
    y1 = mha(Tensor(x)).data
    x2 = x.copy()
    x2[0, 3:] += 10.0  # change only later positions
    y2 = mha(Tensor(x2)).data
    np.testing.assert_allclose(y1[0, :3], y2[0, :3], atol=1e-12)
    assert not np.allclose(y1[0, 3:], y2[0, 3:])


def test_attention_matches_a_direct_computation() -> None:
    manual_seed(1)
    mha = f64(nn.MultiHeadAttention(4, 1, bias=False))
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    wq, wk, wv, wo = (m.weight.data for m in (mha.q_proj, mha.k_proj, mha.v_proj, mha.o_proj))
    q, k, v = x @ wq.T, x @ wk.T, x @ wv.T
    s = q @ k.transpose(0, 2, 1) / 2.0
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    np.testing.assert_allclose(mha(Tensor(x)).data, (a @ v) @ wo.T, atol=1e-12)


def test_grouped_kv_heads_and_gradients() -> None:
    manual_seed(2)
    mha = f64(nn.MultiHeadAttention(8, 4, kv_heads=2, causal=True))
    assert mha.k_proj.weight.shape == (4, 8)
    gradcheck(lambda x: mha(x), (2, 3, 8), tol=1e-5)
    params = mha.parameters()
    x = Tensor(np.random.default_rng(3).standard_normal((2, 3, 8)))
    mha(x).sum().backward()
    assert all(p.grad is not None for p in params)
    with pytest.raises(ValueError, match="divide evenly"):
        nn.MultiHeadAttention(8, 3)


def test_transformer_block_gradients() -> None:
    manual_seed(3)
    block = f64(nn.TransformerBlock(8, 2, hidden=16, norm="rmsnorm"))
    gradcheck(lambda x: block(x), (1, 4, 8), tol=1e-5)
    with pytest.raises(ValueError, match="norm must be"):
        nn.TransformerBlock(8, 2, norm="batchnorm")
