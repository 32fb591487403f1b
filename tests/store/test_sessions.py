from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DB

from mlsysbook.store import ratelimit, sessions
from mlsysbook.store.models import Session, User, utcnow

SECRET = "s" * 32


def test_only_a_keyed_hash_is_stored(db: DB) -> None:
    opened = sessions.open_session(db, SECRET)
    db.commit()
    stored = db.scalars(select(Session.id_hash)).all()
    assert stored == [sessions.keyed_hash(SECRET, opened.token)]
    assert opened.token not in stored
    assert sessions.find_session(db, SECRET, opened.token) is not None
    assert sessions.find_session(db, "another secret key!!", opened.token) is None
    assert sessions.find_session(db, SECRET, "forged") is None
    assert sessions.find_session(db, SECRET, "x" * 5000) is None


def test_expired_sessions_are_ignored_and_pruned(db: DB) -> None:
    opened = sessions.open_session(db, SECRET)
    db.commit()
    later = utcnow() + sessions.LIFETIME + timedelta(seconds=1)
    assert sessions.find_session(db, SECRET, opened.token, now=later) is None
    assert sessions.prune(db, now=later) == 1


def test_rotate_invalidates_the_old_id(db: DB) -> None:
    user = User(email="a@example.org", display_name="a")
    db.add(user)
    old = sessions.open_session(db, SECRET)
    db.flush()
    new = sessions.rotate(db, SECRET, old.identity, user)
    db.commit()
    assert new.token != old.token and new.identity.csrf_token != old.identity.csrf_token
    assert sessions.find_session(db, SECRET, old.token) is None
    found = sessions.find_session(db, SECRET, new.token)
    assert found == new.identity and found.is_member and found.email == "a@example.org"


def test_prune_drops_abandoned_guests_only(db: DB) -> None:
    guest, kept_guest = User(email=None), User(email=None)
    member = User(email="m@example.org")
    db.add_all([guest, kept_guest, member])
    db.flush()
    sessions.open_session(db, SECRET, kept_guest)
    db.commit()
    assert sessions.prune(db) == 1
    assert db.get(User, guest.id) is None
    assert db.get(User, kept_guest.id) is not None and db.get(User, member.id) is not None


def test_rate_limit_counts_failures_in_a_window(db: DB) -> None:
    limits = {"k": 3}
    assert ratelimit.blocked_for(db, limits) == 0
    for _ in range(3):
        ratelimit.record_failure(db, ["k"])
    db.commit()
    wait = ratelimit.blocked_for(db, limits)
    assert 0 < wait <= ratelimit.WINDOW.total_seconds() + 1
    later = utcnow() + ratelimit.WINDOW + timedelta(seconds=1)
    assert ratelimit.blocked_for(db, limits, now=later) == 0
    assert ratelimit.prune(db, now=later) == 3
    ratelimit.record_failure(db, ["k"])
    ratelimit.clear(db, "k")
    assert ratelimit.blocked_for(db, limits) == 0
