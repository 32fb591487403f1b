"""Memory needed for inference, per device.

weights   = params * bytes_per_weight / devices
KV cache  = batch * tokens * layers * kv_elems_per_token * bytes_per_kv / devices
            (paged: tokens rounded up to whole pages; contiguous: max_seq_len reserved)
activations = the largest live working set of one layer (two tensors in flight)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Any

from mlsysbook.sim import vec
from mlsysbook.sim.architecture import param_count
from mlsysbook.sim.graph import Work, kv_elems_per_token
from mlsysbook.sim.models import Model, Transformer
from mlsysbook.sim.precision import Precision

PAGE_TOKENS = 16  # vLLM's default KV block size


@dataclass(frozen=True)
class MemoryUse:
    weights_bytes: float
    kv_cache_bytes: float
    activation_bytes: float

    @property
    def total_bytes(self) -> float:
        return float(self.weights_bytes + self.kv_cache_bytes + self.activation_bytes)


def kv_cache_bytes(
    a: Transformer, batch: int, tokens: int, p: Precision, paged: bool = True
) -> Any:  # float, or an array in sweeps
    """Bytes of K and V (or MLA latents) for ``batch`` sequences of ``tokens`` each."""
    held = vec.ceil(tokens / PAGE_TOKENS) * PAGE_TOKENS if paged else a.max_seq_len
    return batch * held * a.layers * kv_elems_per_token(a) * p.kv_bytes


def inference_memory(
    model: Model,
    ops: list[Work],
    batch: int,
    tokens: int,
    p: Precision,
    devices: int = 1,
    paged: bool = True,
) -> MemoryUse:
    a = model.architecture
    weights = param_count(model).total * p.weight_bytes
    kv = 0.0
    if isinstance(a, Transformer) and not a.encoder_only:
        kv = kv_cache_bytes(a, batch, tokens, p, paged)
    live = reduce(vec.maximum, (w.act_elems for w in ops), 0.0) * p.activation_bytes
    return MemoryUse(weights / devices, kv / devices, live / devices)
