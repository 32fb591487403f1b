"""Server-side sessions. The cookie holds a random token; the table holds only an
HMAC of it, so a copy of the database cannot be replayed as cookies."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DB

from mlsysbook.store.db import rows_affected
from mlsysbook.store.models import Session, User, utcnow

LIFETIME = timedelta(days=30)
COOKIE = "mlsysbook_session"


def keyed_hash(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


@dataclass
class Opened:
    token: str  # goes into the cookie, never into the database
    row: Session


def open_session(db: DB, secret: str, user: User | None = None) -> Opened:
    token = secrets.token_urlsafe(32)
    row = Session(
        id_hash=keyed_hash(secret, token),
        user=user,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + LIFETIME,
    )
    db.add(row)
    db.flush()
    return Opened(token, row)


def find_session(db: DB, secret: str, token: str, now: datetime | None = None) -> Session | None:
    if not token or len(token) > 100:
        return None
    row = db.get(Session, keyed_hash(secret, token))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row


def rotate(db: DB, secret: str, old: Session | None, user: User | None) -> Opened:
    """A fresh id (and CSRF token) for a privilege change; the old id stops working."""
    if old is not None:
        db.execute(delete(Session).where(Session.id_hash == old.id_hash))
    return open_session(db, secret, user)


def close_session(db: DB, row: Session) -> None:
    db.execute(delete(Session).where(Session.id_hash == row.id_hash))


def prune(db: DB, now: datetime | None = None) -> int:
    """Delete expired sessions, and anonymous users no live session points at."""
    now = now or utcnow()
    gone = rows_affected(db, delete(Session).where(Session.expires_at <= now))
    live = select(Session.user_id).where(Session.user_id.is_not(None))
    return gone + rows_affected(db, delete(User).where(User.email.is_(None), User.id.not_in(live)))
