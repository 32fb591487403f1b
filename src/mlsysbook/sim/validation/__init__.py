"""Predicted vs published measurements: how far off the simulator is, point by point."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from mlsysbook.sim.evaluate import Result, evaluate
from mlsysbook.sim.registry import hardware as find_hardware
from mlsysbook.sim.registry import model as find_model

REFERENCES = Path(__file__).parent / "references.yaml"
OFFLINE_BATCHES = [2**i for i in range(13)]  # searched when a source does not state the batch

Metric = Literal[
    "throughput_tokens_per_s", "throughput_samples_per_s", "latency_ms", "ttft_ms", "itl_ms"
]


class Reference(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    model: str
    hardware: str
    devices: int = Field(default=1, ge=1)
    replicas: int = Field(default=1, ge=1)
    precision: str | None = None
    batch: int | None = Field(default=None, ge=1)
    seq_len: int | None = Field(default=None, ge=1)
    output_len: int | None = Field(default=None, ge=1)
    metric: Metric
    measured: float = Field(gt=0)
    conditions: str
    source: str
    source_url: str | None = None
    source_date: str | None = None  # None where the page carries no date
    usable: bool = True
    engine: Literal["optimized", "eager"] = "optimized"

    @field_validator("source_date", mode="before")
    @classmethod
    def _date_as_text(cls, v: object) -> object:
        return str(v) if not isinstance(v, str) else v


@cache
def references() -> tuple[Reference, ...]:
    raw = yaml.safe_load(REFERENCES.read_text(encoding="utf-8"))
    return tuple(Reference.model_validate(r) for r in raw)


@dataclass(frozen=True)
class Check:
    ref: Reference
    predicted: float | None
    note: str = ""  # why a point was skipped, or an assumption made

    @property
    def error(self) -> float | None:
        """Signed relative error, (predicted - measured) / measured."""
        if self.predicted is None:
            return None
        return (self.predicted - self.ref.measured) / self.ref.measured


def predict(ref: Reference) -> Check:
    """The simulator's value for ``ref.metric`` under the reference's conditions.
    Unstated batch sizes take the throughput-optimal batch that fits (offline runs);
    unstated precision takes bf16 (what serving stacks load checkpoints in)."""
    if not ref.usable:
        return Check(ref, None, "marked unusable: the setup cannot be expressed")
    mdl, hw = find_model(ref.model), find_hardware(ref.hardware)
    precision = ref.precision or "bf16"
    notes = [] if ref.precision else ["precision assumed bf16"]
    lm = mdl.is_language_model
    if lm and ref.seq_len is None:
        return Check(ref, None, "prompt length not stated")
    seq = ref.seq_len or 1
    out = ref.output_len or (2 if ref.metric in ("itl_ms", "throughput_tokens_per_s") else 1)

    def run(batch: int) -> Result:
        return evaluate(
            mdl,
            hw,
            batch=batch,
            seq_len=seq,
            output_len=out,
            precision=precision,
            devices=ref.devices,
            engine=ref.engine,
        )

    if ref.batch is not None:
        r = run(ref.batch)
    else:
        fitting = [run(b) for b in OFFLINE_BATCHES]
        fitting = [r for r in fitting if r.fits] or fitting[:1]
        r = max(fitting, key=lambda x: x.throughput_per_s)
        notes.append(f"batch not stated: used {r.batch}, the best that fits")
    return Check(
        ref, _metric(ref, r) * (ref.replicas if "throughput" in ref.metric else 1), "; ".join(notes)
    )


def _metric(ref: Reference, r: Result) -> float:
    if ref.metric == "ttft_ms":
        return r.ttft_s * 1e3
    if ref.metric == "itl_ms":
        return r.itl_s * 1e3
    if ref.metric == "latency_ms":
        return r.latency_s * 1e3
    if ref.metric == "throughput_tokens_per_s" and ref.output_len is None:
        return r.batch / r.itl_s  # a decode-speed figure: tokens per second while generating
    return r.throughput_per_s


@dataclass(frozen=True)
class Summary:
    checks: tuple[Check, ...]

    @property
    def scored(self) -> list[Check]:
        return [c for c in self.checks if c.error is not None]

    @property
    def median_abs_error(self) -> float:
        return statistics.median(abs(c.error or 0) for c in self.scored)

    @property
    def worst_abs_error(self) -> float:
        return max(abs(c.error or 0) for c in self.scored)

    def within(self, bound: float) -> int:
        return sum(abs(c.error or 0) <= bound for c in self.scored)


def validate() -> Summary:
    return Summary(tuple(predict(r) for r in references()))
