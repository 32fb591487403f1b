"""What every command group shares: settings with a clear error, and exit codes."""

from __future__ import annotations

import os
from typing import NoReturn

import typer

from mlsysbook.config import ConfigError, Settings, load_settings

EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def settings(database_url: str | None = None) -> Settings:
    """Settings from the environment; ``--database-url`` wins and is exported so
    that server workers started after this see the same database."""
    if database_url:
        os.environ["MLSYSBOOK_DATABASE_URL"] = database_url
    try:
        return load_settings()
    except ConfigError as e:
        fail(str(e))


DATABASE_URL = typer.Option(
    None, "--database-url", help="SQLAlchemy URL (default: $MLSYSBOOK_DATABASE_URL or SQLite)."
)
