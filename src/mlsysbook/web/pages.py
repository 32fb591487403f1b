"""Rendering pages: one Jinja2 environment, and the context every page shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from mlsysbook import __version__
from mlsysbook.book.export import TEMPLATES as BOOK_TEMPLATES

# The book's own templates come second: its chapter macro renders pages here too.
TEMPLATES = Jinja2Templates(directory=[Path(__file__).parent / "templates", BOOK_TEMPLATES])
TEMPLATES.env.auto_reload = False  # templates ship in the package; skip a stat per render


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str


# One entry per section that exists on this server, in menu order; a pillar's section
# (Read, Build, Model, Test, Labs, Teach) is added here when its pages land.
NAV = (
    NavItem("Home", "/"),
    NavItem("Read", "/read"),
    NavItem("Build", "/build"),
    NavItem("Model", "/model"),
    NavItem("Notes", "/notes"),
)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    visitor = getattr(request.state, "visitor", None)
    context.update(
        request=request,
        visitor=visitor,
        account=visitor.account if visitor else None,
        csrf_token=visitor.csrf_token if visitor else "",
        nav=NAV,
        version=__version__,
    )
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our name."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")
