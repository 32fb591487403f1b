"""Login throttling kept in the database, so every worker and server sees the same count."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DB

from mlsysbook.store.db import rows_affected
from mlsysbook.store.models import LoginFailure, utcnow

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 10  # failures for one email inside WINDOW
MAX_PER_CLIENT = 50  # failures from one address inside WINDOW (many emails)


def blocked_for(db: DB, keys: dict[str, int], now: datetime | None = None) -> int:
    """Seconds until the next attempt is allowed for the most limited key, 0 if allowed.
    ``keys`` maps a hashed key to its limit."""
    now = now or utcnow()
    wait = 0
    for key, limit in keys.items():
        times = db.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.key == key, LoginFailure.at > now - WINDOW)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        ).all()
        if len(times) >= limit:
            wait = max(wait, int((times[-1] + WINDOW - now).total_seconds()) + 1)
    return wait


def record_failure(db: DB, keys: list[str]) -> None:
    db.add_all(LoginFailure(key=k) for k in keys)


def clear(db: DB, key: str) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.key == key))


def prune(db: DB, now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - WINDOW
    return rows_affected(db, delete(LoginFailure).where(LoginFailure.at <= cutoff))
