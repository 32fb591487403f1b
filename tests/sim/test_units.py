from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlsysbook.sim.units import UnitError, parse, ureg


def test_prefixes_and_custom_units() -> None:
    assert parse("989.4 TFLOP/s", "compute_rate").to("FLOP/s").magnitude == pytest.approx(989.4e12)
    assert parse("80 GiB", "bytes").to("B").magnitude == 80 * 2**30
    assert parse("3.35 TB/s", "bandwidth").to("GB/s").magnitude == pytest.approx(3350)
    assert parse("700 W", "power").to("mW").magnitude == pytest.approx(700_000)
    assert parse("480 MHz", "frequency").to("Hz").magnitude == pytest.approx(480e6)
    assert (ureg("1 token/s") * ureg("2 s")).to("token").magnitude == 2


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("80", "bytes", "not a size in bytes"),
        ("80 GB/s", "bytes", "not a size in bytes"),
        ("lots", "bytes", "cannot read"),
        (5, "power", "needs a unit"),
        (None, "power", "needs a unit"),
        ("-3 W", "power", "must not be negative"),
        ("3 TFLOP", "compute_rate", "not a compute rate"),
    ],
)
def test_bad_values_are_named(value: object, kind: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse(value, kind)


@given(st.text(max_size=30))
def test_parse_never_crashes(text: str) -> None:
    with contextlib.suppress(UnitError):
        parse(text, "bandwidth")
