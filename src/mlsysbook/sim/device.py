"""Hardware entries: what the registry YAML says about one device.

Values are kept as SI floats whose names end in their unit (``capacity_bytes``), read
from the YAML keys without the suffix (``capacity: "80 GB"``); the unit-less names
(``memory.capacity``, ``peak("bf16")``) give the same figures as pint quantities."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from mlsysbook.sim.entry import Entry, Sourced
from mlsysbook.sim.units import quantity, si

Precision = Literal["fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "fp4", "int8", "int4"]
HardwareClass = Literal["cloud", "edge", "mobile", "tiny"]


def _si(kind: str) -> Any:
    return BeforeValidator(partial(si, kind=kind))


ComputeRate = Annotated[float, _si("compute_rate")]
Bytes = Annotated[float, _si("bytes")]
Bandwidth = Annotated[float, _si("bandwidth")]
Power = Annotated[float, _si("power")]
Frequency = Annotated[float, _si("frequency")]


class Memory(Entry):
    capacity_bytes: Bytes = Field(alias="capacity")
    bandwidth_bytes_per_s: Bandwidth = Field(alias="bandwidth")
    kind: str = ""

    @property
    def capacity(self) -> Any:
        return quantity(self.capacity_bytes, "B")

    @property
    def bandwidth(self) -> Any:
        return quantity(self.bandwidth_bytes_per_s, "B/s")


class OnChip(Entry):
    sram_bytes: Bytes | None = Field(None, alias="sram")
    flash_bytes: Bytes | None = Field(None, alias="flash")

    @property
    def sram(self) -> Any:
        return _optional(self.sram_bytes, "B")

    @property
    def flash(self) -> Any:
        return _optional(self.flash_bytes, "B")


class Interconnect(Entry):
    name: str
    bandwidth_bytes_per_s: Bandwidth = Field(alias="bandwidth")

    @property
    def bandwidth(self) -> Any:
        return quantity(self.bandwidth_bytes_per_s, "B/s")


class Hardware(Sourced):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")
    aliases: tuple[str, ...] = ()
    vendor: str
    hw_class: HardwareClass = Field(alias="class")
    year: int = Field(ge=1990, le=2100)
    peak_flop_per_s: dict[Precision, ComputeRate] = Field(alias="peak_flops", min_length=1)
    memory: Memory
    on_chip: OnChip | None = None
    tdp_w: Power | None = Field(None, alias="tdp")  # None: the vendor publishes no figure
    interconnect: Interconnect | None = None
    clock_hz: Frequency | None = Field(None, alias="clock")
    compute_units: int | None = Field(None, ge=1)  # SMs (NVIDIA) or CUs (AMD) enabled
    # Multi-core microcontrollers: the share of the peak rates given by the one core that a
    # single-threaded runtime (TensorFlow Lite Micro) runs on.
    runtime_core_share: float = Field(1.0, gt=0, le=1)
    # Per format, the share of peak that this device's kernel library sustains on large
    # matmuls, where a published kernel benchmark puts it far from its class's share (see
    # efficiency.yaml); the entry's notes cite the benchmark.
    compute_efficiency: dict[Precision, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=dict
    )

    def peak_rate(self, precision: str) -> float:
        """Dense peak FLOP/s at ``precision``. bf16 and fp16 stand in for each other,
        since tensor units run both at one rate."""
        rate = _lookup(self.peak_flop_per_s, precision)
        if rate is None:
            have = ", ".join(self.peak_flop_per_s)
            raise KeyError(f"{self.name} has no {precision} rate (it lists {have})")
        return rate

    def kernel_efficiency(self, precision: str) -> float | None:
        """``compute_efficiency`` for ``precision`` (bf16 and fp16 stand in for each other)."""
        return _lookup(self.compute_efficiency, precision)

    def has_rate(self, precision: str) -> bool:
        return _lookup(self.peak_flop_per_s, precision) is not None

    def peak(self, precision: str) -> Any:
        """``peak_rate`` as a pint quantity."""
        return quantity(self.peak_rate(precision), "FLOP/s")

    @property
    def peak_flops(self) -> dict[str, Any]:
        return {str(p): quantity(v, "FLOP/s") for p, v in self.peak_flop_per_s.items()}

    @property
    def tdp(self) -> Any:
        return _optional(self.tdp_w, "W")

    @property
    def clock(self) -> Any:
        return _optional(self.clock_hz, "Hz")


_STAND_INS = {"bf16": ("fp16",), "fp16": ("bf16",)}


def _lookup(table: Mapping[Any, float], precision: str) -> float | None:
    """The value for ``precision``, or for its 16-bit stand-in; None if neither is listed."""
    for p in (precision, *_STAND_INS.get(precision, ())):
        if p in table:
            return table[p]
    return None


def _optional(value: float | None, unit: str) -> Any:
    return None if value is None else quantity(value, unit)
