"""Who is asking: the session behind the cookie, its user, and the CSRF check.

Sessions are created lazily (a page with a form, or a first save), so a visitor who
only reads costs no database write.

Routes and dependencies are ``async`` and run their short database calls on the event
loop: a hop to the thread pool costs more than an indexed lookup, and threads that
fight over the GIL under load cost far more. CPU-heavy work (argon2) goes to the
thread pool explicitly."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session as DB

from mlsysbook.config import Settings
from mlsysbook.store import sessions
from mlsysbook.store.models import Session, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


async def get_db(request: Request) -> AsyncIterator[DB]:
    with request.app.state.db() as db:
        yield db


def settings(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


@dataclass
class Visitor:
    request: Request
    db: DB
    session: Session | None = None
    secret: str = field(default="", repr=False)

    @property
    def user(self) -> User | None:
        return self.session.user if self.session else None

    @property
    def account(self) -> User | None:
        """The signed-up user, if any (an anonymous visitor's user does not count)."""
        user = self.user
        return None if user is None or user.is_anonymous else user

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""

    def ensure_session(self) -> Session:
        if self.session is None:
            self._adopt(sessions.open_session(self.db, self.secret))
            self.db.commit()
        assert self.session is not None
        return self.session

    def ensure_user(self) -> User:
        """The visitor's user, creating an anonymous one for a first save."""
        row = self.ensure_session()
        if row.user is None:
            row.user = User(email=None, display_name="Guest")
            self.db.flush()
        return row.user

    def start(self, user: User | None) -> None:
        """Log in (or out): a new session id, so a fixed id cannot be carried across."""
        self._adopt(sessions.rotate(self.db, self.secret, self.session, user))

    def _adopt(self, opened: sessions.Opened) -> None:
        self.session = opened.row
        self.request.state.session_cookie = opened.token

    def end(self) -> None:
        if self.session is not None:
            sessions.close_session(self.db, self.session)
        self.session = None
        self.request.state.session_cookie = ""


async def get_visitor(request: Request, db: DB = Depends(get_db)) -> Visitor:
    cached: Visitor | None = getattr(request.state, "visitor", None)
    if cached is not None:
        return cached
    secret = settings(request).secret_key
    token = request.cookies.get(sessions.COOKIE, "")
    visitor = Visitor(request, db, sessions.find_session(db, secret, token), secret)
    request.state.visitor = visitor
    return visitor


async def csrf_guard(request: Request, visitor: Visitor = Depends(get_visitor)) -> None:
    """Every state-changing request carries the session's token, in a form field or header."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = visitor.csrf_token
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(
            403, "The form expired or did not come from this site. Reload the page and try again."
        )


async def require_account(visitor: Visitor = Depends(get_visitor)) -> User:
    user = visitor.account
    if user is None:
        raise HTTPException(401, "Log in to continue.")
    return user
