from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session as DB

from mlsysbook.store import notes, portability
from mlsysbook.store.errors import InvalidInput, NotFound
from mlsysbook.store.models import User


def _user(db: DB, email: str | None) -> int:
    user = User(email=email, display_name=email or "Guest")
    db.add(user)
    db.flush()
    return user.id


def test_notes_are_scoped_to_their_owner(db: DB) -> None:
    ada, bob = _user(db, "ada@example.org"), _user(db, "bob@example.org")
    note = notes.add_note(db, ada, "  Roofline   recap ", "ridge = peak / bandwidth")
    db.commit()
    assert note.title == "Roofline recap"
    assert notes.list_notes(db, bob) == []
    for action in (
        lambda: notes.get_note(db, bob, note.id),
        lambda: notes.edit_note(db, bob, note.id, "x", "y"),
        lambda: notes.delete_note(db, bob, note.id),
    ):
        with pytest.raises(NotFound):
            action()
    assert notes.get_note(db, ada, note.id).body == "ridge = peak / bandwidth"


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "", "needs a title"),
        ("   ", "", "needs a title"),
        ("x" * 201, "", "limited"),
        ("ok", "x" * 100_001, "limited"),
        ("nul\x00", "", "NUL"),
    ],
)
def test_note_validation(db: DB, title: str, body: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        notes.add_note(db, _user(db, None), title, body)


def test_export_import_round_trip(db: DB) -> None:
    ada, bob = _user(db, "ada@example.org"), _user(db, "bob@example.org")
    notes.add_note(db, ada, "KV cache", "2 * layers * kv_heads * head_dim * bytes", "book:serving")
    notes.add_note(db, ada, "Ridge point")
    db.commit()
    doc = portability.export_user(db, db.get_one(User, ada))
    assert doc["format"] == "mlsysbook-export" and doc["version"] == 1
    assert doc["profile"]["email"] == "ada@example.org"
    raw = json.dumps(doc)
    assert portability.import_into(db, bob, portability.parse_export(raw)) == {
        "notes": 2,
        "reading": 0,
    }
    assert portability.import_into(db, bob, portability.parse_export(raw)) == {
        "notes": 0,
        "reading": 0,
    }
    db.commit()
    got = {(n.title, n.body, n.ref) for n in notes.list_notes(db, bob)}
    assert got == {(n.title, n.body, n.ref) for n in notes.list_notes(db, ada)}


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"null",
        b"[]",
        b"{}",
        b"not json",
        b'{"format": "other", "version": 1}',
        b"\xff\xfe",
        json.dumps({"format": "mlsysbook-export", "version": 2}).encode(),
    ],
)
def test_parse_export_rejects_garbage_clearly(raw: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a valid MLSysBook export"):
        portability.parse_export(raw)


def test_import_is_all_or_nothing(db: DB) -> None:
    ada = _user(db, "ada@example.org")
    db.commit()
    doc = portability.export_user(db, db.get_one(User, ada))
    doc["notes"] = [
        {
            "title": "fine",
            "body": "",
            "ref": "",
            "created_at": doc["exported_at"],
            "updated_at": doc["exported_at"],
        },
        {
            "title": "bad",
            "body": "\x00",
            "ref": "",
            "created_at": doc["exported_at"],
            "updated_at": doc["exported_at"],
        },
    ]
    with pytest.raises(InvalidInput):
        portability.import_into(db, ada, portability.parse_export(json.dumps(doc)))
    db.rollback()
    assert notes.list_notes(db, ada) == []


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(max_size=10), inner, max_size=4)
            ),
            max_leaves=20,
        ).map(json.dumps),
    )
)
def test_parse_export_never_crashes(raw: bytes | str) -> None:
    with contextlib.suppress(InvalidInput):
        portability.parse_export(raw)
