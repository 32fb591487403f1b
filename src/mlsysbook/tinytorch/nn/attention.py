"""Multi-head attention (optionally causal, with grouped key/value heads) and a pre-norm
transformer block. All heads and batch rows go through one batched matmul."""

from __future__ import annotations

import math

import numpy as np

from mlsysbook.tinytorch.nn import GELU, Dropout, LayerNorm, Linear, Module, RMSNorm, Sequential
from mlsysbook.tinytorch.nn import functional as F
from mlsysbook.tinytorch.tensor import Tensor


def causal_mask(t: int, dtype: np.dtype) -> Tensor:
    """0 on and below the diagonal, -inf above: position i may attend to j <= i."""
    return Tensor._wrap(np.triu(np.full((t, t), -np.inf, dtype=dtype), k=1), False)


class MultiHeadAttention(Module):
    """softmax(Q K^T / sqrt(d_head) + mask) V over ``heads`` heads; ``kv_heads`` < heads
    shares each key/value head across heads / kv_heads query heads (GQA)."""

    def __init__(
        self,
        dim: int,
        heads: int,
        kv_heads: int | None = None,
        causal: bool = False,
        dropout: float = 0.0,
        bias: bool = True,
    ) -> None:
        super().__init__()
        kv = kv_heads or heads
        if dim % heads or heads % kv:
            raise ValueError(f"dim {dim}, heads {heads} and kv_heads {kv} must divide evenly")
        self.heads, self.kv_heads, self.head_dim, self.causal = heads, kv, dim // heads, causal
        self.q_proj = Linear(dim, dim, bias)
        self.k_proj = Linear(dim, kv * self.head_dim, bias)
        self.v_proj = Linear(dim, kv * self.head_dim, bias)
        self.o_proj = Linear(dim, dim, bias)
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        b, t, d = x.shape
        h, kv, hd = self.heads, self.kv_heads, self.head_dim
        q = self.q_proj(x).reshape(b, t, h, hd).transpose(1, 2)
        k = self.k_proj(x).reshape(b, t, kv, hd).transpose(1, 2)
        v = self.v_proj(x).reshape(b, t, kv, hd).transpose(1, 2)
        if kv != h:  # each key/value head serves h / kv query heads
            share = np.repeat(np.arange(kv), h // kv)
            k, v = k[:, share], v[:, share]
        scores = (q @ k.transpose(-2, -1)) * (1 / math.sqrt(hd))
        if self.causal:
            scores = scores + causal_mask(t, x.dtype)
        if mask is not None:
            scores = scores + mask
        attn = self.dropout(F.softmax(scores, axis=-1))
        out = (attn @ v).transpose(1, 2).reshape(b, t, d)
        return self.o_proj(out)


class TransformerBlock(Module):
    """Pre-norm: x + attention(norm(x)), then x + MLP(norm(x))."""

    def __init__(
        self,
        dim: int,
        heads: int,
        hidden: int | None = None,
        kv_heads: int | None = None,
        causal: bool = True,
        dropout: float = 0.0,
        norm: str = "layernorm",
    ) -> None:
        super().__init__()
        make_norm = {"layernorm": LayerNorm, "rmsnorm": RMSNorm}.get(norm)
        if make_norm is None:
            raise ValueError(f"norm must be layernorm or rmsnorm, not {norm!r}")
        self.norm1, self.norm2 = make_norm(dim), make_norm(dim)
        self.attn = MultiHeadAttention(dim, heads, kv_heads, causal, dropout)
        self.mlp = Sequential(
            Linear(dim, hidden or 4 * dim), GELU(), Linear(hidden or 4 * dim, dim), Dropout(dropout)
        )

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))
