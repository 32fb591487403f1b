"""Everything a learner owns, as one JSON document that another server can import.

The document is versioned; import validates it whole before writing anything, and
writes inside the caller's transaction, so a bad file changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session as DB

from mlsysbook.store import notes, progress
from mlsysbook.store.errors import InvalidInput
from mlsysbook.store.models import Note, ReadingProgress, User, utcnow

FORMAT = "mlsysbook-export"
VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileDoc(_Strict):
    email: str | None
    display_name: str
    role: str
    created_at: datetime


class NoteDoc(_Strict):
    title: str = Field(min_length=1, max_length=notes.MAX_TITLE)
    body: str = Field(default="", max_length=notes.MAX_BODY)
    ref: str = Field(default="", max_length=notes.MAX_REF)
    created_at: datetime
    updated_at: datetime


class ReadingDoc(_Strict):
    book: str = Field(min_length=1, max_length=progress.LIMITS["book"])
    chapter: str = Field(min_length=1, max_length=progress.LIMITS["chapter"])
    section: str = Field(min_length=1, max_length=progress.LIMITS["section"])
    read_at: datetime


class ExportDoc(_Strict):
    format: Literal["mlsysbook-export"]
    version: Literal[1]
    exported_at: datetime
    profile: ProfileDoc
    notes: list[NoteDoc] = Field(default_factory=list, max_length=10_000)
    reading: list[ReadingDoc] = Field(default_factory=list, max_length=100_000)


def export_user(db: DB, user: User) -> dict[str, Any]:
    doc = ExportDoc(
        format=FORMAT,
        version=VERSION,
        exported_at=utcnow(),
        profile=ProfileDoc(
            email=user.email,
            display_name=user.display_name,
            role=user.role,
            created_at=user.created_at,
        ),
        notes=[
            NoteDoc(
                title=n.title,
                body=n.body,
                ref=n.ref,
                created_at=n.created_at,
                updated_at=n.updated_at,
            )
            for n in notes.list_notes(db, user.id)
        ],
        reading=[
            ReadingDoc(book=r.book, chapter=r.chapter, section=r.section, read_at=r.read_at)
            for r in progress.all_rows(db, user.id)
        ],
    )
    return doc.model_dump(mode="json")


def parse_export(raw: bytes | str) -> ExportDoc:
    try:
        return ExportDoc.model_validate_json(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise InvalidInput(
            f"This is not a valid MLSysBook export ({where}: {first['msg']})."
        ) from None


def import_into(db: DB, owner: int, doc: ExportDoc) -> dict[str, int]:
    """Add the document's data to user ``owner`` (the profile's email and role are not
    taken: they belong to the account on this server). Returns counts."""
    existing = {(n.title, n.body, n.ref) for n in notes.list_notes(db, owner)}
    added = 0
    for nd in doc.notes:
        title, body, ref = notes.clean(nd.title, nd.body, nd.ref)
        if (title, body, ref) in existing:
            continue  # importing the same file twice adds nothing
        db.add(
            Note(
                user_id=owner,
                title=title,
                body=body,
                ref=ref,
                created_at=nd.created_at,
                updated_at=nd.updated_at,
            )
        )
        existing.add((title, body, ref))
        added += 1
    have = {(r.book, r.chapter, r.section) for r in progress.all_rows(db, owner)}
    marked = 0
    for rd in doc.reading:
        key = (rd.book, rd.chapter, rd.section)
        if key not in have:
            db.add(
                ReadingProgress(
                    user_id=owner,
                    book=rd.book,
                    chapter=rd.chapter,
                    section=rd.section,
                    read_at=rd.read_at,
                )
            )
            have.add(key)
            marked += 1
    db.flush()
    return {"notes": added, "reading": marked}
