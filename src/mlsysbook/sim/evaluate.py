"""One question, answered: how fast, how much memory, and what limits it.

    evaluate("llama3-8b", "h100", batch=32, seq_len=4096, output_len=256)

Language models: TTFT = prefill of the prompt; ITL = one decode step at the average
context; e2e = TTFT + (output_len - 1) * ITL; throughput = batch * output_len / e2e.
Other models: latency = one forward pass of the batch; throughput = batch / latency.
Several devices split each layer tensor-parallel: work and weights divide by the count,
and every layer adds two all-reduces of the activations over the interconnect
(ring, alpha-beta: 2 (n-1) hops of latency + 2 (n-1)/n * bytes at the link's one-way
bandwidth)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlsysbook.sim import graph, vec
from mlsysbook.sim.device import Hardware
from mlsysbook.sim.graph import Step, Work
from mlsysbook.sim.memory import MemoryUse, inference_memory
from mlsysbook.sim.models import Model, Transformer
from mlsysbook.sim.precision import Precision
from mlsysbook.sim.registry import hardware as find_hardware
from mlsysbook.sim.registry import model as find_model

if TYPE_CHECKING:
    import numpy as np

from mlsysbook.sim.roofline import Machine, OpTime, bottleneck, machine, time_ops, total_seconds
from mlsysbook.sim.units import quantity


class Infeasible(Exception):
    """The workload does not fit; the message says by how much."""


@dataclass(frozen=True)
class Result:
    model: str
    hardware: str
    devices: int
    precision: str
    batch: int
    seq_len: int
    output_len: int
    language_model: bool
    latency_s: float  # e2e for language models
    ttft_s: float
    itl_s: float
    throughput_per_s: float  # tokens/s for language models, samples/s otherwise
    memory: MemoryUse
    capacity_bytes: float
    bottleneck: str
    ops: tuple[OpTime, ...]  # the prefill (or forward) pass
    decode_ops: tuple[OpTime, ...]  # one decode step, language models only
    flash_bytes: float | None = None  # microcontrollers keep weights in flash, not RAM

    @property
    def fits(self) -> bool:
        return bool(fits_in(self.memory, self.capacity_bytes, self.flash_bytes))

    @property
    def e2e(self) -> Any:
        return quantity(self.latency_s * 1e3, "ms", compact=False)

    @property
    def ttft(self) -> Any:
        return quantity(self.ttft_s * 1e3, "ms", compact=False)

    @property
    def itl(self) -> Any:
        return quantity(self.itl_s * 1e3, "ms", compact=False)

    @property
    def throughput(self) -> Any:
        unit = "token/s" if self.language_model else "sample/s"
        return quantity(self.throughput_per_s, unit, compact=False)

    def to_json(self) -> dict[str, Any]:
        """Field names end in their unit."""
        out: dict[str, Any] = {
            "model": self.model,
            "hardware": self.hardware,
            "devices": self.devices,
            "precision": self.precision,
            "batch_size": self.batch,
        }
        if self.language_model:
            out |= {
                "seq_len_tokens": self.seq_len,
                "output_len_tokens": self.output_len,
                "ttft_ms": _r(self.ttft_s * 1e3),
                "itl_ms": _r(self.itl_s * 1e3),
                "e2e_ms": _r(self.latency_s * 1e3),
                "throughput_tokens_per_s": _r(self.throughput_per_s),
            }
        else:
            out |= {
                "latency_ms": _r(self.latency_s * 1e3),
                "throughput_samples_per_s": _r(self.throughput_per_s),
            }
        m = self.memory
        out |= {
            "memory_gb": _r(m.total_bytes / 1e9),
            "memory_weights_gb": _r(m.weights_bytes / 1e9),
            "memory_kv_cache_gb": _r(m.kv_cache_bytes / 1e9),
            "memory_activations_gb": _r(m.activation_bytes / 1e9),
            "memory_capacity_gb": _r(self.capacity_bytes / 1e9),
            **(
                {"flash_capacity_gb": _r(self.flash_bytes / 1e9), "weights_in_flash": True}
                if self.flash_bytes
                else {}
            ),
            "fits": self.fits,
            "bottleneck": self.bottleneck,
        }
        return out


def _r(x: float) -> float:
    return float(f"{x:.5g}")


def tensor_parallel(ops: list[Work], a: Transformer | None, tokens: int, n: int) -> list[Work]:
    if n == 1:
        return ops
    split = [
        replace(
            w,
            flops=w.flops / n,
            weight_elems=w.weight_elems / n,
            act_elems=w.act_elems / n,
            kv_elems=w.kv_elems / n,
            outputs=w.outputs / n,
        )
        for w in ops
    ]
    if a is not None:
        ring = 2 * (n - 1) / n * tokens * a.hidden
        # calls = ring steps, each paying the link's hop latency
        split.append(Work("all_reduce", "comm", 0, 0, ring, repeat=2 * a.layers, calls=2 * (n - 1)))
    return split


def time_step(ops: list[Work], m: Machine, p: Precision, link_bw: float | None) -> list[OpTime]:
    """Each op on the roofline; all-reduces over the device link (alpha-beta)."""
    plain = [w for w in ops if w.kind != "comm"]
    times = time_ops(plain, m, p)
    for w in ops:
        if w.kind == "comm":
            if not link_bw:
                raise Infeasible(f"{m.name} has no interconnect: use one device")
            seconds = w.act_elems * p.activation_bytes / link_bw * w.repeat
            o = w.repeat * w.calls * m.hop_s
            times.append(
                OpTime(
                    w.name,
                    "comm",
                    0,
                    w.act_elems * p.activation_bytes * w.repeat,
                    0.0,
                    seconds,
                    o,
                    seconds + o,
                )
            )
    return times


@dataclass(frozen=True)
class Setup:
    model: Model
    hw: Hardware
    p: Precision
    m: Machine
    link: float | None
    capacity: float
    flash: float | None


def fits_in(m: MemoryUse, ram: float, flash: float | None) -> Any:
    """Weights in flash (microcontrollers) or with everything else in RAM."""
    if flash:
        return (m.weights_bytes <= flash) & (m.kv_cache_bytes + m.activation_bytes <= ram)
    return m.weights_bytes + m.kv_cache_bytes + m.activation_bytes <= ram


def setup(
    model: Model | str, hardware: Hardware | str, precision: str, engine: str = "optimized"
) -> Setup:
    mdl = find_model(model) if isinstance(model, str) else model
    hw = find_hardware(hardware) if isinstance(hardware, str) else hardware
    p = Precision.named(precision)
    link = hw.interconnect.bandwidth_bytes_per_s / 2 if hw.interconnect else None
    flash = None
    if hw.hw_class == "tiny" and hw.on_chip is not None and hw.on_chip.flash_bytes is not None:
        flash = hw.on_chip.flash_bytes
    return Setup(mdl, hw, p, machine(hw, p, engine), link, hw.memory.capacity_bytes, flash)


def _check_lengths(a: Transformer, name: str, seq_len: Any, output_len: Any) -> None:
    longest = int(vec.largest(seq_len + output_len))
    if longest > a.max_seq_len:
        raise ValueError(f"{name} handles {a.max_seq_len} tokens; seq_len + output_len = {longest}")


def _llm(
    s: Setup, a: Transformer, batch: Any, seq_len: Any, output_len: Any, devices: int
) -> tuple[list[OpTime], list[OpTime], MemoryUse]:
    """Prefill and one mid-generation decode step; works on scalars or arrays."""
    prefill = tensor_parallel(
        graph.decoder_step(a, Step(batch, seq_len)), a, batch * seq_len, devices
    )
    mid = seq_len + vec.maximum(output_len - 1, 1) // 2
    decode = tensor_parallel(graph.decoder_step(a, Step(batch, 1, mid)), a, batch, devices)
    mem = inference_memory(s.model, prefill, batch, seq_len + output_len, s.p, devices)
    # each engine step (the prefill, every decode step) also waits for the serving runtime
    step = s.m.step_s
    host = [OpTime("runtime_step", "host", 0.0, 0.0, 0.0, 0.0, step, step)] if step else []
    pre_t, dec_t = time_step(prefill, s.m, s.p, s.link), time_step(decode, s.m, s.p, s.link)
    return pre_t + host, dec_t + host, mem


def evaluate(
    model: Model | str,
    hardware: Hardware | str,
    *,
    batch: int = 1,
    seq_len: int = 512,
    output_len: int = 1,
    precision: str = "bf16",
    devices: int = 1,
    engine: str = "optimized",
) -> Result:
    """``engine="eager"`` runs every op as its own kernel with a framework's per-op cost
    (e.g. PyTorch without compilation). For CNNs and encoders 16-bit precision there means
    autocast (fp32 weights cast to 16 bits in every pass, as training-style scripts run
    them); language models load their weights in 16 bits, so they have no casts. The
    default is an optimised inference engine."""
    if batch < 1 or seq_len < 1 or output_len < 1 or devices < 1:
        raise ValueError("batch, seq_len, output_len and devices must be at least 1")
    s = setup(model, hardware, precision, engine)
    mdl, a = s.model, s.model.architecture

    if mdl.is_language_model and isinstance(a, Transformer):
        _check_lengths(a, mdl.name, seq_len, output_len)
        pre_t, dec_t, mem = _llm(s, a, batch, seq_len, output_len, devices)
        ttft, itl = float(total_seconds(pre_t)), float(total_seconds(dec_t))
        e2e = ttft + (output_len - 1) * itl
        main = dec_t if output_len > 1 and (output_len - 1) * itl > ttft else pre_t
        return Result(
            mdl.name,
            s.hw.name,
            devices,
            s.p.weights,
            batch,
            seq_len,
            output_len,
            True,
            e2e,
            ttft,
            itl,
            batch * output_len / e2e,
            mem,
            s.capacity,
            bottleneck(main),
            tuple(pre_t),
            tuple(dec_t),
            s.flash,
        )

    tf = a if isinstance(a, Transformer) else None
    if tf is not None and tf.patch is not None:
        seq_len = tf.patch.tokens  # an image fixes a vision transformer's sequence
    fwd = graph.forward(mdl, batch, seq_len, fused=engine != "eager")
    autocast = engine == "eager" and s.p.activations in ("bf16", "fp16")
    if autocast:
        fwd += graph.autocast_casts(fwd)
    ops = tensor_parallel(fwd, tf, batch * seq_len, devices)
    times = time_step(ops, s.m, s.p, s.link)
    latency = float(total_seconds(times))
    held = replace(s.p, weights="fp32") if autocast else s.p  # autocast keeps fp32 weights
    mem = inference_memory(mdl, ops, batch, seq_len, held, devices)
    return Result(
        mdl.name,
        s.hw.name,
        devices,
        s.p.weights,
        batch,
        seq_len,
        1,
        False,
        latency,
        latency,
        0.0,
        batch / latency,
        mem,
        s.capacity,
        bottleneck(times),
        tuple(times),
        (),
        s.flash,
    )


@dataclass(frozen=True)
class Sweep:
    """One row per (batch, seq_len) point; every array has the same length."""

    model: str
    hardware: str
    language_model: bool
    batch: np.ndarray
    seq_len: np.ndarray
    output_len: int
    latency_s: np.ndarray  # e2e for language models
    ttft_s: np.ndarray
    itl_s: np.ndarray
    throughput_per_s: np.ndarray
    memory_bytes: np.ndarray
    capacity_bytes: float
    fit: np.ndarray  # per point: weights, KV cache and activations all fit

    @property
    def fits(self) -> np.ndarray:
        return self.fit


def sweep(
    model: Model | str,
    hardware: Hardware | str,
    batches: Any,
    seq_lens: Any = (512,),
    *,
    output_len: int = 1,
    precision: str = "bf16",
    devices: int = 1,
) -> Sweep:
    """Every combination of ``batches`` x ``seq_lens``, evaluated at once with NumPy."""
    import numpy as np

    s = setup(model, hardware, precision)
    mdl, a = s.model, s.model.architecture
    b, n = (
        x.ravel()
        for x in np.meshgrid(
            np.asarray(batches, dtype=float), np.asarray(seq_lens, dtype=float), indexing="ij"
        )
    )
    if b.size == 0 or b.min() < 1 or n.min() < 1 or output_len < 1:
        raise ValueError("batch sizes, sequence lengths and output_len must be at least 1")
    if mdl.is_language_model and isinstance(a, Transformer):
        _check_lengths(a, mdl.name, n, output_len)
        pre_t, dec_t, mem = _llm(s, a, b, n, output_len, devices)
        ttft, itl = total_seconds(pre_t), total_seconds(dec_t)
        e2e = ttft + (output_len - 1) * itl
        thr = b * output_len / e2e
    else:
        tf = a if isinstance(a, Transformer) else None
        # CNN shapes do not depend on the batch: trace once, scale by batch.
        ops = tensor_parallel(graph.forward(mdl, b, n), tf, b * n, devices)
        times = time_step(ops, s.m, s.p, s.link)
        ttft = e2e = total_seconds(times)
        itl = np.zeros_like(b)
        thr = b / e2e
        mem = inference_memory(mdl, ops, b, n, s.p, devices)
    total = np.broadcast_to(mem.weights_bytes + mem.kv_cache_bytes + mem.activation_bytes, b.shape)
    return Sweep(
        mdl.name,
        s.hw.name,
        mdl.is_language_model,
        b.astype(int),
        n.astype(int),
        output_len,
        np.broadcast_to(e2e, b.shape),
        np.broadcast_to(ttft, b.shape),
        np.broadcast_to(itl, b.shape),
        np.broadcast_to(thr, b.shape),
        total,
        s.capacity,
        np.broadcast_to(fits_in(mem, s.capacity, s.flash), b.shape),
    )
