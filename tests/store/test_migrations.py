"""The same migrations build the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from mlsysbook.store import migrate
from mlsysbook.store.db import make_engine
from mlsysbook.store.models import Base


def test_schema_matches_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_upgrade_is_idempotent_and_reversible(database_url: str) -> None:
    migrate.upgrade(database_url)  # second run: nothing to do
    migrate.downgrade(database_url, "base")
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    assert {"users", "sessions", "notes", "login_failures"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_sqlite_uses_wal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'w.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
