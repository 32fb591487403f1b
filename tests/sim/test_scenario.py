"""Scenario files and their assertions."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlsysbook.sim.scenario import Scenario, ScenarioError, check, json_schema, load

RESULT = {"ttft_ms": 120.0, "itl_ms": 9.5, "memory_gb": 40.2, "fits": True, "model": "x"}


def scenario(*asserts: str) -> Scenario:
    return Scenario.model_validate(
        {"model": "llama3-8b", "hardware": "h100", "constraints": [{"assert": a} for a in asserts]}
    )


def test_assertions_pass_and_fail() -> None:
    v = check(
        scenario("ttft_ms < 200", "itl_ms>=10", "fits", "not fits", "memory_gb == 40.2"), RESULT
    )
    assert [x.passed for x in v] == [True, False, True, False, True]
    assert v[0].value == 120.0


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("ttft < 200", "no field 'ttft'"),
        ("ttft_ms <", "cannot read assert"),
        ("__import__('os')", "cannot read assert"),
        ("ttft_ms", "not true/false"),
        ("model > 3", "cannot compare"),
        ("ttft_ms < 1e", "cannot compare"),
    ],
)
def test_bad_assertions_are_explained(expression: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        check(scenario(expression), RESULT)


@given(st.text(max_size=40))
def test_assertion_parser_never_crashes(expression: str) -> None:
    with contextlib.suppress(ScenarioError):
        check(scenario(expression), RESULT)


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    cases = {
        "a.yaml": ("model: [x\n", "not valid YAML"),
        "b.yaml": ("- just a list\n", "expected a mapping"),
        "c.yaml": ("model: x\n", "hardware"),
        "d.yaml": ("model: x\nhardware: y\nbatch: 0\n", "batch"),
        "e.yaml": ("model: x\nhardware: y\ncolour: red\n", "colour"),
        "f.yaml": ("model: x\nhardware: y\nprecision: fp7\n", "precision"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(ScenarioError, match=message) as e:
            load(path)
        assert name in str(e.value)
    with pytest.raises(ScenarioError, match="cannot read"):
        load(tmp_path / "missing.yaml")


def test_schema_describes_the_fields() -> None:
    schema = json_schema()
    assert {"model", "hardware", "batch", "seq_len", "output_len", "constraints"} <= set(
        schema["properties"]
    )
    assert schema["additionalProperties"] is False
