"""Serving questions on top of the per-step roofline.

Largest batch that fits: the biggest batch whose weights + KV cache + activations fit.

Continuous batching (Orca, vLLM): C sequences decode together; every step also admits
new requests, each needing one prefill. With outputs of n tokens, C/n requests join per
step, so a step costs ITL(C) + (C/n) * TTFT(1) and the server emits
    tokens/s = C / (ITL(C) + (C/n) * TTFT(1)),   requests/s = tokens/s / n.

Static batches under a latency SLA: at an arrival rate of lambda requests/s, filling a
batch of B takes (B - 1)/lambda; the first request waits that long, so its latency is
(B - 1)/lambda + e2e(B). The answer is the largest B within the SLA.

Tail latency at a request rate (M/M/1 on requests, service rate mu = the continuous-
batching capacity): utilisation rho = lambda/mu; the waiting time's p-quantile is
    W_p = ln(rho / (1 - p)) / (mu - lambda)   (0 when rho <= 1 - p),
and a request's p99 latency is W_0.99 plus its unloaded e2e latency."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mlsysbook.sim.evaluate import evaluate, sweep

BATCHES = range(1, 4097)  # the batch sizes searched


@dataclass(frozen=True)
class Serving:
    model: str
    hardware: str
    max_batch: int  # largest batch that fits in memory (0: not even one)
    capacity_tokens_per_s: float  # continuous batching at max_batch
    capacity_requests_per_s: float
    unloaded_e2e_s: float  # one request alone
    rate_per_s: float | None = None
    utilisation: float | None = None
    p99_s: float | None = None  # inf when overloaded
    sla_s: float | None = None
    sla_batch: int | None = None  # largest static batch meeting the SLA (0: none)
    sla_batch_latency_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        def ms(x: float | None) -> float | None:
            return None if x is None else (x if math.isinf(x) else float(f"{x * 1e3:.5g}"))

        return {
            "model": self.model,
            "hardware": self.hardware,
            "max_batch": self.max_batch,
            "capacity_tokens_per_s": float(f"{self.capacity_tokens_per_s:.5g}"),
            "capacity_requests_per_s": float(f"{self.capacity_requests_per_s:.5g}"),
            "unloaded_e2e_ms": ms(self.unloaded_e2e_s),
            "rate_requests_per_s": self.rate_per_s,
            "utilisation": None if self.utilisation is None else round(self.utilisation, 4),
            "p99_ms": ms(self.p99_s),
            "sla_ms": ms(self.sla_s),
            "sla_batch": self.sla_batch,
            "sla_batch_latency_ms": ms(self.sla_batch_latency_s),
        }


def wait_quantile(rate: float, mu: float, p: float = 0.99) -> float:
    """M/M/1 waiting-time p-quantile; inf when the queue grows without bound."""
    if rate >= mu:
        return math.inf
    rho = rate / mu
    return 0.0 if rho <= 1 - p else math.log(rho / (1 - p)) / (mu - rate)


def serve(
    model: Any,
    hardware: Any,
    *,
    seq_len: int = 512,
    output_len: int = 128,
    precision: str = "bf16",
    devices: int = 1,
    rate: float | None = None,
    sla_ms: float | None = None,
) -> Serving:
    if rate is not None and rate <= 0:
        raise ValueError("the request rate must be positive")
    if sla_ms is not None and sla_ms <= 0:
        raise ValueError("the latency SLA must be positive")
    grid = sweep(
        model,
        hardware,
        BATCHES,
        [seq_len],
        output_len=output_len,
        precision=precision,
        devices=devices,
    )
    single = evaluate(
        model,
        hardware,
        batch=1,
        seq_len=seq_len,
        output_len=output_len,
        precision=precision,
        devices=devices,
    )
    fits = grid.fits
    if not fits.any():
        return Serving(grid.model, grid.hardware, 0, 0.0, 0.0, single.latency_s, rate)
    c = int(grid.batch[fits].max())
    itl = float(grid.itl_s[c - 1]) if grid.language_model else float(grid.latency_s[c - 1])
    if grid.language_model:
        tokens = c / (itl + c / output_len * single.ttft_s)
        requests = tokens / output_len
    else:
        requests = c / itl
        tokens = 0.0
    out = Serving(grid.model, grid.hardware, c, tokens, requests, single.latency_s)
    if rate is not None:
        out = _with(
            out,
            rate_per_s=rate,
            utilisation=rate / requests,
            p99_s=single.latency_s + wait_quantile(rate, requests),
        )
    if sla_ms is not None:
        if rate is None:
            raise ValueError(
                "an SLA needs a request rate (--rate) to count the wait to fill a batch"
            )
        latency = (grid.batch - 1) / rate + grid.latency_s
        ok = fits & (latency <= sla_ms / 1e3)
        best = int(grid.batch[ok].max()) if ok.any() else 0
        out = _with(
            out,
            sla_s=sla_ms / 1e3,
            sla_batch=best,
            sla_batch_latency_s=float(latency[best - 1]) if best else None,
        )
    return out


def _with(s: Serving, **changes: Any) -> Serving:
    from dataclasses import replace

    return replace(s, **changes)
