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
from mlsysbook.store.models import User
from mlsysbook.store.sessions import Identity

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
    identity: Identity | None = None
    secret: str = field(default="", repr=False)

    @property
    def owner_id(self) -> int | None:
        """The id of the user (guest or member) whose data this visitor sees."""
        return self.identity.user_id if self.identity else None

    @property
    def account(self) -> Identity | None:
        """The signed-up member, if any (a guest does not count)."""
        return self.identity if self.identity and self.identity.is_member else None

    @property
    def csrf_token(self) -> str:
        return self.identity.csrf_token if self.identity else ""

    def user(self) -> User | None:
        """The ORM user, loaded only by routes that change it."""
        return self.db.get(User, self.owner_id) if self.owner_id is not None else None

    def ensure_session(self) -> Identity:
        if self.identity is None:
            self._adopt(sessions.open_session(self.db, self.secret))
            self.db.commit()
        assert self.identity is not None
        return self.identity

    def ensure_owner(self) -> int:
        """The visitor's user id, creating a guest user for a first save."""
        identity = self.ensure_session()
        if identity.user_id is None:
            guest = User(email=None, display_name="Guest")
            self.db.add(guest)
            self.db.flush()
            self.identity = identity = sessions.attach_user(self.db, identity, guest)
        assert identity.user_id is not None
        return identity.user_id

    def start(self, user: User | None) -> None:
        """Log in (or out): a new session id, so a fixed id cannot be carried across."""
        self._adopt(sessions.rotate(self.db, self.secret, self.identity, user))

    def _adopt(self, opened: sessions.Opened) -> None:
        self.identity = opened.identity
        self.request.state.session_cookie = opened.token

    def end(self) -> None:
        if self.identity is not None:
            sessions.close_session(self.db, self.identity)
        self.identity = None
        self.request.state.session_cookie = ""


async def get_visitor(request: Request, db: DB = Depends(get_db)) -> Visitor:
    secret = settings(request).secret_key
    token = request.cookies.get(sessions.COOKIE, "")
    visitor = Visitor(request, db, sessions.find_session(db, secret, token), secret)
    request.state.visitor = visitor  # for pages rendered outside a route (error pages)
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
    user = visitor.user() if visitor.account else None
    if user is None:
        raise HTTPException(401, "Log in to continue.")
    return user
