"""Configuration from the environment, read once per process.

MLSYSBOOK_DATA_DIR      where SQLite and the generated secret live (default: ./var)
MLSYSBOOK_DATABASE_URL  SQLAlchemy URL; postgresql:// uses psycopg 3 (default: SQLite in data dir)
MLSYSBOOK_SECRET_KEY    keys session and rate-limit hashes (default: generated into the data dir)
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SECRET_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)


class ConfigError(Exception):
    """A setting a user can fix."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("postgresql+psycopg://", "sqlite://", "sqlite+pysqlite://")):
        return url
    raise ConfigError(
        f"MLSYSBOOK_DATABASE_URL {url!r} is not supported: use sqlite:///PATH "
        "or postgresql://USER:PASSWORD@HOST:PORT/DB"
    )


def _secret_from_file(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL: when several workers start at once, exactly one writes the key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("MLSYSBOOK_DATA_DIR") or "var").resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"cannot create data directory {data_dir}: {e.strerror}") from e
    url = env.get("MLSYSBOOK_DATABASE_URL") or f"sqlite:///{data_dir / 'mlsysbook.db'}"
    secret = env.get("MLSYSBOOK_SECRET_KEY") or _secret_from_file(data_dir)
    if len(secret) < 16:
        raise ConfigError("MLSYSBOOK_SECRET_KEY must be at least 16 characters long")
    return Settings(data_dir=data_dir, database_url=normalise_database_url(url), secret_key=secret)
