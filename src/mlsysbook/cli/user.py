"""`mlsysbook user`: accounts from the command line (e.g. the first instructor)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlsysbook.cli.common import DATABASE_URL, fail, settings

if TYPE_CHECKING:  # imported lazily at run time to keep `mlsysbook --help` fast
    from sqlalchemy.orm import Session as DB

    from mlsysbook.store.models import User

app = typer.Typer(help="Create accounts; export and import a learner's data.", no_args_is_help=True)


@app.command()
def create(
    email: str = typer.Option(..., prompt=True, help="Login email."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="MLSYSBOOK_PASSWORD",
        help="At least 10 characters (or set MLSYSBOOK_PASSWORD).",
    ),
    role: str = typer.Option("learner", help="learner or instructor."),
    name: str = typer.Option("", help="Display name (default: the part before @)."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Create an account."""
    from mlsysbook.store import accounts
    from mlsysbook.store.errors import StoreError

    with _db(database_url) as db:
        try:
            user = accounts.create_user(db, email, password, name, role=role)
        except StoreError as e:
            fail(str(e))
        db.commit()
        typer.echo(f"created {user.role} {user.email}")


@app.command("export")
def export_cmd(
    email: str,
    out: Path = typer.Option(Path("-"), "--out", "-o", help="File to write ('-' for stdout)."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Write everything an account owns as JSON."""
    from mlsysbook.store import portability

    with _db(database_url) as db:
        doc = json.dumps(portability.export_user(db, _find(db, email)), indent=2)
    if str(out) == "-":
        typer.echo(doc)
    else:
        out.write_text(doc + "\n")
        typer.echo(f"wrote {out}", err=True)


@app.command("import")
def import_cmd(
    email: str,
    file: Path = typer.Argument(..., help="A file written by `user export` or the web app."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Add an export file's data to an account (importing twice adds nothing)."""
    from mlsysbook.store import portability
    from mlsysbook.store.errors import InvalidInput

    try:
        raw = file.read_bytes()
    except OSError as e:
        fail(f"cannot read {file}: {e.strerror}")
    with _db(database_url) as db:
        try:
            counts = portability.import_into(db, _find(db, email).id, portability.parse_export(raw))
        except InvalidInput as e:
            fail(f"{file}: {e}")
        db.commit()
    typer.echo(f"imported {counts['notes']} new notes into {email}")


def _db(database_url: str | None) -> DB:
    from mlsysbook.store.db import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(settings(database_url).database_url))()


def _find(db: DB, email: str) -> User:
    from sqlalchemy import select

    from mlsysbook.store.models import User

    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        fail(f"no account with email {email!r}")
    return user
