"""`mlsysbook tinytorch`: run the Build pillar's milestones."""

from __future__ import annotations

import typer

from mlsysbook.cli.common import fail

app = typer.Typer(
    help="Build: TinyTorch, a deep-learning framework on NumPy.", no_args_is_help=True
)

EXIT_MISSED = 1


@app.command()
def milestone(number: int = typer.Argument(..., help="Which milestone (see `list`).")) -> None:
    """Train a milestone model, showing progress, its score and the wall time."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mlsysbook.tinytorch import milestones

    m = milestones.MILESTONES.get(number)
    if m is None:
        fail(f"no milestone {number}: choose one of {', '.join(map(str, milestones.MILESTONES))}")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[loss]}"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(f"{number}. {m.title}", total=None, loss="")

        def on_step(step: int, total: int, loss: float) -> None:
            bar.update(task, completed=step, total=total, loss=f"loss {loss:.4f}")

        outcome = milestones.run(number, on_step)
    verdict = "passed" if outcome.passed else "missed"
    typer.echo(
        f"{number}. {outcome.title}: {outcome.metric} {outcome.value:.2%} "
        f"(target {outcome.target:.0%}) in {outcome.seconds:.1f} s: {verdict}"
    )
    if not outcome.passed:
        raise typer.Exit(EXIT_MISSED)


@app.command("list")
def list_cmd() -> None:
    """The milestones and their targets."""
    from mlsysbook.tinytorch.milestones import MILESTONES

    for m in MILESTONES.values():
        goal = f"< {m.target:g}" if m.lower_is_better else f">= {m.target:.0%}"
        typer.echo(f"{m.number}. {m.title} ({m.metric} {goal})")
