"""Scenario files: one workload in YAML, with constraints checked against the result.

    model: llama3-70b
    hardware: h100
    devices: 2
    batch: 16
    seq_len: 2048
    output_len: 256
    constraints:
      - assert: ttft_ms < 500
      - assert: fits

An assertion compares one result field (the JSON names, e.g. ``ttft_ms``, ``memory_gb``,
``throughput_tokens_per_s``, ``mfu``) with a number, or names a boolean field alone.
Expressions are parsed, never evaluated as code."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlsysbook.sim.evaluate import evaluate
from mlsysbook.sim.precision import NAMES
from mlsysbook.sim.training import train_step
from mlsysbook.yamlfile import load_yaml

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
ASSERTION = re.compile(
    r"^\s*(not\s+)?([a-z_][a-z0-9_]*)\s*(?:(<=|>=|==|!=|<|>)\s*(-?[0-9.eE+]+))?\s*$"
)


class ScenarioError(ValueError):
    """A scenario file that cannot be run; the message names the file and the field."""


class Constraint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    expression: str = Field(alias="assert", description="e.g. 'ttft_ms < 500' or 'fits'")


class Scenario(BaseModel):
    """One workload to evaluate (the file `mlsysbook sim run` reads)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="MLSysBook scenario")
    name: str = ""
    model: str = Field(description="Model name or alias, e.g. llama3-8b")
    hardware: str = Field(description="Hardware name or alias, e.g. h100")
    devices: int = Field(default=1, ge=1, description="Devices, tensor-parallel")
    precision: Literal[NAMES] = "bf16"  # type: ignore[valid-type]
    mode: Literal["inference", "training"] = "inference"
    batch: int = Field(default=1, ge=1, description="Sequences or samples per step")
    seq_len: int = Field(default=512, ge=1, description="Prompt (input) tokens")
    output_len: int = Field(default=1, ge=1, description="Generated tokens (inference)")
    optimizer: Literal["adam", "sgd-momentum", "sgd"] = "adam"
    recompute: bool = False
    constraints: list[Constraint] = Field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    expression: str
    value: Any
    passed: bool


def load(path: Path) -> Scenario:
    raw = load_yaml(path, ScenarioError)
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: expected a mapping with model:, hardware:, ...")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "scenario"
        raise ScenarioError(f"{path}: {where}: {err['msg']}") from None


def run(s: Scenario) -> Any:
    if s.mode == "training":
        return train_step(
            s.model,
            s.hardware,
            batch=s.batch,
            seq_len=s.seq_len,
            precision=s.precision,
            devices=s.devices,
            optimizer=s.optimizer,
            recompute=s.recompute,
        )
    return evaluate(
        s.model,
        s.hardware,
        batch=s.batch,
        seq_len=s.seq_len,
        output_len=s.output_len,
        precision=s.precision,
        devices=s.devices,
    )


def check(s: Scenario, result: dict[str, Any]) -> list[Verdict]:
    """Each constraint against the result's JSON fields."""
    verdicts = []
    for c in s.constraints:
        m = ASSERTION.match(c.expression)
        if m is None:
            raise ScenarioError(
                f"cannot read assert {c.expression!r}: write 'FIELD OP NUMBER' "
                "(e.g. 'ttft_ms < 500') or a boolean field ('fits')"
            )
        negate, field, op, number = m.groups()
        if field not in result:
            known = ", ".join(k for k, v in result.items() if isinstance(v, int | float))
            raise ScenarioError(f"assert {c.expression!r}: no field {field!r}; fields: {known}")
        value = result[field]
        if op is None:
            if not isinstance(value, bool):
                raise ScenarioError(
                    f"assert {c.expression!r}: {field} is not true/false; compare it with a number"
                )
            passed = value
        else:
            try:
                passed = OPS[op](float(value), float(number))
            except (TypeError, ValueError):
                raise ScenarioError(f"assert {c.expression!r}: cannot compare {value!r}") from None
        verdicts.append(Verdict(c.expression, value, bool(passed) != bool(negate)))
    return verdicts


def json_schema() -> dict[str, Any]:
    return Scenario.model_json_schema(by_alias=True)
