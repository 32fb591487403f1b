from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session as DB

from mlsysbook.store.db import make_engine, make_sessionmaker


@pytest.fixture
def db(database_url: str) -> Iterator[DB]:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()
