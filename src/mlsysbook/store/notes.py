"""A learner's notes. Every query is scoped to its owner (a user id): another
learner's note is indistinguishable from one that does not exist."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session as DB

from mlsysbook.store.errors import InvalidInput, NotFound
from mlsysbook.store.models import Note

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_REF = 200


def clean(title: str, body: str, ref: str = "") -> tuple[str, str, str]:
    if "\x00" in title + body + ref:
        raise InvalidInput("Notes cannot contain NUL characters.")
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("A note needs a title.")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"Note titles are limited to {MAX_TITLE} characters.")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"Notes are limited to {MAX_BODY:,} characters.")
    ref = ref.strip()
    if len(ref) > MAX_REF:
        raise InvalidInput(f"Note references are limited to {MAX_REF} characters.")
    return title, body, ref


def list_notes(db: DB, owner: int) -> Sequence[Note]:
    return db.scalars(
        select(Note).where(Note.user_id == owner).order_by(Note.updated_at.desc(), Note.id.desc())
    ).all()


def get_note(db: DB, owner: int, note_id: int) -> Note:
    note = db.scalar(select(Note).where(Note.id == note_id, Note.user_id == owner))
    if note is None:
        raise NotFound(f"No note {note_id}.")
    return note


def add_note(db: DB, owner: int, title: str, body: str = "", ref: str = "") -> Note:
    title, body, ref = clean(title, body, ref)
    note = Note(user_id=owner, title=title, body=body, ref=ref)
    db.add(note)
    db.flush()
    return note


def edit_note(db: DB, owner: int, note_id: int, title: str, body: str, ref: str = "") -> Note:
    note = get_note(db, owner, note_id)
    note.title, note.body, note.ref = clean(title, body, ref)
    db.flush()
    return note


def delete_note(db: DB, owner: int, note_id: int) -> None:
    db.delete(get_note(db, owner, note_id))
    db.flush()
