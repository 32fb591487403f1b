"""Entry point: `mlsysbook [--version] COMMAND`."""

from __future__ import annotations

import typer

from mlsysbook import __version__
from mlsysbook.cli import book, db, serve, sim, tinytorch, user

app = typer.Typer(
    name="mlsysbook",
    help="Learn machine-learning systems engineering: read, build, model, test, deploy, teach.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(user.app, name="user")
app.add_typer(book.app, name="book")
app.add_typer(sim.app, name="sim")
app.add_typer(tinytorch.app, name="tinytorch")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlsysbook {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """MLSysBook: learn machine-learning systems engineering, offline."""


def run() -> None:
    app()
