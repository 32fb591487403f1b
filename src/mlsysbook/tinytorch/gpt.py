"""A small GPT: token and position embeddings, causal transformer blocks, a final norm
and a language-model head; ``generate`` samples with temperature and top-k."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlsysbook.tinytorch import nn
from mlsysbook.tinytorch.autograd import no_grad
from mlsysbook.tinytorch.tensor import Tensor


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int
    context: int = 64
    dim: int = 64
    heads: int = 4
    layers: int = 2
    dropout: float = 0.0


class GPT(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocab_size, config.dim)
        self.positions = nn.Embedding(config.context, config.dim)
        for emb in (self.tokens, self.positions):
            emb.weight.data *= 0.02  # small start, as GPT-2
        self.blocks = nn.ModuleList(
            [
                nn.TransformerBlock(config.dim, config.heads, causal=True, dropout=config.dropout)
                for _ in range(config.layers)
            ]
        )
        self.norm = nn.LayerNorm(config.dim)
        self.head = nn.Linear(config.dim, config.vocab_size, bias=False)

    def forward(self, idx: Tensor | np.ndarray) -> Tensor:
        ids = idx.data if isinstance(idx, Tensor) else np.asarray(idx)
        if ids.ndim != 2:
            raise ValueError(f"GPT expects (batch, time) token ids, got shape {ids.shape}")
        t = ids.shape[1]
        if t > self.config.context:
            raise ValueError(f"sequence of {t} tokens exceeds the context of {self.config.context}")
        x = self.tokens(ids) + self.positions(np.arange(t))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))

    def generate(
        self,
        idx: np.ndarray,
        new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """Append ``new_tokens`` sampled tokens to each row of ``idx``."""
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        rng = np.random.default_rng(seed)
        ids = np.asarray(idx, dtype=np.int64).reshape(len(idx), -1)
        was_training = self.training
        self.eval()
        with no_grad():
            for _ in range(new_tokens):
                logits = self(ids[:, -self.config.context :]).data[:, -1, :] / temperature
                if top_k is not None and top_k < logits.shape[-1]:
                    cut = np.partition(logits, -top_k, axis=-1)[:, -top_k][:, None]
                    logits = np.where(logits < cut, -np.inf, logits)
                p = np.exp(logits - logits.max(axis=-1, keepdims=True))
                p /= p.sum(axis=-1, keepdims=True)
                nxt = np.array([rng.choice(p.shape[-1], p=row) for row in p])
                ids = np.concatenate([ids, nxt[:, None]], axis=1)
        self.train(was_training)
        return ids
