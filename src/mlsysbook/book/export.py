"""Writing a loaded book out: a static site that works from ``file://`` (offline search
included) and a PDF through WeasyPrint."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path

import jinja2

from mlsysbook.book.highlight import css as pygments_css
from mlsysbook.book.model import Book, Chapter

ASSETS = Path(__file__).parent / "assets"
TEMPLATES = Path(__file__).parent / "templates"
_IMG = re.compile(r'<img src="([^"]+)"')
_OTHER_CHAPTER = re.compile(r'href="\.\./([A-Za-z0-9_-]+)/#')
MARKER = ".mlsysbook-site"  # marks a folder a rebuild may replace


class ExportError(Exception):
    """The book cannot be written in the asked format."""


@cache
def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def stylesheet() -> str:
    """book.css plus the Pygments colours for code."""
    return (ASSETS / "book.css").read_text(encoding="utf-8") + "\n" + pygments_css()


def search_index(book: Book, url: str = "{slug}/index.html#{id}") -> list[dict[str, str]]:
    return [
        {
            "t": f"{s.number} {s.title}".strip(),
            "c": c.label,
            "u": url.format(slug=c.slug, id=s.id),
            "x": s.text,
        }
        for c in book.chapters
        for s in c.sections
    ]


def _images(chapter: Chapter) -> set[str]:
    """Relative image paths a chapter's HTML uses (copied next to its page)."""
    html = chapter.intro_html + "".join(s.html for s in chapter.sections)
    return {src for src in _IMG.findall(html) if not re.match(r"^[a-z]+:", src)}


def _safe_copy(base: Path, rel: str, dest_dir: Path) -> None:
    src = (base / rel).resolve()
    if not src.is_file() or not src.is_relative_to(base.resolve()):
        return  # missing images are reported by `book check`; never copy from outside
    target = dest_dir / rel
    if not target.resolve().is_relative_to(dest_dir.resolve()):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)


def write_site(book: Book, out: Path) -> str:
    """Write into ``out`` (built in a temporary folder, then moved into place, so a
    failed build never leaves half a site)."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if book.root.resolve().is_relative_to(out):
        raise ExportError(f"{out} holds the book itself: write the site somewhere else")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ExportError(f"{out} is not empty and holds no earlier site: choose a new folder")
    env = templates()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".mlsysbook-site-", dir=out.parent))
    try:
        assets = tmp / "assets"
        shutil.copytree(ASSETS, assets)
        (assets / "book.css").write_text(stylesheet(), encoding="utf-8")
        (tmp / MARKER).write_text("Written by `mlsysbook book build`; rebuilding replaces it.\n")
        index = json.dumps(search_index(book), ensure_ascii=False).replace("</", "<\\/")
        (assets / "search-index.js").write_text(f"window.SEARCH_INDEX={index};\n", encoding="utf-8")
        page = env.get_template("site/index.html").render(book=book, up="")
        (tmp / "index.html").write_text(page, encoding="utf-8")
        terms, entries = sorted(book.glossary.items()), book.index()
        for name in ("search", "glossary", "book-index"):
            text = env.get_template(f"site/{name}.html").render(
                book=book, up="", terms=terms, entries=entries
            )
            (tmp / f"{name}.html").write_text(text, encoding="utf-8")
        chapters = book.chapters
        for i, c in enumerate(chapters):
            folder = tmp / c.slug
            folder.mkdir()
            text = env.get_template("site/chapter.html").render(
                book=book,
                chapter=c,
                up="../",
                prev=chapters[i - 1] if i else None,
                next=chapters[i + 1] if i + 1 < len(chapters) else None,
            )
            text = _OTHER_CHAPTER.sub(r'href="../\1/index.html#', text)  # file:// has no index
            (folder / "index.html").write_text(text, encoding="utf-8")
            for rel in _images(c):
                _safe_copy(c.path.parent, rel, folder)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return f"{out}/index.html ({len(chapters)} chapters)"


def write_pdf(book: Book, out: Path) -> str:
    from mlsysbook.book.pdf import render_pdf

    pages = render_pdf(book, out)
    return f"{out} ({pages} pages)"
