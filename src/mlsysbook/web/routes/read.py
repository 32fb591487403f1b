"""Read: the book in the browser — contents by part with reading paths, chapter pages,
search, glossary, and reading progress saved per learner."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from mlsysbook import book as bookpkg
from mlsysbook.book.highlight import css as code_css
from mlsysbook.book.model import Book, Chapter, ReadingPath
from mlsysbook.book.search import SearchIndex
from mlsysbook.store import progress
from mlsysbook.store.errors import InvalidInput
from mlsysbook.web.forms import fields
from mlsysbook.web.pages import render, see_other
from mlsysbook.web.visitor import Visitor, get_visitor

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/book", tags=["book"])

BOOK_ENV = "MLSYSBOOK_BOOK"  # a Quarto book to serve instead of the starter edition
EXECUTE_ENV = "MLSYSBOOK_BOOK_EXECUTE"  # "1": run that book's Python cells
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


@dataclass(frozen=True)
class Library:
    book: Book
    index: SearchIndex
    key: str  # names the book in learners' saved progress


_LOADING = threading.Lock()


def _library(path: str, execute: bool) -> Library:
    with _LOADING:  # concurrent first requests wait for one load instead of racing
        return _load(path, execute)


@cache
def _load(path: str, execute: bool) -> Library:
    b = bookpkg.load(path or bookpkg.bundled_root(), execute=True if execute else None)
    key = "starter" if b.trusted else "b-" + hashlib.sha256(str(b.root).encode()).hexdigest()[:16]
    return Library(b, SearchIndex(b), key)


def preload() -> None:
    """Load the served book in the background when a server starts, so that the first
    reader does not wait for the living numbers to be computed."""
    threading.Thread(
        target=_library,
        args=(os.environ.get(BOOK_ENV, ""), os.environ.get(EXECUTE_ENV) == "1"),
        name="load-book",
        daemon=True,
    ).start()


async def library() -> Library:
    """The served book, loaded (and its living numbers computed) on first use, off the
    event loop so other requests are not held up."""
    return await run_in_threadpool(
        _library, os.environ.get(BOOK_ENV, ""), os.environ.get(EXECUTE_ENV) == "1"
    )


def _read(visitor: Visitor, lib: Library) -> set[tuple[str, str]]:
    owner = visitor.owner_id
    return progress.read_sections(visitor.db, owner, lib.key) if owner is not None else set()


def _path(lib: Library, key: str | None) -> ReadingPath | None:
    return lib.book.paths.get(key or "")


def _chapter(lib: Library, slug: str) -> Chapter:
    c = lib.book.chapter(slug)
    if c is None:
        raise HTTPException(404, f"There is no chapter “{slug}” in this book.")
    return c


@router.get("/read", response_class=HTMLResponse)
async def contents(request: Request, visitor: Visitor = Depends(get_visitor)) -> Response:
    lib = await library()
    read = _read(visitor, lib)
    chosen = _path(lib, request.query_params.get("path"))
    done = {c.slug: sum((c.slug, s.id) in read for s in c.sections) for c in lib.book.chapters}
    ordered = [lib.book.chapter(s) for s in chosen.chapters] if chosen else []
    return render(
        request,
        "read_index.html",
        book=lib.book,
        done=done,
        path=chosen,
        path_chapters=[c for c in ordered if c is not None],
    )


@router.get("/read/code.css")
async def code_stylesheet() -> Response:
    return PlainTextResponse(
        code_css(), media_type="text/css", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/read/search", response_class=HTMLResponse)
async def search_page(request: Request) -> Response:
    lib = await library()
    q = request.query_params.get("q", "")[:200]
    hits = lib.index.search(q) if q.strip() else []
    total = lib.index.count(q) if hits else 0
    terms = lib.index.glossary(q, limit=5) if q.strip() else []
    fragment = request.headers.get("hx-request") and request.headers.get("hx-target") == "results"
    template = "_read_results.html" if fragment else "read_search.html"
    return render(request, template, q=q, hits=hits, total=total, terms=terms, book=lib.book)


@router.get("/read/glossary", response_class=HTMLResponse)
async def glossary_page(request: Request) -> Response:
    lib = await library()
    q = request.query_params.get("q", "")[:100]
    terms = lib.index.glossary(q, limit=1000)
    titles = {c.slug: c.title for c in lib.book.chapters}
    return render(request, "read_glossary.html", q=q, terms=terms, titles=titles)


@router.get("/read/index", response_class=HTMLResponse)
async def book_index(request: Request) -> Response:
    lib = await library()
    return render(request, "read_book_index.html", entries=lib.book.index(), refs=lib.book.refs)


@router.get("/read/{slug}")
async def chapter_redirect(request: Request, slug: str) -> Response:
    query = f"?{request.url.query}" if request.url.query else ""
    return see_other(f"/read/{slug}/{query}")


@router.get("/read/{slug}/", response_class=HTMLResponse)
async def chapter_page(
    request: Request, slug: str, visitor: Visitor = Depends(get_visitor)
) -> Response:
    lib = await library()
    c = _chapter(lib, slug)
    visitor.ensure_session()  # the progress forms need a CSRF token, guests included
    chosen = _path(lib, request.query_params.get("path"))
    on_path = chosen is not None and c.slug in chosen.chapters
    order = list(chosen.chapters) if chosen and on_path else [x.slug for x in lib.book.chapters]
    i = order.index(c.slug) if c.slug in order else -1
    neighbours: dict[str, Any] = {
        "prev": lib.book.chapter(order[i - 1]) if i > 0 else None,
        "next": lib.book.chapter(order[i + 1]) if 0 <= i < len(order) - 1 else None,
    }
    return render(
        request,
        "read_chapter.html",
        book=lib.book,
        chapter=c,
        read=_read(visitor, lib),
        path=chosen,
        position=i + 1 if on_path else 0,
        **neighbours,
    )


@router.post("/read/{slug}/progress", response_class=HTMLResponse)
async def mark(request: Request, slug: str, visitor: Visitor = Depends(get_visitor)) -> Response:
    lib = await library()
    c = _chapter(lib, slug)
    form = await fields(request, "section", "read", "path")
    sections = [s.id for s in c.sections] if form["section"] == "*" else [form["section"]]
    if any(s not in {x.id for x in c.sections} for s in sections):
        raise HTTPException(400, "That section is not part of this chapter.")
    owner = visitor.ensure_owner()
    try:
        for s in sections:
            progress.mark(visitor.db, owner, lib.key, c.slug, s, read=form["read"] != "0")
    except InvalidInput as e:
        visitor.db.rollback()
        raise HTTPException(400, str(e)) from None
    visitor.db.commit()
    if request.headers.get("hx-request") and form["section"] != "*":
        section = next(x for x in c.sections if x.id == form["section"])
        return render(
            request,
            "_read_progress.html",
            chapter=c,
            s=section,
            read=progress.read_sections(visitor.db, owner, lib.key),
            path=_path(lib, form["path"]),
        )
    anchor = "" if form["section"] == "*" else f"#{form['section']}"
    chosen = _path(lib, form["path"])  # a reader on a path stays on it
    query = f"?path={chosen.key}" if chosen else ""
    return see_other(f"/read/{c.slug}/{query}{anchor}")


@router.get("/read/{slug}/{asset:path}")
async def chapter_asset(slug: str, asset: str) -> Response:
    """Images next to a chapter file, and nothing else: no other suffix, no way out of
    the chapter's folder. SVGs get a CSP that forbids scripts even when opened directly."""
    lib = await library()
    folder = _chapter(lib, slug).path.parent.resolve()
    target = (folder / asset).resolve()
    if (
        Path(asset).suffix.lower() not in IMAGES
        or not target.is_relative_to(folder)
        or not target.is_file()
    ):
        raise HTTPException(404, "No such image.")
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(
        target,
        media_type=media,
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            "Cache-Control": "public, max-age=3600",
        },
    )


