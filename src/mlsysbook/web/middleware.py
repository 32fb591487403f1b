"""Pure ASGI middleware: cheap enough to run on every request."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlsysbook.store.sessions import COOKIE, LIFETIME

MAX_BODY = 1_000_000  # bytes

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'{styles}; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
STRICT_CSP = (b"content-security-policy", CSP.format(styles="").encode())
# Charts (plotly) set styles at run time; pages that draw them allow inline styles only.
CHART_CSP = (b"content-security-policy", CSP.format(styles=" 'unsafe-inline'").encode())
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


TOO_LARGE = f"The request body is larger than the {MAX_BODY // 1_000_000} MB limit."


class BodyTooLarge(HTTPException):
    """Raised mid-stream; an HTTPException so FastAPI's body parsing passes it through."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


class BodyLimit:
    """413 for bodies over MAX_BODY, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _reject(scope, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reject(scope, send)


async def _reject(scope: Scope, send: Send) -> None:
    detail = TOO_LARGE
    if scope["path"].startswith("/api/"):
        body, ctype = json.dumps({"detail": detail}).encode(), b"application/json"
    else:
        body, ctype = (
            f"<!doctype html><title>Too large</title><p>{detail}</p>".encode(),
            (b"text/html; charset=utf-8"),
        )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", ctype),
                (b"connection", b"close"),
                STRICT_CSP,
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SessionCookie:
    """Writes the session cookie a route asked for (``request.state.session_cookie``: a
    token to set, or "" to clear) and adds the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                headers.append(CHART_CSP if state.get("charts") else STRICT_CSP)
                token = state.get("session_cookie")
                if token is not None:
                    headers.append((b"set-cookie", _cookie(token, scope["scheme"] == "https")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookie(token: str, secure: bool) -> bytes:
    max_age = int(LIFETIME.total_seconds()) if token else 0
    parts = [f"{COOKIE}={token}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode()
