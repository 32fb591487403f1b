"""Reading progress: which sections of which book a learner has marked as read.
Every query is scoped to its owner."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DB

from mlsysbook.store.errors import InvalidInput
from mlsysbook.store.models import ReadingProgress

LIMITS = {"book": 64, "chapter": 120, "section": 200}


def _check(book: str, chapter: str, section: str) -> None:
    for name, value in (("book", book), ("chapter", chapter), ("section", section)):
        if not value or len(value) > LIMITS[name] or "\x00" in value:
            raise InvalidInput(f"That {name} reference is not valid.")


def mark(db: DB, owner: int, book: str, chapter: str, section: str, read: bool = True) -> None:
    """Mark (or unmark) one section; marking twice is harmless."""
    _check(book, chapter, section)
    where = (
        ReadingProgress.user_id == owner,
        ReadingProgress.book == book,
        ReadingProgress.chapter == chapter,
        ReadingProgress.section == section,
    )
    if not read:
        db.execute(delete(ReadingProgress).where(*where))
        return
    if db.scalar(select(ReadingProgress.id).where(*where)) is None:
        db.add(ReadingProgress(user_id=owner, book=book, chapter=chapter, section=section))
        db.flush()


def read_sections(db: DB, owner: int, book: str) -> set[tuple[str, str]]:
    rows = db.execute(
        select(ReadingProgress.chapter, ReadingProgress.section).where(
            ReadingProgress.user_id == owner, ReadingProgress.book == book
        )
    )
    return {(c, s) for c, s in rows}


def all_rows(db: DB, owner: int) -> list[ReadingProgress]:
    return list(
        db.scalars(
            select(ReadingProgress)
            .where(ReadingProgress.user_id == owner)
            .order_by(ReadingProgress.read_at, ReadingProgress.id)
        )
    )


def drop_overlap(db: DB, source: int, target: int) -> None:
    """Before a guest's rows move to an account: drop those the account already has,
    so the move cannot break the one-row-per-section rule."""
    have = select(ReadingProgress.book, ReadingProgress.chapter, ReadingProgress.section).where(
        ReadingProgress.user_id == target
    )
    for book, chapter, section in db.execute(have).all():
        db.execute(
            delete(ReadingProgress).where(
                ReadingProgress.user_id == source,
                ReadingProgress.book == book,
                ReadingProgress.chapter == chapter,
                ReadingProgress.section == section,
            )
        )


def last_read(db: DB, owner: int) -> ReadingProgress | None:
    """The section marked most recently, to offer "continue reading"."""
    return db.scalars(
        select(ReadingProgress)
        .where(ReadingProgress.user_id == owner)
        .order_by(ReadingProgress.read_at.desc(), ReadingProgress.id.desc())
        .limit(1)
    ).first()
