"""`mlsysbook db`: migrations and housekeeping."""

from __future__ import annotations

import typer

from mlsysbook.cli.common import DATABASE_URL, fail, settings

app = typer.Typer(help="Database migrations and housekeeping.", no_args_is_help=True)


def apply_migrations(url: str) -> None:
    from sqlalchemy.exc import OperationalError

    from mlsysbook.store import migrate

    try:
        migrate.upgrade(url)
    except OperationalError as e:
        fail(f"cannot reach the database: {e.orig}")


@app.command()
def upgrade(database_url: str | None = DATABASE_URL) -> None:
    """Apply every pending migration (safe to run again)."""
    url = settings(database_url).database_url
    apply_migrations(url)
    typer.echo("database is up to date")


@app.command()
def current(database_url: str | None = DATABASE_URL) -> None:
    """Print the applied and the latest migration."""
    from mlsysbook.store import migrate
    from mlsysbook.store.db import make_engine

    engine = make_engine(settings(database_url).database_url)
    typer.echo(f"applied: {migrate.current_revision(engine) or 'none'}")
    typer.echo(f"latest:  {migrate.head_revision()}")


@app.command()
def prune(database_url: str | None = DATABASE_URL) -> None:
    """Delete expired sessions, abandoned guest data and old login failures."""
    from mlsysbook.store import ratelimit, sessions
    from mlsysbook.store.db import make_engine, make_sessionmaker

    engine = make_engine(settings(database_url).database_url)
    with make_sessionmaker(engine)() as db:
        removed = sessions.prune(db) + ratelimit.prune(db)
        db.commit()
    typer.echo(f"removed {removed} rows")
