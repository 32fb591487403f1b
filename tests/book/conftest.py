"""Helpers: write a small Quarto book into a temporary folder and load it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlsysbook import book
from mlsysbook.book import project

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "mlsysbook"
SERVING = FIXTURES / "vol1" / "model_serving" / "model_serving.qmd"

Chapters = dict[str, str]
MakeBook = Callable[..., book.Book]


def write_book(root: Path, chapters: Chapters, extra: str = "") -> Path:
    """``chapters`` maps a slug to the chapter's text; all go in one part."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["project: {type: book}", "book:", "  title: Test book", "  chapters:"]
    lines += ["    - part: Part one", "      chapters:"]
    for slug, text in chapters.items():
        (root / f"{slug}.qmd").write_text(text, encoding="utf-8")
        lines.append(f"        - {slug}.qmd")
    (root / "_quarto.yml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return root


@pytest.fixture
def make_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeBook:
    """``make_book({"a": text}, trusted=True)``: trusted books run their cells in-process,
    as the bundled edition does."""

    def make(chapters: Chapters, *, trusted: bool = False, **kwargs: object) -> book.Book:
        root = write_book(tmp_path / "book", chapters)
        if trusted:
            monkeypatch.setattr(project, "bundled_root", lambda: root)
        return book.load(root, **kwargs)  # type: ignore[arg-type]

    return make


def one(make_book: MakeBook, text: str, **kwargs: object) -> book.Chapter:
    return make_book({"ch": text}, **kwargs).chapters[0]


def html_of(c: book.Chapter) -> str:
    return c.intro_html + "".join(s.html for s in c.sections) + c.footnotes_html
