"""Build: TinyTorch's modules and milestones, and the book chapters that lead to them."""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mlsysbook.web.pages import render
from mlsysbook.web.routes.read import library

router = APIRouter(include_in_schema=False)

MODULES = (
    "tensor", "autograd", "ops", "conv", "nn", "optim", "data", "train", "checkpoint",
    "tokenizers", "gpt",
)  # fmt: skip


def _summary(module: str) -> str:
    doc = importlib.import_module(f"mlsysbook.tinytorch.{module}").__doc__ or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


@router.get("/build", response_class=HTMLResponse)
async def build_page(request: Request) -> Response:
    from mlsysbook.tinytorch.milestones import MILESTONES

    lib = await library()
    readers: dict[str, list[Any]] = {}  # milestone or module -> chapters that point to it
    for c in lib.book.chapters:
        for key in ("tinytorch", "tinytorch_module"):
            if c.links.get(key):
                readers.setdefault(c.links[key], []).append(c)
    return render(
        request,
        "build.html",
        milestones=list(MILESTONES.values()),
        modules=[(m, _summary(m)) for m in MODULES],
        readers=readers,
    )
