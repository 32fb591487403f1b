"""The book as one PDF (WeasyPrint): a cover, a table of contents with page numbers,
numbered chapters, figures and tables, true footnotes at the foot of the page, and
math typeset to SVG by matplotlib's mathtext (no JavaScript in a PDF)."""

from __future__ import annotations

import base64
import html
import io
import re
import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from mlsysbook.book.export import ExportError, stylesheet, templates
from mlsysbook.book.model import Book, Chapter

PAGE_CSS = """
@page { size: A4; margin: 22mm 20mm 24mm;
  @bottom-center { content: counter(page); font-size: 9pt; color: #5b6473; }
  @top-center { content: string(chapter); font-size: 8.5pt; color: #5b6473; } }
@page cover { @bottom-center { content: none; } @top-center { content: none; } }
body { font-family: "DejaVu Serif", serif; font-size: 10.5pt; }
.book { max-width: none; }
.cover { page: cover; break-after: page; padding-top: 30%; text-align: center; }
.cover h1 { font-size: 28pt; } .cover .subtitle { font-size: 13pt; color: #333b48; }
.cover .author { margin-top: 3cm; font-size: 12pt; }
.toc { break-after: page; } .toc ol { list-style: none; padding-left: 0; }
.toc li.part { font-weight: 700; margin-top: .6em; }
.toc a { color: inherit; text-decoration: none; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
.chapter { break-before: page; }
.chapter h1 { string-set: chapter content(); }
h2, h3 { break-after: avoid; } figure, table, .equation { break-inside: avoid; }
.footnote { float: footnote; font-size: 8.5pt; line-height: 1.35; }
::footnote-call { content: counter(footnote); vertical-align: super; font-size: 70%; }
::footnote-marker { content: counter(footnote) ". "; }
.fn-p, .fn-ul, .fn-ol, .fn-blockquote, .fn-div { display: block; }
.fn-li { display: list-item; margin-left: 1.2em; }
img.math { vertical-align: middle; }
div.mathblock { text-align: center; margin: .6em 0; }
.equation .mathblock { flex: 1; margin: 0; }
code.tex { font-size: 9pt; color: #333b48; }
a { color: #0b5cad; text-decoration: none; }
details > summary { display: none; }
.index { break-before: page; } .index dl { columns: 2; font-size: 9pt; }
.index dt { break-after: avoid; } .index dd { margin: 0 0 .2em 1em; }
a.pageref::after { content: target-counter(attr(href), page); }
"""

_INLINE = re.compile(r'<span class="math inline">(.*?)</span>', re.S)
_DISPLAY = re.compile(r'<div class="math display">(.*?)</div>', re.S)
_FN_REF = re.compile(r'<sup class="footnote-ref"><a href="#(fn-[^"]+)"[^>]*>\[[^\]]*\]</a></sup>')
_IMG_SRC = re.compile(r'<img src="([^"]+)"')


