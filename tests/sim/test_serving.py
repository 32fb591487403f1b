"""Serving: queueing by hand, capacity identities, SLA batches."""

from __future__ import annotations

import math

import pytest

from mlsysbook.sim.evaluate import evaluate
from mlsysbook.sim.serving import serve, wait_quantile
from tests.sim.test_evaluate import gpu, lm


def test_mm1_wait_quantile_by_hand() -> None:
    # rho = 0.5: P(W > t) = 0.5 exp(-(mu - lambda) t) = 0.01  ->  t = ln(50) / 5
    assert wait_quantile(5, 10) == pytest.approx(math.log(50) / 5)
    assert wait_quantile(0.05, 10) == 0.0  # almost never queues
    assert wait_quantile(10, 10) == math.inf


def test_capacity_follows_the_continuous_batching_identity() -> None:
    s = serve(lm(), gpu(capacity="8 GB"), seq_len=256, output_len=64)
    assert 1 <= s.max_batch < 4096
    at_max = evaluate(lm(), gpu(capacity="8 GB"), batch=s.max_batch, seq_len=256, output_len=64)
    assert at_max.fits
    assert not evaluate(
        lm(), gpu(capacity="8 GB"), batch=s.max_batch + 1, seq_len=256, output_len=64
    ).fits
    one = evaluate(lm(), gpu(), batch=1, seq_len=256, output_len=64)
    c = s.max_batch
    assert s.capacity_tokens_per_s == pytest.approx(c / (at_max.itl_s + c / 64 * one.ttft_s))
    assert s.capacity_requests_per_s == pytest.approx(s.capacity_tokens_per_s / 64)


def test_p99_grows_with_load_and_the_sla_batch_respects_the_target() -> None:
    light = serve(lm(), gpu(), seq_len=256, output_len=64, rate=1)
    heavy_rate = light.capacity_requests_per_s * 0.9
    heavy = serve(lm(), gpu(), seq_len=256, output_len=64, rate=heavy_rate)
    assert light.p99_s is not None and heavy.p99_s is not None and heavy.p99_s > light.p99_s
    over = serve(lm(), gpu(), seq_len=256, output_len=64, rate=light.capacity_requests_per_s * 2)
    assert over.p99_s == math.inf and over.to_json()["p99_ms"] == math.inf
    s = serve(lm(), gpu(), seq_len=256, output_len=64, rate=50, sla_ms=2000)
    assert s.sla_batch and s.sla_batch_latency_s is not None and s.sla_batch_latency_s <= 2.0
    tighter = serve(lm(), gpu(), seq_len=256, output_len=64, rate=50, sla_ms=500)
    assert (tighter.sla_batch or 0) <= s.sla_batch


def test_serving_input_errors() -> None:
    with pytest.raises(ValueError, match="needs a request rate"):
        serve(lm(), gpu(), sla_ms=100)
    with pytest.raises(ValueError, match="positive"):
        serve(lm(), gpu(), rate=0)
    assert serve(lm(), gpu(capacity="0.01 GB")).max_batch == 0
