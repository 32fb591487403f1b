"""Shared fixtures: a fresh database per test, on SQLite and (when available) on a
throwaway PostgreSQL cluster started from Debian's package."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mlsysbook.config import Settings, normalise_database_url
from mlsysbook.store import migrate

REQUIRE_POSTGRES = os.environ.get("MLSYSBOOK_REQUIRE_POSTGRES") == "1"
# Caches (parsed registries…) go to a throwaway folder, inherited by CLI subprocesses,
# and removed when the run ends.
os.environ["MLSYSBOOK_CACHE_DIR"] = _CACHE = tempfile.mkdtemp(prefix="mlsysbook-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


def _pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A server URL (without database). Uses MLSYSBOOK_TEST_POSTGRES_URL if set,
    else starts a throwaway cluster: initdb + pg_ctl, as the postgres user when root."""
    given = os.environ.get("MLSYSBOOK_TEST_POSTGRES_URL")
    if given:
        yield given.rsplit("/", 1)[0]
        return
    pg = _pg_bin()
    if pg is None:
        if REQUIRE_POSTGRES:
            pytest.fail(
                "PostgreSQL is required (MLSYSBOOK_REQUIRE_POSTGRES=1) but initdb is missing"
            )
        pytest.skip("PostgreSQL is not installed")
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="mlsysbook-pg-"))
    if as_user:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()
    run = {"check": True, "capture_output": True}
    subprocess.run(
        [
            *as_user,
            str(pg / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
        ],
        **run,
    )  # type: ignore[call-overload]
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"
    subprocess.run(
        [
            *as_user,
            str(pg / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(root / "log"),
            "-w",
            "start",
        ],
        **run,
    )  # type: ignore[call-overload]
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_user, str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def fresh_postgres_db(server: str) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # name is ours, not user input
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = normalise_database_url(fresh_postgres_db(request.getfixturevalue("postgres_server")))
    migrate.upgrade(url)
    return url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate.upgrade(url)
    return Settings(data_dir=tmp_path, database_url=url, secret_key="test-secret-" + "x" * 20)


def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError("condition not met in time")


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]


def start_server(data_dir: Path, *extra: str, database_url: str | None = None) -> LiveServer:
    """`mlsysbook serve` in a subprocess, returned once /healthz answers."""
    port = _free_port()
    full_env = {**os.environ, "MLSYSBOOK_DATA_DIR": str(data_dir)}
    full_env.pop("MLSYSBOOK_DATABASE_URL", None)
    if database_url:
        full_env["MLSYSBOOK_DATABASE_URL"] = database_url
    cmd = [sys.executable, "-m", "mlsysbook", "serve", "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {out}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    wait_for(up, timeout=30)
    return LiveServer(url, data_dir, proc)


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "var")
    yield server
    stop_server(server)


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = "Debian chromium is needed for browser tests: apt-get install chromium"
        if os.environ.get("MLSYSBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()
