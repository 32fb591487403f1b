from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session as DB

from mlsysbook.store import accounts, notes, sessions
from mlsysbook.store.errors import EmailTaken, InvalidCredentials, InvalidInput
from mlsysbook.store.models import Note, Session, User

PW = "correct horse battery"


def test_passwords_are_argon2_hashed(db: DB) -> None:
    user = accounts.create_user(db, "Ada@Example.org", PW)
    db.commit()
    assert user.email == "ada@example.org"
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert PW not in user.password_hash
    assert user.display_name == "ada" and user.role == "learner"


def test_authenticate(db: DB) -> None:
    accounts.create_user(db, "ada@example.org", PW)
    db.commit()
    assert accounts.authenticate(db, " ADA@example.org ", PW).email == "ada@example.org"
    with pytest.raises(InvalidCredentials) as wrong:
        accounts.authenticate(db, "ada@example.org", "not the password")
    with pytest.raises(InvalidCredentials) as unknown:
        accounts.authenticate(db, "bob@example.org", PW)
    assert str(wrong.value) == str(unknown.value) == "Email or password is incorrect."


@pytest.mark.parametrize(
    ("email", "password", "role", "message"),
    [
        ("not-an-email", PW, "learner", "valid email"),
        ("a@b.c", PW, "learner", "valid email"),
        ("ada@example.org", "short", "learner", "at least 10"),
        ("ada@example.org", "x" * 2000, "learner", "limited"),
        ("ada@example.org", PW, "admin", "Unknown role"),
        ("a\x00a@example.org", PW, "learner", "valid email"),
    ],
)
def test_create_user_rejects_bad_input(
    db: DB, email: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        accounts.create_user(db, email, password, role=role)


def test_duplicate_email(db: DB) -> None:
    accounts.create_user(db, "ada@example.org", PW)
    db.commit()
    with pytest.raises(EmailTaken):
        accounts.create_user(db, "ADA@example.org", PW)


def test_signup_adopts_the_guest_and_keeps_its_notes(db: DB) -> None:
    guest = User(email=None, display_name="Guest")
    db.add(guest)
    db.flush()
    notes.add_note(db, guest.id, "before signing up")
    user = accounts.create_user(db, "ada@example.org", PW, adopt=guest)
    db.commit()
    assert user.id == guest.id
    assert [n.title for n in notes.list_notes(db, user.id)] == ["before signing up"]


def test_login_merges_guest_data_into_the_account(db: DB) -> None:
    user = accounts.create_user(db, "ada@example.org", PW)
    notes.add_note(db, user.id, "old")
    guest = User(email=None)
    db.add(guest)
    db.flush()
    notes.add_note(db, guest.id, "as a guest")
    guest_id = guest.id
    accounts.merge_into(db, guest, user)
    db.commit()
    assert sorted(n.title for n in notes.list_notes(db, user.id)) == ["as a guest", "old"]
    assert db.get(User, guest_id) is None


def test_change_password_ends_every_session(db: DB) -> None:
    user = accounts.create_user(db, "ada@example.org", PW)
    sessions.open_session(db, "k" * 32, user)
    sessions.open_session(db, "k" * 32, user)
    db.commit()
    with pytest.raises(InvalidCredentials):
        accounts.change_password(db, user, "wrong password", "another password")
    accounts.change_password(db, user, PW, "another password")
    db.commit()
    assert db.scalar(select(func.count()).select_from(Session)) == 0
    assert accounts.authenticate(db, "ada@example.org", "another password").id == user.id


def test_delete_account_cascades(db: DB) -> None:
    user = accounts.create_user(db, "ada@example.org", PW)
    notes.add_note(db, user.id, "mine")
    sessions.open_session(db, "k" * 32, user)
    db.commit()
    with pytest.raises(InvalidCredentials):
        accounts.delete_account(db, user, "wrong password")
    accounts.delete_account(db, user, PW)
    db.commit()
    for model in (User, Note, Session):
        assert db.scalar(select(func.count()).select_from(model)) == 0


def test_owned_tables_lists_learner_data() -> None:
    assert sorted(accounts.owned_tables()) == ["notes", "reading_progress"]
