"""Server-side sessions. The cookie holds a random token; the table holds only an
HMAC of it, so a copy of the database cannot be replayed as cookies.

Every request with a cookie looks its session up, so the lookup is one indexed Core
query that returns a small frozen ``Identity`` (no ORM objects to build)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session as DB

from mlsysbook.store.db import rows_affected
from mlsysbook.store.models import Session, User, utcnow

LIFETIME = timedelta(days=30)
COOKIE = "mlsysbook_session"

_sessions, _users = Session.__table__, User.__table__
_LOOKUP = (
    select(
        _sessions.c.id_hash,
        _sessions.c.csrf_token,
        _sessions.c.expires_at,
        _users.c.id,
        _users.c.email,
        _users.c.display_name,
        _users.c.role,
    )
    .select_from(_sessions.outerjoin(_users, _users.c.id == _sessions.c.user_id))
    .where(_sessions.c.id_hash == bindparam("id_hash"))
)


@dataclass(frozen=True)
class Identity:
    """Who is behind a session: nobody yet, a guest (a user without email), or a member."""

    id_hash: str
    csrf_token: str
    user_id: int | None = None
    email: str | None = None
    display_name: str = ""
    role: str = "learner"

    @property
    def is_member(self) -> bool:
        return self.email is not None


def keyed_hash(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Opened:
    token: str  # goes into the cookie, never into the database
    identity: Identity


def _identity(id_hash: str, csrf_token: str, user: User | None) -> Identity:
    if user is None:
        return Identity(id_hash, csrf_token)
    return Identity(id_hash, csrf_token, user.id, user.email, user.display_name, user.role)


def open_session(db: DB, secret: str, user: User | None = None) -> Opened:
    token = secrets.token_urlsafe(32)
    row = Session(
        id_hash=keyed_hash(secret, token),
        user_id=user.id if user else None,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + LIFETIME,
    )
    db.add(row)
    db.flush()
    return Opened(token, _identity(row.id_hash, row.csrf_token, user))


def find_session(db: DB, secret: str, token: str, now: datetime | None = None) -> Identity | None:
    if not token or len(token) > 100:
        return None
    found = db.execute(_LOOKUP, {"id_hash": keyed_hash(secret, token)}).first()
    if found is None:
        return None
    id_hash, csrf_token, expires_at, user_id, email, display_name, role = found
    if expires_at <= (now or utcnow()):
        return None
    if user_id is None:
        return Identity(id_hash, csrf_token)
    return Identity(id_hash, csrf_token, user_id, email, display_name, role)


def attach_user(db: DB, identity: Identity, user: User) -> Identity:
    """Give a session its (guest) user."""
    db.execute(update(Session).where(Session.id_hash == identity.id_hash).values(user_id=user.id))
    return _identity(identity.id_hash, identity.csrf_token, user)


def rotate(db: DB, secret: str, old: Identity | None, user: User | None) -> Opened:
    """A fresh id (and CSRF token) for a privilege change; the old id stops working."""
    if old is not None:
        close_session(db, old)
    return open_session(db, secret, user)


def close_session(db: DB, identity: Identity) -> None:
    db.execute(delete(Session).where(Session.id_hash == identity.id_hash))


def prune(db: DB, now: datetime | None = None) -> int:
    """Delete expired sessions, and anonymous users no live session points at."""
    now = now or utcnow()
    gone = rows_affected(db, delete(Session).where(Session.expires_at <= now))
    live = select(Session.user_id).where(Session.user_id.is_not(None))
    return gone + rows_affected(db, delete(User).where(User.email.is_(None), User.id.not_in(live)))
