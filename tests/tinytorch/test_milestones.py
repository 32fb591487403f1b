"""Each milestone trains for real and must reach its target."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mlsysbook.cli.main import app
from mlsysbook.tinytorch import milestones


@pytest.mark.parametrize("number", sorted(milestones.MILESTONES))
def test_milestone_reaches_its_target(number: int) -> None:
    steps: list[int] = []
    outcome = milestones.run(number, lambda step, total, loss: steps.append(step))
    assert outcome.passed, f"{outcome.title}: {outcome.value:.3f} < {outcome.target}"
    assert steps and steps[-1] == len(steps)


def test_cli_milestone_and_list() -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["tinytorch", "milestone", "2"])
    assert r.exit_code == 0 and "accuracy 100.00%" in r.output and "passed" in r.output
    r = runner.invoke(app, ["tinytorch", "milestone", "99"])
    assert r.exit_code == 2 and "no milestone 99" in r.output
    r = runner.invoke(app, ["tinytorch", "list"])
    assert r.exit_code == 0 and "4. CNN on handwritten digits" in r.output
