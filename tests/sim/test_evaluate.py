"""Solvers against hand calculations, and properties that must always hold."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsysbook.sim.device import Hardware
from mlsysbook.sim.evaluate import evaluate
from mlsysbook.sim.graph import Step, decoder_step, kv_elems_per_token
from mlsysbook.sim.memory import kv_cache_bytes
from mlsysbook.sim.models import Model, Transformer
from mlsysbook.sim.precision import Precision
from mlsysbook.sim.roofline import CACHE_SHARE, efficiencies, machine, occupancy, time_ops
from mlsysbook.sim.units import ureg


def gpu(
    bandwidth: str = "2 TB/s",
    peak: str = "400 TFLOP/s",
    capacity: str = "80 GB",
    link: str | None = "600 GB/s",
    units: int | None = None,
) -> Hardware:
    data: dict[str, Any] = {
        "name": "TestGPU",
        "vendor": "Test",
        "class": "cloud",
        "year": 2024,
        "peak_flops": {"fp32": "50 TFLOP/s", "bf16": peak, "fp8": "800 TFLOP/s"},
        "memory": {"capacity": capacity, "bandwidth": bandwidth},
        "tdp": "500 W",
        "source": "synthetic test device",
        "source_date": "2024-01",
    }
    if link:
        data["interconnect"] = {"name": "TestLink", "bandwidth": link}
    if units:
        data["compute_units"] = units
    return Hardware.model_validate(data)


def lm(**arch: Any) -> Model:
    a = {
        "kind": "transformer",
        "layers": 4,
        "hidden": 1024,
        "heads": 8,
        "kv_heads": 2,
        "ffn": 4096,
        "ffn_type": "swiglu",
        "vocab": 32000,
        "norm": "rmsnorm",
        "max_seq_len": 8192,
        **arch,
    }
    return Model.model_validate(
        {
            "name": "Tiny-LM",
            "task": "causal-lm",
            "year": 2024,
            "published_params": 1e8,
            "source": "synthetic",
            "source_date": "2024-01",
            "architecture": a,
        }
    )


def tf_arch(m: Model) -> Transformer:
    a = m.architecture
    assert isinstance(a, Transformer)
    return a


def test_lm_head_roofline_by_hand() -> None:
    hw, p = gpu(), Precision.named("bf16")
    m = machine(hw, p)
    eff = efficiencies()["cloud"]
    head = [w for w in decoder_step(tf_arch(lm()), Step(1, 1, 100)) if w.name == "lm_head"]
    (t,) = time_ops(head, m, p)
    d, v = 1024, 32000
    flops, nbytes = 2 * d * v, (d * v + d + v) * 2
    compute = flops / (400e12 * eff.compute)
    memory = nbytes / (2e12 * eff.memory)
    assert t.flops == flops and t.bytes == nbytes
    assert t.seconds == pytest.approx(max(compute, memory) + eff.overhead_us * 1e-6)
    assert t.bound == "memory"  # one token: 1 FLOP per byte, far below the ridge
    assert m.ridge == pytest.approx(400e12 * eff.compute / (2e12 * eff.memory))


def test_small_matmuls_leave_compute_units_idle_by_hand() -> None:
    """Wave quantisation: tiles = ceil(outputs per call / tile), waves = ceil(tiles / units),
    occupancy = tiles / (waves * units); only the compute time stretches."""
    p = Precision.named("bf16")
    m = machine(gpu(units=100), p)
    tile = efficiencies()["cloud"].tile_outputs
    assert tile == 4096 and m.units == 100
    o_proj = {w.name: w for w in decoder_step(tf_arch(lm()), Step(1, 16))}["o_proj"]
    assert o_proj.outputs == 16 * 1024  # tokens x hidden
    assert occupancy(o_proj, m) == pytest.approx(4 / 100)  # 4 tiles in one wave of 100
    big = replace(o_proj, outputs=250 * tile)
    assert occupancy(big, m) == pytest.approx(250 / 300)  # 3 waves, the last half full
    (slow,) = time_ops([o_proj], m, p)
    (fast,) = time_ops([o_proj], machine(gpu(), p), p)  # no unit count: not modelled
    assert slow.compute_s == pytest.approx(fast.compute_s * 25)
    assert slow.memory_s == fast.memory_s


def test_attention_flops_follow_the_causal_pair_count() -> None:
    a = tf_arch(lm())
    prefill = {w.name: w for w in decoder_step(a, Step(2, 128))}
    pairs = 128 * 129 / 2
    assert prefill["attention"].flops == 2 * 2 * pairs * 8 * (128 + 128)
    decode = {w.name: w for w in decoder_step(a, Step(2, 1, 999))}
    assert decode["attention"].kv_elems == 2 * 1000 * kv_elems_per_token(a)


def test_kv_cache_by_hand() -> None:
    a = tf_arch(lm())
    # 2 (K,V) * kv_heads 2 * head_dim 128 * layers 4 * 2 bytes = 4 KiB per token
    assert kv_cache_bytes(a, 3, 1000, Precision.named("bf16"), paged=False) == 3 * 8192 * 4096
    assert kv_cache_bytes(a, 3, 1000, Precision.named("bf16")) == 3 * 1008 * 4096  # 16-token pages
    assert kv_cache_bytes(a, 3, 1000, Precision.named("fp8")) == 3 * 1008 * 2048


def test_mla_caches_the_latent_only() -> None:
    mla = {
        "q_lora_rank": 0,
        "kv_lora_rank": 512,
        "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64,
        "v_head_dim": 128,
    }
    assert kv_elems_per_token(tf_arch(lm(mla=mla, kv_heads=None))) == 576


def test_llm_latency_identities() -> None:
    r = evaluate(lm(), gpu(), batch=4, seq_len=512, output_len=65)
    assert r.latency_s == pytest.approx(r.ttft_s + 64 * r.itl_s)
    assert r.throughput_per_s == pytest.approx(4 * 65 / r.latency_s)
    j = r.to_json()
    for key in (
        "ttft_ms",
        "itl_ms",
        "e2e_ms",
        "throughput_tokens_per_s",
        "memory_gb",
        "bottleneck",
    ):
        assert key in j
    assert r.ttft.units == r.itl.units  # quantities carry units
    assert r.throughput.dimensionality == ureg("token/s").dimensionality
    # every engine step (the prefill and each decode step) waits for the serving runtime once
    step = efficiencies()["cloud"].step_ms * 1e-3
    for ops in (r.ops, r.decode_ops):
        (host,) = [t for t in ops if t.kind == "host"]
        assert host.seconds == pytest.approx(step) and step > 0
    assert r.ttft_s == pytest.approx(sum(t.seconds for t in r.ops))


def test_decode_is_memory_bound_and_prefill_compute_bound() -> None:
    r = evaluate(
        lm(layers=32, hidden=4096, heads=32, kv_heads=8, ffn=14336),
        gpu(),
        batch=1,
        seq_len=2048,
        output_len=2,
    )
    assert {t.bound for t in r.decode_ops if t.name in ("ffn", "qkv_proj")} == {"memory"}
    assert {t.bound for t in r.ops if t.name in ("ffn", "qkv_proj")} == {"compute"}


def test_int4_weights_shrink_memory_and_speed_up_decode() -> None:
    bf16 = evaluate(lm(), gpu(), batch=1, seq_len=256, output_len=2)
    int4 = evaluate(lm(), gpu(), batch=1, seq_len=256, output_len=2, precision="int4")
    assert int4.memory.weights_bytes == pytest.approx(bf16.memory.weights_bytes / 4)
    assert int4.itl_s < bf16.itl_s


def test_tensor_parallel_splits_weights_and_adds_communication() -> None:
    one = evaluate(lm(), gpu(), batch=8, seq_len=256)
    two = evaluate(lm(), gpu(), batch=8, seq_len=256, devices=2)
    assert two.memory.weights_bytes == pytest.approx(one.memory.weights_bytes / 2)
    assert any(t.kind == "comm" for t in two.ops)


def test_too_long_prompt_is_rejected() -> None:
    with pytest.raises(ValueError, match="handles 8192 tokens"):
        evaluate(lm(), gpu(), seq_len=8000, output_len=500)


sizes = st.integers(min_value=1, max_value=64)


@settings(max_examples=40, deadline=None)
@given(b=sizes, extra=sizes, s=st.integers(16, 2048))
def test_larger_batch_never_uses_less_memory(b: int, extra: int, s: int) -> None:
    small = evaluate(lm(), gpu(), batch=b, seq_len=s, output_len=8)
    large = evaluate(lm(), gpu(), batch=b + extra, seq_len=s, output_len=8)
    assert large.memory.total_bytes >= small.memory.total_bytes
    assert large.throughput_per_s >= small.throughput_per_s * 0.999


@settings(max_examples=40, deadline=None)
@given(bw=st.floats(0.1, 10), more=st.floats(1.0, 5.0), b=sizes, s=st.integers(16, 2048))
def test_more_bandwidth_is_never_slower(bw: float, more: float, b: int, s: int) -> None:
    slow = evaluate(lm(), gpu(bandwidth=f"{bw} TB/s"), batch=b, seq_len=s, output_len=4)
    fast = evaluate(lm(), gpu(bandwidth=f"{bw * more} TB/s"), batch=b, seq_len=s, output_len=4)
    assert fast.latency_s <= slow.latency_s


@settings(max_examples=30, deadline=None)
@given(peak=st.floats(10, 2000), more=st.floats(1.0, 4.0), s=st.integers(16, 2048))
def test_more_compute_is_never_slower(peak: float, more: float, s: int) -> None:
    slow = evaluate(lm(), gpu(peak=f"{peak} TFLOP/s"), batch=4, seq_len=s)
    fast = evaluate(lm(), gpu(peak=f"{peak * more} TFLOP/s"), batch=4, seq_len=s)
    assert fast.ttft_s <= slow.ttft_s


@settings(max_examples=30, deadline=None)
@given(s=st.integers(16, 4000), longer=st.integers(1, 4000))
def test_longer_context_never_decodes_faster(s: int, longer: int) -> None:
    short = evaluate(lm(), gpu(), batch=2, seq_len=s, output_len=2)
    long = evaluate(lm(), gpu(), batch=2, seq_len=min(s + longer, 8000), output_len=2)
    assert long.itl_s >= short.itl_s
    assert long.memory.kv_cache_bytes >= short.memory.kv_cache_bytes


def test_sweep_matches_single_evaluations() -> None:
    from mlsysbook.sim.evaluate import sweep

    model, hw = lm(), gpu()
    r = sweep(model, hw, [1, 3, 64], [100, 2000], output_len=17)
    assert len(r.batch) == 6
    for i in range(6):
        one = evaluate(model, hw, batch=int(r.batch[i]), seq_len=int(r.seq_len[i]), output_len=17)
        assert r.latency_s[i] == pytest.approx(one.latency_s)
        assert r.ttft_s[i] == pytest.approx(one.ttft_s)
        assert r.throughput_per_s[i] == pytest.approx(one.throughput_per_s)
        assert r.memory_bytes[i] == pytest.approx(one.memory.total_bytes)


def test_sweep_rejects_bad_ranges() -> None:
    from mlsysbook.sim.evaluate import sweep

    with pytest.raises(ValueError, match="at least 1"):
        sweep(lm(), gpu(), [0, 1])
    with pytest.raises(ValueError, match="handles 8192"):
        sweep(lm(), gpu(), [1], [9000])


def test_microcontrollers_keep_weights_in_flash() -> None:
    from mlsysbook.sim.registry import hardware as find_hardware
    from mlsysbook.sim.registry import model as find_model

    board = find_hardware("Arduino-Nano-33-BLE-Sense")
    kws = evaluate(find_model("DS-CNN-KWS"), board, precision="int8")
    assert kws.flash_bytes and kws.fits
    assert kws.memory.weights_bytes > 0 and kws.to_json()["weights_in_flash"] is True
    big = evaluate(find_model("MobileNetV2"), board, precision="int8")
    assert not big.fits  # 3.5 MB of int8 weights against 1 MB of flash


def test_eager_engine_runs_every_op_unfused_with_framework_overhead() -> None:
    from mlsysbook.sim.registry import hardware as find_hardware
    from mlsysbook.sim.registry import model as find_model

    t4, r50 = find_hardware("T4"), find_model("ResNet-50")
    fused = evaluate(r50, t4, batch=1, precision="fp16")
    eager = evaluate(r50, t4, batch=1, precision="fp16", engine="eager")
    assert len(eager.ops) > 2 * len(fused.ops)  # BN, ReLU and adds are their own kernels
    assert eager.latency_s > 5 * fused.latency_s  # per-op dispatch dominates at batch 1
    # autocast: fp32 weights held, one cast kernel per weight tensor in every pass
    (cast,) = [t for t in eager.ops if t.name == "autocast_cast"]
    params = 25_557_032  # ResNet-50
    convs_and_fc = sum(1 for t in fused.ops if t.kind == "matmul")
    l2_share = CACHE_SHARE * (t4.on_chip.sram_bytes or 0) if t4.on_chip else 0.0
    assert cast.bytes == pytest.approx(6 * params - l2_share, rel=0.01)
    assert cast.overhead_s == pytest.approx(convs_and_fc * 40e-6)
    assert eager.memory.weights_bytes == pytest.approx(2 * fused.memory.weights_bytes)
    fp32 = evaluate(r50, t4, batch=1, precision="fp32", engine="eager")
    assert not [t for t in fp32.ops if t.name == "autocast_cast"]
    with pytest.raises(ValueError, match="unknown engine"):
        evaluate(r50, t4, engine="turbo")


def test_rates_missing_from_a_datasheet_follow_the_operand_width() -> None:
    from mlsysbook.sim.registry import hardware as find_hardware

    thor = find_hardware("jetson-thor")  # lists fp4 only
    assert Precision.named("int4").matmul_rate(thor) == pytest.approx(
        thor.peak_rate("fp4") / 4  # bf16 activations: operands 4x as wide
    )
    assert Precision.named("int8").matmul_rate(thor) == thor.peak_rate("fp4") / 2
    h100 = find_hardware("h100")
    assert Precision.named("fp8").matmul_rate(h100) == h100.peak_rate("fp8")


def test_microcontroller_runtimes_use_one_core() -> None:
    from mlsysbook.sim.registry import hardware as find_hardware

    esp = find_hardware("xiao-esp32s3")
    m = machine(esp, Precision.named("int8"))
    assert esp.runtime_core_share == 0.5
    assert m.matmul_flops == pytest.approx(esp.peak_rate("int8") / 2)
    # its kernel library's own sustained share (sourced) replaces the class's, for int8 only
    assert m.e_compute == esp.compute_efficiency["int8"] < efficiencies()["tiny"].compute
    assert machine(esp, Precision.named("fp32")).e_compute == efficiencies()["tiny"].compute
    assert machine(find_hardware("stm32f746-disco"), Precision.named("int8")).matmul_flops == (
        find_hardware("stm32f746-disco").peak_rate("int8")
    )


def test_training_kernels_are_as_wide_as_the_forward_ones() -> None:
    """Backward passes repeat the forward's kernels with the same tiles per kernel, so a
    training conv keeps the forward conv's occupancy: the same seconds per FLOP."""
    from mlsysbook.sim.training import train_step

    fwd = {t.name: t for t in evaluate("resnet50", "a100-sxm-80gb", batch=1).ops}
    step = {t.name: t for t in train_step("resnet50", "a100-sxm-80gb", batch=1).ops}
    name = "7.block.0.conv2"  # 7x7 output: only a few tiles at batch 1
    assert step[name].flops > 0
    per_flop = fwd[name].compute_s / fwd[name].flops
    assert step[name].compute_s / step[name].flops == pytest.approx(per_flop, rel=1e-9)
    assert per_flop > 2 / (312e12 * efficiencies()["cloud"].compute)  # wave-quantised


