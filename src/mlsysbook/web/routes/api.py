"""The JSON API, /api/v1. Same session cookie as the pages; writes need the
``X-CSRF-Token`` header (its value is in GET /api/v1/me)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from mlsysbook import __version__
from mlsysbook.store import notes, portability
from mlsysbook.store.errors import InvalidInput, NotFound
from mlsysbook.store.models import Note
from mlsysbook.web.pages import render
from mlsysbook.web.visitor import Visitor, get_visitor

router = APIRouter(prefix="/api/v1", tags=["v1"])


class Me(BaseModel):
    authenticated: bool = Field(description="True once signed up and logged in.")
    email: str | None = None
    display_name: str | None = None
    role: str | None = None
    csrf_token: str = Field(description="Send as X-CSRF-Token on POST, PUT and DELETE.")
    version: str


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=notes.MAX_TITLE)
    body: str = Field(default="", max_length=notes.MAX_BODY)
    ref: str = Field(default="", max_length=notes.MAX_REF)


class NoteOut(NoteIn):
    id: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, n: Note) -> NoteOut:
        return cls(
            id=n.id,
            title=n.title,
            body=n.body,
            ref=n.ref,
            created_at=n.created_at,
            updated_at=n.updated_at,
        )


def _owner_or_404(visitor: Visitor) -> int:
    if visitor.owner_id is None:
        raise HTTPException(404, "No such note.")
    return visitor.owner_id


def _unprocessable(e: InvalidInput) -> HTTPException:
    return HTTPException(422, str(e))


@router.get("/me", summary="Who is asking, and the CSRF token for writes")
async def me(visitor: Visitor = Depends(get_visitor)) -> Me:
    visitor.ensure_session()
    member = visitor.account
    return Me(
        authenticated=member is not None,
        email=member.email if member else None,
        display_name=member.display_name if member else None,
        role=member.role if member else None,
        csrf_token=visitor.csrf_token,
        version=__version__,
    )


@router.get("/notes", summary="The visitor's notes, newest first")
async def list_notes(visitor: Visitor = Depends(get_visitor)) -> list[NoteOut]:
    owner = visitor.owner_id
    return [NoteOut.of(n) for n in notes.list_notes(visitor.db, owner)] if owner else []


@router.post("/notes", status_code=201, summary="Add a note")
async def add_note(data: NoteIn, visitor: Visitor = Depends(get_visitor)) -> NoteOut:
    try:
        note = notes.add_note(visitor.db, visitor.ensure_owner(), data.title, data.body, data.ref)
    except InvalidInput as e:
        raise _unprocessable(e) from None
    visitor.db.commit()
    return NoteOut.of(note)


@router.get("/notes/{note_id}", summary="One note")
async def get_note(note_id: int, visitor: Visitor = Depends(get_visitor)) -> NoteOut:
    try:
        return NoteOut.of(notes.get_note(visitor.db, _owner_or_404(visitor), note_id))
    except NotFound as e:
        raise HTTPException(404, str(e)) from None


@router.put("/notes/{note_id}", summary="Replace a note")
async def put_note(note_id: int, data: NoteIn, visitor: Visitor = Depends(get_visitor)) -> NoteOut:
    try:
        note = notes.edit_note(
            visitor.db, _owner_or_404(visitor), note_id, data.title, data.body, data.ref
        )
    except NotFound as e:
        raise HTTPException(404, str(e)) from None
    except InvalidInput as e:
        raise _unprocessable(e) from None
    visitor.db.commit()
    return NoteOut.of(note)


@router.delete("/notes/{note_id}", status_code=204, summary="Delete a note")
async def delete_note(note_id: int, visitor: Visitor = Depends(get_visitor)) -> Response:
    try:
        notes.delete_note(visitor.db, _owner_or_404(visitor), note_id)
    except NotFound as e:
        raise HTTPException(404, str(e)) from None
    visitor.db.commit()
    return Response(status_code=204)


@router.get("/export", summary="Everything the visitor owns, as one importable document")
async def export(visitor: Visitor = Depends(get_visitor)) -> dict[str, Any]:
    user = visitor.user()
    if user is None:
        raise HTTPException(404, "Nothing saved yet: there is no data to export.")
    return portability.export_user(visitor.db, user)


@router.post("/import", summary="Add an export document's data to the visitor's own")
async def import_doc(
    doc: portability.ExportDoc = Body(), visitor: Visitor = Depends(get_visitor)
) -> dict[str, int]:
    try:
        counts = portability.import_into(visitor.db, visitor.ensure_owner(), doc)
    except InvalidInput as e:
        raise _unprocessable(e) from None
    visitor.db.commit()
    return counts


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
async def docs(request: Request) -> HTMLResponse:
    """A readable index of the OpenAPI document, rendered here (no CDN, no JS)."""
    spec = request.app.openapi()
    return render(request, "api_docs.html", spec=spec)
