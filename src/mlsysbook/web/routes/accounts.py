"""Sign up, log in, log out, account settings, data export and import (HTML).

Password hashing (argon2, ~0.1 s of CPU) runs in the thread pool, off the event loop."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from mlsysbook.store import accounts, portability, ratelimit
from mlsysbook.store.errors import EmailTaken, InvalidCredentials, InvalidInput
from mlsysbook.store.models import User
from mlsysbook.store.sessions import keyed_hash
from mlsysbook.web.forms import fields, upload
from mlsysbook.web.pages import render, safe_next, see_other
from mlsysbook.web.visitor import Visitor, get_visitor, require_account

router = APIRouter(include_in_schema=False)


@router.get("/signup", response_class=HTMLResponse)
async def signup_form(request: Request, visitor: Visitor = Depends(get_visitor)) -> Response:
    if visitor.account:
        return see_other("/account")
    visitor.ensure_session()
    return render(request, "signup.html", next=safe_next(request.query_params.get("next")))


@router.post("/signup", response_class=HTMLResponse)
async def signup(request: Request, visitor: Visitor = Depends(get_visitor)) -> Response:
    form = await fields(request, "email", "password", "display_name", "next")
    try:
        user = await run_in_threadpool(
            accounts.create_user,
            visitor.db,
            form["email"],
            form["password"],
            form["display_name"],
            adopt=visitor.user(),
        )
    except (InvalidInput, EmailTaken) as e:
        visitor.db.rollback()
        return render(
            request, "signup.html", 400, error=str(e), form=form, next=safe_next(form["next"])
        )
    visitor.start(user)
    visitor.db.commit()
    return see_other(safe_next(form["next"]))


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, visitor: Visitor = Depends(get_visitor)) -> Response:
    if visitor.account:
        return see_other(safe_next(request.query_params.get("next")))
    visitor.ensure_session()
    return render(request, "login.html", next=safe_next(request.query_params.get("next")))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, visitor: Visitor = Depends(get_visitor)) -> Response:
    form = await fields(request, "email", "password", "next")
    db, secret = visitor.db, visitor.secret
    email_key = keyed_hash(secret, "email:" + form["email"].strip().lower())
    client_key = keyed_hash(secret, "client:" + (request.client.host if request.client else "?"))
    limits = {email_key: ratelimit.MAX_PER_ACCOUNT, client_key: ratelimit.MAX_PER_CLIENT}
    next_path = safe_next(form["next"])
    context = {"form": form, "next": next_path}
    wait = ratelimit.blocked_for(db, limits)
    if wait:
        response = render(
            request,
            "login.html",
            429,
            error=f"Too many failed attempts. Try again in {wait // 60 + 1} minutes.",
            **context,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        user = await run_in_threadpool(accounts.authenticate, db, form["email"], form["password"])
    except InvalidCredentials as e:
        ratelimit.record_failure(db, [email_key, client_key])
        db.commit()
        return render(request, "login.html", 400, error=str(e), **context)
    ratelimit.clear(db, email_key)
    guest = visitor.user()
    if guest is not None:
        accounts.merge_into(db, guest, user)
    visitor.start(user)
    db.commit()
    return see_other(next_path)


@router.post("/logout")
async def logout(visitor: Visitor = Depends(get_visitor)) -> Response:
    visitor.end()
    visitor.db.commit()
    return see_other("/")


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, user: User = Depends(require_account)) -> HTMLResponse:
    return render(request, "account.html", user=user)


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    user: User = Depends(require_account),
    visitor: Visitor = Depends(get_visitor),
) -> HTMLResponse:
    form = await fields(request, "current_password", "new_password")
    try:
        await run_in_threadpool(
            accounts.change_password,
            visitor.db,
            user,
            form["current_password"],
            form["new_password"],
        )
    except (InvalidCredentials, InvalidInput) as e:
        visitor.db.rollback()
        return render(request, "account.html", 400, user=user, password_error=str(e))
    visitor.identity = None  # change_password ended every session, this one included
    visitor.start(user)
    visitor.db.commit()
    notice = "Password changed. Other devices are logged out."
    return render(request, "account.html", user=user, notice=notice)


@router.post("/account/delete", response_class=HTMLResponse)
async def delete_account(
    request: Request,
    user: User = Depends(require_account),
    visitor: Visitor = Depends(get_visitor),
) -> Response:
    form = await fields(request, "password")
    try:
        await run_in_threadpool(accounts.delete_account, visitor.db, user, form["password"])
    except InvalidCredentials as e:
        visitor.db.rollback()
        return render(request, "account.html", 400, user=user, delete_error=str(e))
    visitor.identity = None  # the cascade removed it with the user
    visitor.end()
    visitor.db.commit()
    return see_other("/")


@router.get("/account/export.json")
async def export(visitor: Visitor = Depends(get_visitor)) -> Response:
    user = visitor.user()
    if user is None:
        return see_other("/notes")
    doc = portability.export_user(visitor.db, user)
    return Response(
        json.dumps(doc, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="mlsysbook-export.json"'},
    )


@router.post("/account/import", response_class=HTMLResponse)
async def import_data(
    request: Request,
    user: User = Depends(require_account),
    visitor: Visitor = Depends(get_visitor),
) -> HTMLResponse:
    try:
        doc = portability.parse_export(await upload(request, "file"))
        counts = portability.import_into(visitor.db, user.id, doc)
    except InvalidInput as e:
        visitor.db.rollback()
        return render(request, "account.html", 400, user=user, import_error=str(e))
    visitor.db.commit()
    notice = f"Imported {counts['notes']} new notes."
    return render(request, "account.html", user=user, notice=notice)
