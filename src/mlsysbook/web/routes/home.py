"""The home page and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mlsysbook import __version__
from mlsysbook.store import progress
from mlsysbook.web.pages import render
from mlsysbook.web.visitor import Visitor, get_visitor

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, visitor: Visitor = Depends(get_visitor)) -> HTMLResponse:
    owner = visitor.owner_id
    last = progress.last_read(visitor.db, owner) if owner is not None else None
    return render(request, "home.html", last_read=last)


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers and `make serve` checks."""
    backend = "sqlite" if request.app.state.settings.is_sqlite else "postgresql"
    try:
        with request.app.state.db() as db:
            db.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "error", "database": backend, "version": __version__}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": backend, "version": __version__})