@cache
def _math_svg(tex: str, display: bool) -> str | None:
    """An SVG data URI for ``tex``, or None when mathtext cannot typeset it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import math_to_image

    buf = io.BytesIO()
    size = FontProperties(size=13 if display else 11)
    try:
        math_to_image(f"${tex.strip()}$", buf, format="svg", prop=size)
    except Exception:  # mathtext raises ValueError/ParseException for unsupported TeX
        return None
    svg = re.sub(rb"<metadata>.*?</metadata>", b"", buf.getvalue(), flags=re.S)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _typeset(fragment: str) -> str:
    def swap(display: bool):  # type: ignore[no-untyped-def]
        def inner(m: re.Match[str]) -> str:
            tex = html.unescape(m.group(1))
            uri = _math_svg(tex, display)
            if uri is None:
                code = f'<code class="tex">{html.escape(tex)}</code>'
                return f'<div class="mathblock">{code}</div>' if display else code
            img = f'<img class="math" src="{uri}" alt="{html.escape(tex)}">'
            return f'<div class="mathblock">{img}</div>' if display else img

        return inner

    return _INLINE.sub(swap(False), _DISPLAY.sub(swap(True), fragment))


def _inline_note(body: str) -> str:
    """A note's HTML made of inline elements (it sits inside a paragraph): its
    paragraphs and list items become block-displayed spans."""
    body = re.sub(r"<(p|ul|ol|li|blockquote|div)(\s[^>]*)?>", r'<span class="fn-\1">', body)
    return re.sub(r"</(p|ul|ol|li|blockquote|div)>", "</span>", body)


def _chapter_html(c: Chapter, root: Path) -> str:
    body = (
        templates()
        .get_template("chapter_body.html")
        .module.chapter_body(  # type: ignore[attr-defined]
            replace(c, footnotes_html=""),
            reveal=False,  # notes go to the page foot
        )
    )
    placed: set[str] = set()

    def note(m: re.Match[str]) -> str:
        fid = m.group(1)
        if fid in placed or fid not in c.footnotes:  # cited again: the text is already set
            return ""
        placed.add(fid)
        return f'<span class="footnote">{_inline_note(c.footnotes[fid])}</span>'

    body = _FN_REF.sub(note, str(body))
    body = re.sub(r'href="\.\./[A-Za-z0-9_-]+/#', 'href="#', body)  # one document: ids only
    folder = c.path.parent.resolve()

    def absolute(m: re.Match[str]) -> str:
        src = html.unescape(m.group(1))
        if re.match(r"^[a-z]+:", src):
            return m.group(0)
        target = (folder / src).resolve()
        if not target.is_file() or not target.is_relative_to(root.resolve()):
            return '<img src=""'  # missing, or outside the book: never embedded
        return f'<img src="{html.escape(target.as_uri())}"'

    inner = _typeset(_IMG_SRC.sub(absolute, body))
    return f'<article class="chapter" id="ch-{c.slug}">{inner}</article>'


def book_html(book: Book) -> str:
    toc = []
    for part in book.parts:
        if part.title:
            toc.append(f'<li class="part">{html.escape(part.title)}</li>')
        for c in part.chapters:
            toc.append(f'<li><a href="#ch-{c.slug}">{html.escape(c.label)}</a></li>')
    chapters = "".join(_chapter_html(c, book.root) for c in book.chapters)
    entries = "".join(
        f"<dt>{html.escape(heading)}</dt><dd>"
        + ", ".join(f'<a class="pageref" href="#{html.escape(s)}"></a>' for _, s in places)
        + "</dd>"
        for heading, places in book.index()
    )
    index = f'<section class="index"><h1>Index</h1><dl>{entries}</dl></section>' if entries else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(book.title)}</title>"
        f'<style>{stylesheet()}{PAGE_CSS}</style></head><body><div class="book">'
        f'<section class="cover"><h1>{html.escape(book.title)}</h1>'
        f'<p class="subtitle">{html.escape(book.subtitle)}</p>'
        f'<p class="author">{html.escape(book.author)}</p></section>'
        f'<nav class="toc"><h2>Contents</h2><ol>{"".join(toc)}</ol></nav>'
        f"{chapters}{index}</div></body></html>"
    )


def render_pdf(book: Book, out: Path) -> int:
    """Write the PDF atomically; return its page count."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except OSError as e:  # Pango missing: WeasyPrint cannot load its libraries
        raise ExportError(f"PDF export needs Pango (apt install libpango-1.0-0): {e}") from None
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    root = book.root.resolve()

    class BookFiles(URLFetcher):  # type: ignore[misc]
        """Only inline data and files inside the book: no network, nothing else on disk."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if path.is_relative_to(root):
                    return super().fetch(url, headers)
            raise ValueError(f"not fetched while building the PDF: {url[:80]}")

    document = HTML(
        string=book_html(book), base_url=str(root), url_fetcher=BookFiles(timeout=5)
    ).render()
    out = out.resolve()
    with tempfile.NamedTemporaryFile(dir=out.parent, suffix=".pdf", delete=False) as tmp:
        document.write_pdf(tmp.name)
    Path(tmp.name).replace(out)
    return len(document.pages)
