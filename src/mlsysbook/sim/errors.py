"""The errors a user's input can cause, for the CLI and web layers to report (never a
traceback). Each has a message that names the input and what to do."""

from __future__ import annotations

from mlsysbook.sim.evaluate import Infeasible
from mlsysbook.sim.precision import PrecisionError
from mlsysbook.sim.registry import RegistryError, UnknownName
from mlsysbook.sim.units import UnitError

# KeyError: a device without a rate for the chosen format; ValueError: impossible sizes.
USER_ERRORS: tuple[type[Exception], ...] = (
    UnknownName,
    RegistryError,
    PrecisionError,
    Infeasible,
    UnitError,
    KeyError,
    ValueError,
)


def message(e: Exception) -> str:
    """KeyError quotes its message; the others read as written."""
    if isinstance(e, KeyError) and not isinstance(e, UnknownName) and e.args:
        return str(e.args[0])
    return str(e)
