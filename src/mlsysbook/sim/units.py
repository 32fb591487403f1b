"""Units. Registry values such as ``"3.35 TB/s"`` are read into plain SI floats by a small
parser of our own (``si``), so answering a question never imports pint; the public API
hands out pint quantities, built on first use from the one registry here (``ureg``):
SI and binary prefixes, seconds, bytes, FLOPs, tokens, samples, watts."""

from __future__ import annotations

import math
import re
from functools import cache
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import pint

DEFINITIONS = """
second = [time] = s = sec
minute = 60 * second = min
hour = 60 * minute = h = hr
byte = [information] = B
bit = byte / 8 = b
flop = [compute] = FLOP = OP = op
token = [token] = tok
sample = [sample]
watt = [power] = W
joule = watt * second = J
hertz = 1 / second = Hz
dollar = [currency] = USD
nano- = 1e-9 = n-
micro- = 1e-6 = u- = µ-
milli- = 1e-3 = m-
kilo- = 1e3 = k- = K-
mega- = 1e6 = M-
giga- = 1e9 = G-
tera- = 1e12 = T-
peta- = 1e15 = P-
exa- = 1e18 = E-
kibi- = 2**10 = Ki-
mebi- = 2**20 = Mi-
gibi- = 2**30 = Gi-
tebi- = 2**40 = Ti-
"""

# What each kind of registry value is, in base units (the fast parser's dimensions).
SI_UNIT = {
    "compute_rate": "FLOP/s",
    "bytes": "B",
    "bandwidth": "B/s",
    "power": "W",
    "frequency": "Hz",
}
LABELS = {
    "compute_rate": ("a compute rate", "TFLOP/s"),
    "bytes": ("a size in bytes", "GB or MiB"),
    "bandwidth": ("a bandwidth", "GB/s"),
    "power": ("a power", "W"),
    "frequency": ("a frequency", "MHz"),
}


class UnitError(ValueError):
    """A value whose unit is missing, unknown or of the wrong kind."""


@cache
def registry() -> pint.UnitRegistry[Any]:
    import pint

    reg: pint.UnitRegistry[Any] = pint.UnitRegistry(
        filename=None, autoconvert_offset_to_baseunit=True
    )
    for line in DEFINITIONS.strip().splitlines():
        reg.define(line)
    reg.formatter.default_format = "~P"
    return reg


def __getattr__(name: str) -> Any:
    """``ureg`` and ``Quantity`` exist on first use: importing pint costs a cold start
    more than the whole evaluation."""
    if name == "ureg":
        return registry()
    if name == "Quantity":
        return registry().Quantity
    raise AttributeError(name)


def quantity(magnitude: float, unit: str, compact: bool = True) -> Any:
    """A pint quantity: ``quantity(3.35e12, "B/s")`` is 3.35 TB/s (``compact`` picks the
    prefix that reads best)."""
    q = registry().Quantity(magnitude, unit)
    return q.to_compact() if compact else q


_PREFIX = {
    "": 1.0, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "m": 1e-3, "k": 1e3, "K": 1e3, "M": 1e6,
    "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40,
}  # fmt: skip
_BASE = {"FLOP": ("FLOP", 1.0), "OP": ("FLOP", 1.0), "B": ("B", 1.0), "b": ("B", 0.125),
         "W": ("W", 1.0), "Hz": ("Hz", 1.0)}  # fmt: skip
_UNIT = re.compile(r"(Ki|Mi|Gi|Ti|[numµkKMGTPE]?)(FLOP|OP|B|b|W|Hz)")
_VALUE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s*([^\s/]+)(?:\s*/\s*(s))?\s*")


def _fast(text: str) -> tuple[float, str] | None:
    """``"3.35 TB/s"`` -> (3.35e12, "B/s"); None for anything beyond ``N prefix-unit[/s]``."""
    m = _VALUE.fullmatch(text)
    u = _UNIT.fullmatch(m.group(2)) if m else None
    if m is None or u is None:
        return None
    base, factor = _BASE[u.group(2)]
    return float(m.group(1)) * _PREFIX[u.group(1)] * factor, base + ("/s" if m.group(3) else "")


def si(value: object, kind: str) -> float:
    """``"3.35 TB/s"`` -> 3.35e12, checked to be a ``kind`` (see SI_UNIT). Common forms are
    read directly; anything else (``"3.35 terabyte / second"``) goes through pint."""
    if hasattr(value, "dimensionality") and hasattr(value, "to"):  # a pint quantity
        value = f"{value:~}"
    if isinstance(value, bool) or not isinstance(value, str):
        raise UnitError(f"{value!r} needs a unit, e.g. '80 GB' or '3.35 TB/s'")
    fast = _fast(value)
    if fast is not None:
        magnitude, unit = fast
        if unit != SI_UNIT[kind]:
            _wrong_kind(value, kind)
    else:
        magnitude = _via_pint(value, kind)
    if not math.isfinite(magnitude):
        raise UnitError(f"{value!r} is not a finite number")
    if magnitude < 0:
        raise UnitError(f"{value!r} must not be negative")
    return magnitude


def _via_pint(text: str, kind: str) -> float:
    reg = registry()
    try:
        q: Any = reg.Quantity(text)
    except Exception as e:  # pint's parser raises many kinds (even AssertionError)
        raise UnitError(f"cannot read {text!r} as a quantity ({e or type(e).__name__})") from None
    target = reg(SI_UNIT[kind])
    if not isinstance(q, reg.Quantity) or q.dimensionality != target.dimensionality:
        _wrong_kind(text, kind)
    return float(q.to(SI_UNIT[kind]).magnitude)


def _wrong_kind(text: str, kind: str) -> NoReturn:
    label, example = LABELS[kind]
    raise UnitError(f"{text!r} is not {label} (expected units like {example})")
