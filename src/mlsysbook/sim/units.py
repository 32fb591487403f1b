"""The simulator's one pint registry: SI and binary prefixes, seconds, bytes, FLOPs,
tokens, samples, watts. Built from a short definition list rather than pint's full
default file, so importing the simulator stays fast."""

from __future__ import annotations

from typing import Any

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

ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(filename=None, autoconvert_offset_to_baseunit=True)
for _line in DEFINITIONS.strip().splitlines():
    ureg.define(_line)
ureg.formatter.default_format = "~P"

Quantity = ureg.Quantity

# Dimensions checked when registries are loaded.
DIMENSIONS = {
    "compute_rate": ureg("FLOP/s").dimensionality,
    "bytes": ureg("B").dimensionality,
    "bandwidth": ureg("B/s").dimensionality,
    "power": ureg("W").dimensionality,
    "frequency": ureg("Hz").dimensionality,
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


def parse(value: object, kind: str) -> pint.Quantity[Any]:
    """``"3.35 TB/s"`` -> a Quantity, checked to be a ``kind`` (see DIMENSIONS)."""
    if isinstance(value, ureg.Quantity):
        q = value
    elif isinstance(value, str):
        try:
            q = ureg.Quantity(value)
        except Exception as e:  # pint's parser raises many kinds (even AssertionError)
            raise UnitError(
                f"cannot read {value!r} as a quantity ({e or type(e).__name__})"
            ) from None
    else:
        raise UnitError(f"{value!r} needs a unit, e.g. '80 GB' or '3.35 TB/s'")
    if not isinstance(q, ureg.Quantity) or q.dimensionality != DIMENSIONS[kind]:
        label, example = LABELS[kind]
        raise UnitError(f"{value!r} is not {label} (expected units like {example})")
    if q.magnitude < 0:
        raise UnitError(f"{value!r} must not be negative")
    return q
