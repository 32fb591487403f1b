"""Full-text search over a book's sections: an in-memory SQLite FTS5 index (Porter
stemming, BM25 ranking with titles weighted up) built once per loaded book. It is an
index of the book, not learner data, so it lives here rather than in the store."""

from __future__ import annotations

import html
import re
import sqlite3
from dataclasses import dataclass

from mlsysbook.book.model import Book
from mlsysbook.book.sidefiles import Term

_OPEN, _CLOSE = "\x02", "\x03"  # snippet markers no book text contains
MAX_WORDS = 12
_QUERY = (
    "SELECT chapter, label, section, title, snippet(sections, 1, ?, ?, ' … ', 28) "
    "FROM sections WHERE sections MATCH ? ORDER BY bm25(sections, 8.0, 1.0) LIMIT ?"
)


@dataclass(frozen=True)
class Hit:
    chapter: str  # slug
    chapter_label: str
    section: str  # id
    title: str
    snippet_html: str  # escaped text with <mark> around matches


def fts_query(text: str) -> str:
    """A user's words as an FTS5 query: every word must match, the last as a prefix
    (so results appear while typing). Operators and quotes are never passed through."""
    words = re.findall(r"\w+", text.lower())[:MAX_WORDS]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


class SearchIndex:
    def __init__(self, book: Book) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute(
            "CREATE VIRTUAL TABLE sections USING fts5("
            "title, body, chapter UNINDEXED, section UNINDEXED, label UNINDEXED, "
            "tokenize = 'porter unicode61')"
        )
        self.db.executemany(
            "INSERT INTO sections VALUES (?, ?, ?, ?, ?)",
            [
                (f"{s.number} {s.title}".strip(), s.text, c.slug, s.id, c.label)
                for c in book.chapters
                for s in c.sections
            ],
        )
        self.terms = book.glossary

    def search(self, text: str, limit: int = 20) -> list[Hit]:
        query = fts_query(text)
        if not query:
            return []
        try:
            rows = self.db.execute(_QUERY, (_OPEN, _CLOSE, query, limit)).fetchall()
        except sqlite3.OperationalError:  # a query FTS5 still rejects: no results, not a 500
            return []
        return [
            Hit(chapter, label, section, title, _marks(snippet))
            for chapter, label, section, title, snippet in rows
        ]

    def count(self, text: str) -> int:
        """How many sections match (search() returns only the best ``limit``)."""
        query = fts_query(text)
        if not query:
            return 0
        try:
            row = self.db.execute("SELECT count(*) FROM sections WHERE sections MATCH ?", (query,))
            return int(row.fetchone()[0])
        except sqlite3.OperationalError:
            return 0

    def glossary(self, text: str, limit: int = 50) -> list[Term]:
        """Terms whose name (or alias) contains the text; names starting with it first."""
        needle = " ".join(text.lower().split())
        if not needle:
            return sorted(self.terms.values(), key=lambda t: t.term.lower())[:limit]
        found = [
            t for t in self.terms.values() if any(needle in s.lower() for s in (t.term, *t.aliases))
        ]
        found.sort(key=lambda t: (not t.term.lower().startswith(needle), t.term.lower()))
        return found[:limit]


def _marks(snippet: str) -> str:
    return html.escape(snippet).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
