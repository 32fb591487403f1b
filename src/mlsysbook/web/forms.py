"""Reading HTML form fields with clear errors instead of 422s or 500s."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from mlsysbook.store.errors import InvalidInput

MAX_FIELD = 200_000


async def fields(request: Request, *names: str) -> dict[str, str]:
    """The named text fields ("" when absent). A file or an oversized value where text
    belongs is the sender's mistake, reported as InvalidInput."""
    form = await request.form()
    out: dict[str, str] = {}
    for name in names:
        value = form.get(name, "")
        if not isinstance(value, str):
            raise InvalidInput(f"The field {name!r} must be text.")
        if len(value) > MAX_FIELD:
            raise InvalidInput(f"The field {name!r} is too long.")
        if "\x00" in value:
            raise InvalidInput(f"The field {name!r} contains a NUL character.")
        out[name] = value
    return out


async def upload(request: Request, name: str) -> bytes:
    form = await request.form()
    value = form.get(name)
    if not isinstance(value, UploadFile):
        raise InvalidInput("Choose a file to upload.")
    return await value.read()
