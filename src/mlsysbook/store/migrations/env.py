"""Alembic environment: runs migrations online against the configured URL."""

from __future__ import annotations

from alembic import context

from mlsysbook.store.db import make_engine
from mlsysbook.store.models import Base

url = context.config.get_main_option("sqlalchemy.url")
assert url is not None
engine = make_engine(url)
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,  # SQLite can only ALTER through table copies
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
