"""Hardware entries: what the registry YAML says about one device."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

import pint
from pydantic import BeforeValidator, Field

from mlsysbook.sim.entry import Entry, Sourced
from mlsysbook.sim.units import parse

Precision = Literal["fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "fp4", "int8", "int4"]
HardwareClass = Literal["cloud", "edge", "mobile", "tiny"]


Q = pint.Quantity[Any]
ComputeRate = Annotated[Q, BeforeValidator(partial(parse, kind="compute_rate"))]
Bytes = Annotated[Q, BeforeValidator(partial(parse, kind="bytes"))]
Bandwidth = Annotated[Q, BeforeValidator(partial(parse, kind="bandwidth"))]
Power = Annotated[Q, BeforeValidator(partial(parse, kind="power"))]
Frequency = Annotated[Q, BeforeValidator(partial(parse, kind="frequency"))]


class Memory(Entry):
    capacity: Bytes
    bandwidth: Bandwidth
    kind: str = ""


class OnChip(Entry):
    sram: Bytes | None = None
    flash: Bytes | None = None


class Interconnect(Entry):
    name: str
    bandwidth: Bandwidth


class Hardware(Sourced):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")
    aliases: tuple[str, ...] = ()
    vendor: str
    hw_class: HardwareClass = Field(alias="class")
    year: int = Field(ge=1990, le=2100)
    peak_flops: dict[Precision, ComputeRate] = Field(min_length=1)
    memory: Memory
    on_chip: OnChip | None = None
    tdp: Power | None = None  # None where the vendor publishes no power figure
    interconnect: Interconnect | None = None
    clock: Frequency | None = None

    def peak(self, precision: str) -> Q:
        """Dense peak FLOP/s at ``precision``. bf16 and fp16 stand in for each other,
        since tensor units run both at one rate."""
        table: dict[str, Q] = {str(k): v for k, v in self.peak_flops.items()}
        for p in (precision, *_STAND_INS.get(precision, ())):
            if p in table:
                return table[p]
        have = ", ".join(table)
        raise KeyError(f"{self.name} has no {precision} rate (it lists {have})")


_STAND_INS = {"bf16": ("fp16",), "fp16": ("bf16",)}