@api.get("/chapters", summary="The book's parts and chapters, with section ids")
async def chapters_api() -> dict[str, Any]:
    lib = await library()
    return {
        "title": lib.book.title,
        "parts": [
            {
                "title": p.title,
                "chapters": [
                    {
                        "slug": c.slug,
                        "number": c.number,
                        "title": c.title,
                        "words": c.words,
                        "sections": [
                            {
                                "id": s.id,
                                "number": s.number,
                                "title": s.title,
                                "questions": len(s.questions),
                            }
                            for s in c.sections
                        ],
                    }
                    for c in p.chapters
                ],
            }
            for p in lib.book.parts
        ],
    }


@api.get("/search", summary="Full-text search over sections, with snippets")
async def search_api(q: str = "", limit: int = 20) -> dict[str, Any]:
    lib = await library()
    hits = lib.index.search(q[:200], limit=max(1, min(limit, 100)))
    return {
        "query": q,
        "results": [
            {
                "chapter": h.chapter,
                "section": h.section,
                "title": h.title,
                "url": f"/read/{h.chapter}/#{h.section}",
                "snippet_html": h.snippet_html,
            }
            for h in hits
        ],
    }


@api.get("/progress", summary="Sections you have marked as read")
async def progress_api(visitor: Visitor = Depends(get_visitor)) -> dict[str, Any]:
    lib = await library()
    read = sorted(_read(visitor, lib))
    return {"book": lib.key, "read": [{"chapter": c, "section": s} for c, s in read]}
