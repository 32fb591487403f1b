"""Model: the analytical simulator of ML workloads on real hardware.

A leaf library (NumPy, pint, pydantic, PyYAML): no web, no store.

    from mlsysbook import sim
    sim.hardware("h100").memory.bandwidth   # 3.35 TB/s
    sim.param_count(sim.model("llama3-8b")).total
"""

from mlsysbook.sim.architecture import ParamCount, cnn_ops, param_count
from mlsysbook.sim.device import Hardware
from mlsysbook.sim.models import Model
from mlsysbook.sim.registry import (
    RegistryError,
    UnknownName,
    hardware,
    hardware_catalog,
    model,
    model_catalog,
)
from mlsysbook.sim.units import Quantity, UnitError, ureg

__all__ = [
    "Hardware",
    "Model",
    "ParamCount",
    "Quantity",
    "RegistryError",
    "UnitError",
    "UnknownName",
    "cnn_ops",
    "hardware",
    "hardware_catalog",
    "model",
    "model_catalog",
    "param_count",
    "ureg",
]
