"""Number formats: bytes per element, and which peak rate a matmul runs at."""

from __future__ import annotations

from dataclasses import dataclass

from mlsysbook.sim.device import Hardware

BYTES = {
    "fp32": 4.0,
    "tf32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
    "fp4": 0.5,
}
NAMES = tuple(BYTES)


class PrecisionError(ValueError):
    pass


def check(name: str) -> str:
    p = name.lower()
    if p not in BYTES:
        raise PrecisionError(f"unknown precision {name!r}: choose one of {', '.join(NAMES)}")
    return p


@dataclass(frozen=True)
class Precision:
    """Formats of the weights, the activations and the KV cache. ``--precision int4``
    means 4-bit weights with 16-bit activations and cache (weight-only quantisation);
    int8 and fp8 quantise activations too."""

    weights: str = "bf16"
    activations: str = "bf16"
    kv_cache: str = "bf16"

    @classmethod
    def named(cls, name: str) -> Precision:
        p = check(name)
        if p in ("int4", "fp4"):
            return cls(p, "bf16", "bf16")
        return cls(p, p, p)

    @property
    def weight_bytes(self) -> float:
        return BYTES[self.weights]

    @property
    def activation_bytes(self) -> float:
        return BYTES[self.activations]

    @property
    def kv_bytes(self) -> float:
        return BYTES[self.kv_cache]

    def compute_format(self, hw: Hardware) -> str:
        """The format matmuls run in: the activations' format when the hardware has a rate
        for it, else the nearest wider one it has (fp8 -> fp16 -> bf16 -> fp32)."""
        order = ["fp4", "int4", "fp8", "int8", "fp16", "bf16", "tf32", "fp32"]
        start = order.index(self.activations) if self.activations in order else order.index("bf16")
        for p in order[start:]:
            if hw.has_rate(p):
                return p
        return next(iter(hw.peak_flop_per_s))

    def matmul_rate(self, hw: Hardware) -> float:
        """Peak FLOP/s of the matmuls: the rate of ``compute_format``; on hardware that
        lists only narrower formats (Jetson Thor: fp4 only), the narrower rate scaled by
        the width ratio, as tensor units halve their rate each time operands double."""
        fmt = self.compute_format(hw)
        rate = hw.peak_rate(fmt)
        wanted = BYTES.get(self.activations, 2.0)
        return rate * min(1.0, BYTES[fmt] / wanted) if fmt in BYTES else rate
