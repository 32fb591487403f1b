"""The app factory: ``uvicorn --factory mlsysbook.web.app:create_app``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from mlsysbook import __version__
from mlsysbook.book.export import ASSETS as BOOK_ASSETS
from mlsysbook.config import Settings, load_settings
from mlsysbook.store.db import make_engine, make_sessionmaker
from mlsysbook.store.errors import StoreError
from mlsysbook.web.middleware import TOO_LARGE, BodyLimit, SessionCookie
from mlsysbook.web.pages import login_url, render, see_other
from mlsysbook.web.routes import accounts, api, build, home, model, notes, read
from mlsysbook.web.visitor import csrf_guard

log = logging.getLogger("mlsysbook.web")
PRELOAD_ENV = "MLSYSBOOK_PRELOAD_BOOK"

TITLES = {
    400: "That request could not be understood",
    401: "Please log in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    413: "Too large",
    422: "Some fields need attention",
    429: "Slow down",
    500: "Something went wrong on our side",
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="MLSysBook API",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf_guard)],
        # No OpenTelemetry exporter is configured offline; skip its per-request work.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.db = make_sessionmaker(app.state.engine)

    static = Path(__file__).parent / "static"
    app.mount("/static/book", StaticFiles(directory=BOOK_ASSETS), name="book-static")
    app.mount("/static", StaticFiles(directory=static), name="static")
    for module in (home, accounts, notes, api, model, read, build):
        app.include_router(module.router)
    app.include_router(model.api)
    app.include_router(read.api)

    if os.environ.get(PRELOAD_ENV) == "1":  # set by `mlsysbook serve` for its workers
        read.preload()
    app.add_middleware(SessionCookie)
    app.add_middleware(BodyLimit)
    _install_error_pages(app)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, detail: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status)
    return render(request, "error.html", status, title=TITLES.get(status, "Error"), detail=detail)


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401 and not _wants_json(request) and request.method == "GET":
            return see_other(login_url(request.url.path))
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is nothing at {request.url.path}."
        elif exc.status_code == 413:
            detail = TOO_LARGE
        response = _error(request, exc.status_code, detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}"
            for e in exc.errors()[:5]
        ]
        if _wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        return _error(request, 400, "; ".join(problems))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(request, 500, "The error was logged. Please try again in a moment.")
