"""`mlsysbook serve`: the web app under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from mlsysbook.cli.common import DATABASE_URL, fail, settings


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, min=1, max=64, help="Worker processes (use PostgreSQL for many)."
    ),
    database_url: str | None = DATABASE_URL,
    migrate: bool = typer.Option(True, help="Apply pending migrations before starting."),
    book: Path | None = typer.Option(
        None,
        "--book",
        help="Serve this Quarto book (a checkout of the textbook, or its _quarto.yml) "
        "instead of the starter edition.",
    ),
    execute: bool = typer.Option(
        False, "--execute", help="Run that book's Python cells (in a subprocess per chapter)."
    ),
) -> None:
    """Serve the web app (migrations are applied first)."""
    import uvicorn

    from mlsysbook.cli.db import apply_migrations

    if book is not None:
        from mlsysbook.book.project import BookError, find_config
        from mlsysbook.web.routes.read import BOOK_ENV, EXECUTE_ENV

        try:
            find_config(book)  # fail now with a clear message, not on the first page view
        except BookError as e:
            fail(str(e))
        # Workers are separate processes: they read the book's location from the environment.
        os.environ[BOOK_ENV] = str(book.resolve())
        os.environ[EXECUTE_ENV] = "1" if execute else "0"
    os.environ["MLSYSBOOK_PRELOAD_BOOK"] = "1"  # workers load the book as they start
    s = settings(database_url)
    if migrate:
        apply_migrations(s.database_url)
    where = "SQLite at " + s.database_url.split("///", 1)[-1] if s.is_sqlite else "PostgreSQL"
    typer.echo(f"MLSysBook on http://{host}:{port} ({where}, {workers} worker(s))")
    try:
        uvicorn.run(
            "mlsysbook.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,  # trusts X-Forwarded-* from FORWARDED_ALLOW_IPS (default 127.0.0.1)
            log_level="warning",
            access_log=False,
        )
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror}")
