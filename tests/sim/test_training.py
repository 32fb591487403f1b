"""Training step: memory by hand, the MFU definition, recomputation's trade."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsysbook.sim.architecture import param_count
from mlsysbook.sim.training import train_step
from tests.sim.test_evaluate import gpu, lm


def test_mixed_precision_adam_costs_16_bytes_per_parameter() -> None:
    model = lm()
    params = param_count(model).total
    m = train_step(model, gpu(), batch=2, seq_len=256).memory
    assert m.weights_bytes == params * 2
    assert m.gradient_bytes == params * 2
    assert m.optimizer_bytes == params * (4 + 8)  # fp32 master + two fp32 moments
    sgd = train_step(model, gpu(), batch=2, seq_len=256, optimizer="sgd").memory
    assert sgd.optimizer_bytes == params * 4  # the master copy only
    fp32 = train_step(model, gpu(), batch=2, seq_len=256, precision="fp32").memory
    assert fp32.weights_bytes == params * 4 and fp32.optimizer_bytes == params * 8


def test_transformer_activations_follow_korthikanti() -> None:
    model = lm()
    b, s, h, layers, vocab = 2, 256, 1024, 4, 32000
    m = train_step(model, gpu(), batch=b, seq_len=s).memory
    assert m.activation_bytes == layers * 34 * s * b * h + b * s * vocab * 4
    r = train_step(model, gpu(), batch=b, seq_len=s, recompute=True).memory
    assert r.activation_bytes == layers * 2 * s * b * h + b * s * vocab * 4


def test_mfu_definition_and_recompute_trade() -> None:
    model = lm(layers=8, hidden=2048, heads=16, kv_heads=16, ffn=8192)
    r = train_step(model, gpu(), batch=8, seq_len=1024)
    tokens = 8 * 1024
    expected = 6 * param_count(model).total * tokens / (r.step_s * 400e12)
    assert r.mfu == pytest.approx(expected)
    assert 0 < r.mfu < 1
    assert r.tokens_per_s == pytest.approx(tokens / r.step_s)
    slow = train_step(model, gpu(), batch=8, seq_len=1024, recompute=True)
    assert slow.step_s > r.step_s and slow.memory.activation_bytes < r.memory.activation_bytes
    j = r.to_json()
    for key in (
        "step_time_ms",
        "throughput_samples_per_s",
        "throughput_tokens_per_s",
        "mfu",
        "memory_per_device_gb",
    ):
        assert key in j


def test_bad_training_inputs() -> None:
    with pytest.raises(ValueError, match="unknown optimizer"):
        train_step(lm(), gpu(), optimizer="lion")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not modelled"):
        train_step(lm(), gpu(), precision="int4")
    with pytest.raises(ValueError, match="at least 1"):
        train_step(lm(), gpu(), batch=0)


@settings(max_examples=25, deadline=None)
@given(b=st.integers(1, 32), more=st.integers(1, 32))
def test_larger_training_batch_never_needs_less_memory(b: int, more: int) -> None:
    small = train_step(lm(), gpu(), batch=b, seq_len=128)
    large = train_step(lm(), gpu(), batch=b + more, seq_len=128)
    assert large.memory.total_bytes >= small.memory.total_bytes
    assert large.step_s >= small.step_s


def test_a_vision_transformer_sees_its_patches_not_seq_len() -> None:
    """ViT-B/16 at 224 px: 196 patches + the class token, whatever seq_len says."""
    from mlsysbook import sim

    a = sim.train_step("vit-b-16", "a100-80gb", batch=64, seq_len=2048)
    b = sim.train_step("vit-b-16", "a100-80gb", batch=64, seq_len=16)
    assert a.seq_len == b.seq_len == 197 and a.memory.total_bytes == b.memory.total_bytes
    r = sim.evaluate("vit-b-16", "a100-80gb", batch=8, seq_len=4096)
    assert r.seq_len == 197
