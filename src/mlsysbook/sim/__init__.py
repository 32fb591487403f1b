"""Model: the analytical simulator of ML workloads on real hardware.

A leaf library (NumPy, pint, pydantic, PyYAML): no web, no store.

    from mlsysbook import sim
    sim.hardware("h100").memory.bandwidth   # 3.35 TB/s
    sim.param_count(sim.model("llama3-8b")).total
    r = sim.evaluate("llama3-8b", "h100", batch=32, seq_len=4096, output_len=256)
    r.ttft, r.itl, r.throughput, r.memory, r.bottleneck
    sim.sweep(...), sim.train_step(...), sim.serve(...)
"""

from typing import Any

from mlsysbook.sim import units
from mlsysbook.sim.architecture import ParamCount, cnn_ops, param_count
from mlsysbook.sim.device import Hardware
from mlsysbook.sim.evaluate import Result, evaluate, sweep
from mlsysbook.sim.models import Model
from mlsysbook.sim.registry import (
    RegistryError,
    UnknownName,
    hardware,
    hardware_catalog,
    model,
    model_catalog,
)
from mlsysbook.sim.serving import serve
from mlsysbook.sim.training import train_step
from mlsysbook.sim.units import UnitError


def __getattr__(name: str) -> Any:
    """``Quantity`` and ``ureg`` (pint) load on first use, keeping cold starts fast."""
    if name in ("Quantity", "ureg"):
        return getattr(units, name)
    raise AttributeError(f"module 'mlsysbook.sim' has no attribute {name!r}")


__all__ = [
    "Hardware",
    "Model",
    "ParamCount",
    "Quantity",
    "RegistryError",
    "Result",
    "UnitError",
    "UnknownName",
    "cnn_ops",
    "evaluate",
    "hardware",
    "hardware_catalog",
    "model",
    "model_catalog",
    "param_count",
    "serve",
    "sweep",
    "train_step",
    "ureg",
]
