"""Accounts: argon2 password hashes, sign-up that keeps an anonymous visitor's data,
log-in that merges it, password change and deletion."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session as DB

from mlsysbook.store import progress
from mlsysbook.store.errors import EmailTaken, InvalidCredentials, InvalidInput
from mlsysbook.store.models import ROLES, Base, Session, User

EMAIL = re.compile(r"^[^@\s\x00]{1,64}@[^@\s\x00]{1,189}\.[^@\s.\x00]{2,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


@cache
def _dummy_hash() -> str:
    return hasher().hash("timing equaliser for unknown emails")


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput("Enter a valid email address, like ada@example.org.")
    return email


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"Passwords are limited to {MAX_PASSWORD} characters.")
    return password


def check_display_name(raw: str) -> str:
    name = " ".join(raw.replace("\x00", "").split())
    if len(name) > 80:
        raise InvalidInput("Display names are limited to 80 characters.")
    return name


def create_user(
    db: DB,
    email: str,
    password: str,
    display_name: str = "",
    role: str = "learner",
    adopt: User | None = None,
) -> User:
    """Register an account. ``adopt`` is the visitor's anonymous user, upgraded in place
    so that everything it owns stays with the new account."""
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    email = normalise_email(email)
    pw_hash = hasher().hash(check_password(password))
    name = check_display_name(display_name) or email.split("@")[0]
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken("An account with this email already exists. Log in instead.")
    user = adopt if adopt is not None and adopt.is_anonymous else User()
    user.email, user.password_hash, user.display_name, user.role = email, pw_hash, name, role
    db.add(user)
    db.flush()
    return user


def authenticate(db: DB, email: str, password: str) -> User:
    """The user with these credentials, or InvalidCredentials with one generic message."""
    generic = InvalidCredentials("Email or password is incorrect.")
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.password_hash is None:
        _verify(_dummy_hash(), password)  # spend the same time as a real check
        raise generic
    if not _verify(user.password_hash, password):
        raise generic
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    return user


def _verify(pw_hash: str, password: str) -> bool:
    try:
        return hasher().verify(pw_hash, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return False


def change_password(db: DB, user: User, current: str, new: str) -> None:
    if user.password_hash is None or not _verify(user.password_hash, current):
        raise InvalidCredentials("Your current password is incorrect.")
    user.password_hash = hasher().hash(check_password(new))
    # Every other session of this account ends; the caller rotates the current one.
    db.execute(delete(Session).where(Session.user_id == user.id))


def delete_account(db: DB, user: User, password: str) -> None:
    if user.password_hash is None or not _verify(user.password_hash, password):
        raise InvalidCredentials("Your password is incorrect.")
    db.delete(user)
    db.flush()


def owned_tables() -> list[str]:
    """Tables whose rows belong to a learner (they point at users.id), sessions aside."""
    return [
        t.name
        for t in Base.metadata.sorted_tables
        if t.name != Session.__tablename__
        and any(fk.column.table.name == User.__tablename__ for fk in t.foreign_keys)
    ]


def merge_into(db: DB, source: User, target: User) -> None:
    """Move everything an anonymous visitor did into the account they logged in to."""
    if not source.is_anonymous or source.id == target.id:
        return
    progress.drop_overlap(db, source.id, target.id)
    for name in owned_tables():
        table = Base.metadata.tables[name]
        db.execute(update(table).where(table.c.user_id == source.id).values(user_id=target.id))
    # A Core delete: the ORM cascade would otherwise delete rows it still holds in memory.
    db.execute(delete(User).where(User.id == source.id))
    db.expunge(source)
