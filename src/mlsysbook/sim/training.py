"""One training step: forward, backward, optimizer update, and the memory it needs.

Time (per device, tensor-parallel over ``devices``):
    forward ops as in inference (training keeps every position's logits; CNN ops unfused)
    backward = 2 x forward (gradients for inputs and for weights), + 1 x forward when
               activations are recomputed
    optimizer = one memory-bound pass over parameter state: Adam reads weights, gradients,
               two moments (and the fp32 master copy) and writes them back
MFU = model FLOPs / (step time x peak x devices), with model FLOPs = 6 x params x tokens
for language models (Kaplan et al., 2020) and 3 x forward FLOPs otherwise.

Memory per device (mixed precision, Rajbhandari et al., ZeRO, 2020):
    weights + gradients (the training format) + fp32 master copy (16-bit training only)
    + optimizer state (Adam: 2 x fp32, SGD with momentum: 1 x fp32, SGD: none)
    + activations. Transformers (Korthikanti et al., 2022, with FlashAttention, 16-bit):
      34 x s x b x h bytes per layer, or 2 x s x b x h with full recomputation, plus fp32
      logits. CNNs: every op's output kept for backward, or about 2/sqrt(n) of it with
      sqrt(n) checkpointing (Chen et al., 2016).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from mlsysbook.sim import graph
from mlsysbook.sim.architecture import param_count
from mlsysbook.sim.evaluate import setup, tensor_parallel, time_step
from mlsysbook.sim.graph import Work
from mlsysbook.sim.models import Model, Transformer
from mlsysbook.sim.roofline import OpTime, bottleneck, total_seconds

Optimizer = Literal["adam", "sgd-momentum", "sgd"]
STATE_BYTES = {"adam": 8.0, "sgd-momentum": 4.0, "sgd": 0.0}
# bytes moved per parameter by the update: read+write of weights, moments, master copy,
# and a read of the gradient (Adam in mixed precision: 2+2 w, 2 g, 4+4 master, 8+8 moments)
UPDATE_FLOPS_PER_PARAM = {"adam": 12.0, "sgd-momentum": 4.0, "sgd": 2.0}


@dataclass(frozen=True)
class TrainingMemory:
    weights_bytes: float
    gradient_bytes: float
    optimizer_bytes: float  # moments and the fp32 master copy
    activation_bytes: float

    @property
    def total_bytes(self) -> float:
        return (
            self.weights_bytes + self.gradient_bytes + self.optimizer_bytes + self.activation_bytes
        )


@dataclass(frozen=True)
class TrainingResult:
    model: str
    hardware: str
    devices: int
    precision: str
    batch: int
    seq_len: int
    language_model: bool
    step_s: float
    samples_per_s: float
    tokens_per_s: float
    mfu: float
    memory: TrainingMemory
    capacity_bytes: float
    bottleneck: str
    ops: tuple[OpTime, ...]

    @property
    def fits(self) -> bool:
        return bool(self.memory.total_bytes <= self.capacity_bytes)

    def to_json(self) -> dict[str, Any]:
        m = self.memory
        out: dict[str, Any] = {
            "model": self.model,
            "hardware": self.hardware,
            "devices": self.devices,
            "precision": self.precision,
            "mode": "training",
            "batch_size": self.batch,
            "step_time_ms": _r(self.step_s * 1e3),
            "throughput_samples_per_s": _r(self.samples_per_s),
        }
        if self.language_model:
            out["seq_len_tokens"] = self.seq_len
            out["throughput_tokens_per_s"] = _r(self.tokens_per_s)
        out |= {
            "mfu": _r(self.mfu),
            "memory_per_device_gb": _r(m.total_bytes / 1e9),
            "memory_weights_gb": _r(m.weights_bytes / 1e9),
            "memory_gradients_gb": _r(m.gradient_bytes / 1e9),
            "memory_optimizer_gb": _r(m.optimizer_bytes / 1e9),
            "memory_activations_gb": _r(m.activation_bytes / 1e9),
            "memory_capacity_gb": _r(self.capacity_bytes / 1e9),
            "fits": self.fits,
            "bottleneck": self.bottleneck,
        }
        return out


def _r(x: float) -> float:
    return float(f"{x:.5g}")


def activation_bytes(
    model: Model, ops: list[Work], batch: int, seq: int, act_bytes: float, recompute: bool
) -> float:
    a = model.architecture
    if isinstance(a, Transformer):
        sbh = seq * batch * a.hidden
        per_layer = (2 if recompute else 34) * sbh * act_bytes / 2  # formula is for 16-bit
        logits = 0 if a.encoder_only else batch * seq * a.vocab * 4
        return a.layers * per_layer + logits
    kept = sum(w.act_elems for w in ops) / 2 * act_bytes  # outputs of every op
    return kept * 2 / math.sqrt(len(ops)) if recompute else kept


def train_step(
    model: Model | str,
    hardware: Any,
    *,
    batch: int = 8,
    seq_len: int = 2048,
    precision: str = "bf16",
    devices: int = 1,
    optimizer: Optimizer = "adam",
    recompute: bool = False,
) -> TrainingResult:
    if batch < 1 or seq_len < 1 or devices < 1:
        raise ValueError("batch, seq_len and devices must be at least 1")
    if optimizer not in STATE_BYTES:
        raise ValueError(f"unknown optimizer {optimizer!r}: choose adam, sgd-momentum or sgd")
    s = setup(model, hardware, precision)
    if s.p.weights in ("int8", "int4", "fp4"):
        raise ValueError(f"training in {s.p.weights} is not modelled: use fp32, bf16, fp16 or fp8")
    mdl, a = s.model, s.model.architecture
    lm = mdl.is_language_model
    tf = a if isinstance(a, Transformer) else None
    if tf is not None and tf.patch is not None:
        seq_len = tf.patch.tokens  # an image fixes a vision transformer's sequence
    seq = seq_len if tf is not None else 1
    fwd = graph.forward(mdl, batch, seq_len, fused=False, all_logits=True)
    passes = 4 if recompute else 3  # forward + 2 x backward (+ a recomputed forward)
    params = param_count(mdl).total
    step_ops = [
        replace(
            w,
            flops=w.flops * passes,
            weight_elems=w.weight_elems * passes,
            act_elems=w.act_elems * passes,
            calls=w.calls * passes,
            outputs=w.outputs * passes,  # each pass's kernels are as wide as the forward's
        )
        for w in fwd
    ]
    # The update: a memory-bound pass over every parameter's state.
    grad_b, master = s.p.weight_bytes, (4.0 if s.p.weight_bytes < 4 else 0.0)
    state_elems = (
        2 * grad_b + grad_b + 2 * (master + STATE_BYTES[optimizer])
    ) / s.p.activation_bytes
    step_ops.append(
        Work(
            "optimizer",
            "elementwise",
            UPDATE_FLOPS_PER_PARAM[optimizer] * params,
            0,
            params * state_elems,
        )
    )
    tokens = batch * seq
    comm = tensor_parallel(step_ops, tf, tokens, devices)
    if tf is not None and devices > 1:  # backward all-reduces as many activations again
        comm = [replace(w, repeat=w.repeat * 2) if w.kind == "comm" else w for w in comm]
    times = time_step(comm, s.m, s.p, s.link)
    step = float(total_seconds(times))

    fwd_flops = sum(w.flops * w.repeat for w in fwd)
    model_flops = 6 * params * tokens if lm else 3 * fwd_flops
    peak = s.m.matmul_flops * devices
    mem = TrainingMemory(
        params * s.p.weight_bytes / devices,
        params * grad_b / devices,
        params * (master + STATE_BYTES[optimizer]) / devices,
        activation_bytes(mdl, fwd, batch, seq, s.p.activation_bytes, recompute) / devices,
    )
    return TrainingResult(
        mdl.name,
        s.hw.name,
        devices,
        s.p.weights,
        batch,
        seq_len,
        lm,
        step,
        batch / step,
        tokens / step if lm else 0.0,
        model_flops / (step * peak),
        mem,
        s.capacity,
        bottleneck(times),
        tuple(times),
    )