def test_attention_is_not_wave_quantised_and_host_steps_only_where_set() -> None:
    h100 = evaluate("llama3.1-8b", "h100", batch=1, seq_len=8192, output_len=2)
    (attn,) = [t for t in h100.decode_ops if t.name == "attention"]
    assert attn.bound == "memory"  # reading the KV cache, whatever the batch
    thor = evaluate("llama3.1-8b", "jetson-thor", batch=1, seq_len=128, output_len=2)
    assert not [t for t in (*thor.ops, *thor.decode_ops) if t.kind == "host"]  # edge: 0 ms


def test_kernel_efficiency_follows_16_bit_stand_ins() -> None:
    hw = gpu().model_copy(update={"compute_efficiency": {"fp16": 0.25}})
    assert hw.kernel_efficiency("bf16") == 0.25 and hw.kernel_efficiency("fp8") is None
    assert machine(hw, Precision.named("bf16")).e_compute == 0.25


def test_activations_spill_past_the_cache_share_by_hand() -> None:
    from mlsysbook.sim.graph import Work
    from mlsysbook.sim.roofline import op_bytes

    p = Precision.named("int8")
    cache = 40e6
    small = Work("conv", "matmul", 1e9, 1e6, 10e6)  # 10 MB of activations: kept on chip
    big = Work("conv", "matmul", 1e9, 1e6, 50e6)
    assert op_bytes(small, p, cache) == 1e6
    assert op_bytes(big, p, cache) == pytest.approx(1e6 + 50e6 - CACHE_SHARE * cache)
    assert op_bytes(big, p) == 1e6 + 50e6  # no cache: everything streams


def test_throughput_eases_off_past_the_cache_rather_than_collapsing() -> None:
    from mlsysbook.sim.evaluate import sweep

    s = sweep("resnet50", "l4", [8, 16, 32, 64, 128, 256], [1], precision="int8")
    thr = list(s.throughput_per_s)
    assert all(b >= 0.8 * a for a, b in itertools.pairwise(thr)), thr
