"""The roofline: each operator takes the longer of its compute time and its memory
time, plus a fixed per-call overhead.

    t_op = max(FLOPs / (peak * e_compute), bytes / (bandwidth * e_memory)) + calls * overhead

``peak`` is the dense rate of the format the op computes in (matmuls), or the fp32 /
16-bit vector rate for the rest; the efficiencies ``e`` and the overhead are set once
per hardware class in ``registry/efficiency.yaml``. Ridge point = peak / bandwidth
(FLOP per byte): ops whose arithmetic intensity is below it are memory-bound.

Counts may be NumPy arrays (one element per scenario) so that sweeps run vectorised."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mlsysbook.sim import vec
from mlsysbook.sim.device import Hardware
from mlsysbook.sim.graph import Work
from mlsysbook.sim.precision import Precision
from mlsysbook.yamlfile import load_yaml_cached

EFFICIENCY_FILE = Path(__file__).parent / "registry" / "efficiency.yaml"


class Efficiency(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    compute: float = Field(gt=0, le=1)
    compute_fp8: float | None = Field(default=None, gt=0, le=1)  # if fp8 GEMMs sustain less
    memory: float = Field(gt=0, le=1)
    overhead_us: float = Field(ge=0)
    eager_overhead_us: float = Field(ge=0)
    hop_us: float = Field(ge=0)
    tile_outputs: int | None = Field(default=None, ge=1)
    step_ms: float = Field(default=0.0, ge=0)
    rationale: str
    source: str
    source_date: str


@cache
def efficiencies() -> dict[str, Efficiency]:
    raw = load_yaml_cached(EFFICIENCY_FILE, ValueError)
    return {k: Efficiency.model_validate(v) for k, v in raw.items()}


@dataclass(frozen=True)
class Machine:
    """The numbers the roofline needs, in plain floats (SI units), for fast evaluation."""

    name: str
    matmul_flops: float  # FLOP/s at the compute format
    vector_flops: float  # FLOP/s for elementwise work
    bandwidth: float  # B/s
    e_compute: float
    e_memory: float
    overhead_s: float
    hop_s: float  # one step of a ring collective
    cache_bytes: float = 0.0  # on-chip SRAM/L2 that keeps an op's activations off DRAM
    units: int = 0  # SMs / CUs that a matmul's output tiles spread over (0: not modelled)
    tile: float = 0.0  # output elements one unit computes at a time
    step_s: float = 0.0  # host time of a serving runtime per LLM engine step

    @property
    def ridge(self) -> float:
        """FLOP per byte at which an op stops being memory-bound (with efficiencies)."""
        return (self.matmul_flops * self.e_compute) / (self.bandwidth * self.e_memory)


ENGINES = ("optimized", "eager")


def machine(hw: Hardware, precision: Precision, engine: str = "optimized") -> Machine:
    """``engine``: "optimized" (an inference engine: fused kernels, captured launches) or
    "eager" (a framework dispatching every op from Python)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose optimized or eager")
    eff = efficiencies()[hw.hw_class]
    fmt = precision.compute_format(hw)
    matmul = precision.matmul_rate(hw)
    vector = next((hw.peak_rate(p) for p in ("fp32", "bf16", "fp16") if hw.has_rate(p)), matmul)
    share = hw.runtime_core_share  # microcontroller runtimes use one core
    return Machine(
        hw.name,
        matmul * share,
        vector * share,
        hw.memory.bandwidth_bytes_per_s,
        hw.kernel_efficiency(fmt)
        or (eff.compute_fp8 if fmt == "fp8" and eff.compute_fp8 else eff.compute),
        eff.memory,
        (eff.eager_overhead_us if engine == "eager" else eff.overhead_us) * 1e-6,
        eff.hop_us * 1e-6,
        _cache(hw),
        hw.compute_units or 0,
        float(eff.tile_outputs or 0),
        eff.step_ms * 1e-3,
    )


def _cache(hw: Hardware) -> float:
    """Accelerators' L2/SRAM; microcontrollers have none beyond the memory itself."""
    if hw.hw_class == "tiny" or hw.on_chip is None or hw.on_chip.sram_bytes is None:
        return 0.0
    return hw.on_chip.sram_bytes


@dataclass(frozen=True)
class OpTime:
    name: str
    kind: str
    flops: float  # for all repeats
    bytes: float
    compute_s: float
    memory_s: float
    overhead_s: float
    seconds: float

    @property
    def bound(self) -> str:
        if self.overhead_s > max(self.compute_s, self.memory_s):
            return "overhead"
        return "compute" if self.compute_s >= self.memory_s else "memory"

    @property
    def intensity(self) -> float:
        """Arithmetic intensity, FLOP per byte moved."""
        return self.flops / self.bytes if self.bytes else float("inf")


# The share of an L2 that keeps activations between kernels. NVIDIA splits L2 into two
# partitions, each caching for the SMs wired to it, so data every SM reads (activations)
# can sit in both; half the capacity is what such data gets (A100 whitepaper, "L2 cache").
CACHE_SHARE = 0.5


def op_bytes(w: Work, p: Precision, cache: float = 0.0) -> Any:
    """DRAM bytes of one repeat: weights and KV cache always stream from memory;
    activations only for the part that does not fit in the on-chip cache's share for
    them (the rest of the producer's output is still there when the consumer reads it):
    max(0, activation bytes - CACHE_SHARE * cache). Throughput then eases off as a batch
    outgrows the cache instead of falling off a cliff."""
    acts: Any = w.act_elems * p.activation_bytes
    if cache:
        acts = vec.maximum(acts - CACHE_SHARE * cache, 0.0)
    return w.weight_elems * p.weight_bytes + acts + w.kv_elems * p.kv_bytes


def time_ops(ops: list[Work], m: Machine, p: Precision) -> list[OpTime]:
    out = []
    for w in ops:
        flops, nbytes = w.flops * w.repeat, op_bytes(w, p, m.cache_bytes) * w.repeat
        peak = m.matmul_flops if w.is_matmul else m.vector_flops
        c = flops / (peak * m.e_compute * occupancy(w, m))
        mem = nbytes / (m.bandwidth * m.e_memory)
        o = w.calls * w.repeat * m.overhead_s
        out.append(OpTime(w.name, w.kind, flops, nbytes, c, mem, o, vec.maximum(c, mem) + o))
    return out


def occupancy(w: Work, m: Machine) -> Any:
    """Share of the compute units a matmul keeps busy. Its output is cut into tiles of
    ``m.tile`` elements, one unit per tile; the tiles run in waves of ``m.units``, so a
    small output (one image, a short prompt) leaves units idle in its only wave:
    tiles / (waves * units), with tiles = ceil(outputs per call / tile). Attention is
    left out: its kernels also split the keys (FlashDecoding), not only the outputs."""
    if w.kind != "matmul" or not (m.units and m.tile):
        return 1.0
    if isinstance(w.outputs, float | int) and not w.outputs:
        return 1.0  # an op without the figure
    tiles = vec.maximum(vec.ceil(w.outputs / w.calls / m.tile), 1.0)
    waves = vec.ceil(tiles / m.units)
    return tiles / (waves * m.units)


def total_seconds(times: list[OpTime]) -> float:
    return sum(t.seconds for t in times)


def bottleneck(times: list[OpTime]) -> str:
    """The resource that the step's time mostly goes to."""
    share = {"compute": 0.0, "memory": 0.0, "overhead": 0.0}
    for t in times:
        share["overhead"] += t.overhead_s
        share["compute" if t.compute_s >= t.memory_s else "memory"] += max(t.compute_s, t.memory_s)
    return max(share, key=lambda k: share[k])
