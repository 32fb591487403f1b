"""The `mlsysbook` command: version, fast help, database, users, serve."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlsysbook import __version__
from mlsysbook.cli.main import app
from tests.conftest import fresh_postgres_db, start_server, stop_server

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MLSYSBOOK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MLSYSBOOK_DATABASE_URL", raising=False)
    monkeypatch.delenv("MLSYSBOOK_SECRET_KEY", raising=False)
    return tmp_path / "var"


def test_version() -> None:
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"mlsysbook {__version__}"


def test_help_imports_no_pillar_or_server() -> None:
    """`--help` stays fast because nothing heavy is imported until a command runs."""
    code = (
        "import sys; from mlsysbook.cli.main import app; "
        "print(','.join(m for m in ('sqlalchemy', 'fastapi', 'uvicorn', 'alembic', 'argon2') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_lists_commands() -> None:
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    for command in ("serve", "db", "user"):
        assert command in r.output


def test_db_upgrade_creates_the_database_and_secret(env: Path) -> None:
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 0, r.output
    assert (env / "mlsysbook.db").exists()
    secret = env / "secret_key"
    assert secret.stat().st_mode & 0o777 == 0o600 and len(secret.read_text()) >= 32
    r = runner.invoke(app, ["db", "current"])
    assert "applied: 0002" in r.output and "latest:  0002" in r.output


def test_bad_database_url_is_exit_2(env: Path) -> None:
    r = runner.invoke(app, ["db", "upgrade", "--database-url", "mysql://x"])
    assert r.exit_code == 2 and "not supported" in r.output
    r = runner.invoke(app, ["db", "upgrade", "--database-url", "postgresql://u@127.0.0.1:1/x"])
    assert r.exit_code == 2 and "cannot reach the database" in r.output


def test_user_create_export_import(env: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    r = runner.invoke(
        app,
        ["user", "create", "--email", "Prof@Example.org", "--role", "instructor"],
        input="a long password\na long password\n",
    )
    assert r.exit_code == 0 and "created instructor prof@example.org" in r.output
    r = runner.invoke(
        app, ["user", "create", "--email", "prof@example.org", "--password", "x" * 12]
    )
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(app, ["user", "create", "--email", "x@example.org", "--password", "short"])
    assert r.exit_code == 2 and "at least 10" in r.output
    r = runner.invoke(
        app,
        ["user", "create", "--email", "y@example.org", "--password", "x" * 12, "--role", "root"],
    )
    assert r.exit_code == 2 and "Unknown role" in r.output

    out = tmp_path / "export.json"
    r = runner.invoke(app, ["user", "export", "prof@example.org", "-o", str(out)])
    assert r.exit_code == 0 and json.loads(out.read_text())["profile"]["role"] == "instructor"
    r = runner.invoke(app, ["user", "import", "prof@example.org", str(out)])
    assert r.exit_code == 0 and "imported 0 new notes" in r.output
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = runner.invoke(app, ["user", "import", "prof@example.org", str(bad)])
    assert r.exit_code == 2 and "not a valid MLSysBook export" in r.output
    r = runner.invoke(app, ["user", "import", "prof@example.org", str(tmp_path / "missing.json")])
    assert r.exit_code == 2 and "cannot read" in r.output
    r = runner.invoke(app, ["user", "export", "nobody@example.org"])
    assert r.exit_code == 2 and "no account" in r.output


def test_db_prune(env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    r = runner.invoke(app, ["db", "prune"])
    assert r.exit_code == 0 and "removed 0 rows" in r.output


def test_serve_answers_healthz(tmp_path: Path) -> None:
    server = start_server(tmp_path / "var")
    try:
        with urllib.request.urlopen(server.url + "/healthz") as r:
            assert json.load(r)["status"] == "ok"
    finally:
        stop_server(server)


@pytest.mark.postgres
def test_serve_with_workers_on_postgresql(tmp_path: Path, postgres_server: str) -> None:
    """Several workers share one PostgreSQL: a session made by one is valid on all."""
    url = fresh_postgres_db(postgres_server)
    server = start_server(tmp_path / "var", "--workers", "2", database_url=url)
    try:
        with urllib.request.urlopen(server.url + "/healthz") as r:
            assert json.load(r)["database"] == "postgresql"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        token = json.load(opener.open(server.url + "/api/v1/me"))["csrf_token"]
        for i in range(6):  # spread over both workers by the kernel
            req = urllib.request.Request(
                server.url + "/api/v1/notes",
                data=json.dumps({"title": f"n{i}"}).encode(),
                headers={"content-type": "application/json", "X-CSRF-Token": token},
            )
            assert opener.open(req).status == 201
        assert len(json.load(opener.open(server.url + "/api/v1/notes"))) == 6
    finally:
        stop_server(server)
