"""Notes pages. Guests can keep notes too; signing up keeps them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from mlsysbook.store import notes
from mlsysbook.store.errors import InvalidInput, NotFound
from mlsysbook.store.models import Note
from mlsysbook.web.forms import fields
from mlsysbook.web.pages import render, see_other
from mlsysbook.web.visitor import Visitor, get_visitor

router = APIRouter(include_in_schema=False)


def _page(request: Request, visitor: Visitor, status: int = 200, **context: object) -> Response:
    owner = visitor.owner_id
    items = notes.list_notes(visitor.db, owner) if owner is not None else []
    template = "_notes_list.html" if request.headers.get("hx-request") else "notes.html"
    return render(request, template, status, notes=items, **context)


def _after_change(request: Request, visitor: Visitor) -> Response:
    """htmx swaps in the new list; a plain form post gets redirected (POST/redirect/GET)."""
    return _page(request, visitor) if request.headers.get("hx-request") else see_other("/notes")


def _own(visitor: Visitor, note_id: int) -> Note:
    try:
        if visitor.owner_id is None:
            raise NotFound(f"No note {note_id}.")
        return notes.get_note(visitor.db, visitor.owner_id, note_id)
    except NotFound:
        raise HTTPException(404, "No such note.") from None


@router.get("/notes", response_class=HTMLResponse)
async def notes_page(request: Request, visitor: Visitor = Depends(get_visitor)) -> Response:
    visitor.ensure_session()
    return _page(request, visitor)


@router.post("/notes", response_class=HTMLResponse)
async def add(request: Request, visitor: Visitor = Depends(get_visitor)) -> Response:
    form = await fields(request, "title", "body")
    try:
        notes.add_note(visitor.db, visitor.ensure_owner(), form["title"], form["body"])
    except InvalidInput as e:
        visitor.db.rollback()
        return _page(request, visitor, 400, error=str(e), form=form)
    visitor.db.commit()
    return _after_change(request, visitor)


@router.get("/notes/{note_id}", response_class=HTMLResponse)
async def edit_form(
    request: Request, note_id: int, visitor: Visitor = Depends(get_visitor)
) -> Response:
    return render(request, "note_edit.html", note=_own(visitor, note_id))


@router.post("/notes/{note_id}", response_class=HTMLResponse)
async def edit(request: Request, note_id: int, visitor: Visitor = Depends(get_visitor)) -> Response:
    note = _own(visitor, note_id)
    form = await fields(request, "title", "body")
    try:
        notes.edit_note(visitor.db, note.user_id, note_id, form["title"], form["body"], note.ref)
    except InvalidInput as e:
        visitor.db.rollback()
        return render(request, "note_edit.html", 400, note=note, error=str(e), form=form)
    visitor.db.commit()
    return see_other("/notes")


@router.post("/notes/{note_id}/delete", response_class=HTMLResponse)
async def delete(
    request: Request, note_id: int, visitor: Visitor = Depends(get_visitor)
) -> Response:
    note = _own(visitor, note_id)
    notes.delete_note(visitor.db, note.user_id, note_id)
    visitor.db.commit()
    return _after_change(request, visitor)
