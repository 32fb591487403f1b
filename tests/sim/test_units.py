from __future__ import annotations

import contextlib
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlsysbook.sim import units
from mlsysbook.sim.units import UnitError, si


def test_prefixes_and_custom_units() -> None:
    assert si("989.4 TFLOP/s", "compute_rate") == pytest.approx(989.4e12)
    assert si("80 GiB", "bytes") == 80 * 2**30
    assert si("3.35 TB/s", "bandwidth") == pytest.approx(3.35e12)
    assert si("25 Gb/s", "bandwidth") == pytest.approx(25e9 / 8)
    assert si("700 mW", "power") == pytest.approx(0.7)
    assert si("480 MHz", "frequency") == pytest.approx(480e6)
    ureg = units.registry()
    assert (ureg("1 token/s") * ureg("2 s")).to("token").magnitude == 2


def test_forms_beyond_the_fast_path_go_through_pint() -> None:
    assert si("3.35 terabyte / second", "bandwidth") == pytest.approx(3.35e12)
    assert si("1 kFLOP / ms", "compute_rate") == pytest.approx(1e6)
    assert si("2 * 40 GB", "bytes") == pytest.approx(80e9)


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("80", "bytes", "not a size in bytes"),
        ("80 GB/s", "bytes", "not a size in bytes"),
        ("80 GB", "bandwidth", "not a bandwidth"),
        ("lots", "bytes", "cannot read"),
        (5, "power", "needs a unit"),
        (True, "power", "needs a unit"),
        (None, "power", "needs a unit"),
        ("-3 W", "power", "must not be negative"),
        ("3 TFLOP", "compute_rate", "not a compute rate"),
    ],
)
def test_bad_values_are_named(value: object, kind: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        si(value, kind)


@given(st.text(max_size=30))
def test_si_never_crashes(text: str) -> None:
    with contextlib.suppress(UnitError):
        si(text, "bandwidth")


PREFIXES = ["", "n", "u", "m", "k", "K", "M", "G", "T", "P", "Ki", "Mi", "Gi", "Ti"]
UNITS = [("FLOP/s", "compute_rate"), ("B", "bytes"), ("b/s", "bandwidth"), ("W", "power")]


@given(
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.sampled_from(PREFIXES),
    st.sampled_from(UNITS),
    st.sampled_from(["", " "]),
)
def test_fast_path_agrees_with_pint(
    mag: float, prefix: str, unit: tuple[str, str], gap: str
) -> None:
    symbol, kind = unit
    text = f"{mag!r}{gap}{prefix}{symbol}"
    assert units._fast(text) is not None
    q: Any = units.registry().Quantity(text)
    assert si(text, kind) == pytest.approx(q.to(units.SI_UNIT[kind]).magnitude, rel=1e-12)


def test_answering_a_question_imports_neither_pint_nor_numpy() -> None:
    """Cold-start budget: one answer needs neither (the CLI's `sim eval` path)."""
    code = (
        "import sys; from mlsysbook import sim; import mlsysbook.cli.main; "
        "r = sim.evaluate('llama3-8b', 'h100'); r.to_json(); "
        "sim.train_step('llama3-8b', 'h100', batch=8).to_json(); "
        "assert 'pint' not in sys.modules and 'numpy' not in sys.modules, 'imported'; "
        "print(sim.hardware('h100').memory.bandwidth, r.ttft); "
        "assert 'pint' in sys.modules"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[:2] == ["3.35", "TB/s"]


def test_pint_quantities_are_accepted_and_non_finite_values_refused() -> None:
    q = units.registry().Quantity(3.35, "TB/s")
    assert si(q, "bandwidth") == pytest.approx(3.35e12)
    for text in ("nan GB", "inf GB", "1e400 GB"):
        with pytest.raises(UnitError, match="finite"):
            si(text, "bytes")
