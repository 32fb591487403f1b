"""`mlsysbook book`: check and build a Quarto book (our starter edition by default)."""

from __future__ import annotations

import html
import time
from enum import StrEnum
from pathlib import Path

import typer

from mlsysbook.cli.common import fail

app = typer.Typer(help="Read: check and build the book.", no_args_is_help=True)

EXIT_PROBLEMS = 1

PATH = typer.Argument(
    None,
    help="The book's folder or _quarto.yml, or one chapter .qmd (default: the starter edition).",
)
EXECUTE = typer.Option(
    False, "--execute", help="Run another book's Python cells (in a subprocess per chapter)."
)


def _load(path: Path | None, execute: bool, output_format: str = "html"):  # type: ignore[no-untyped-def]
    from mlsysbook import book

    try:
        return book.load(
            path or book.bundled_root(),
            execute=True if execute else None,
            output_format=output_format,
        )
    except book.BookError as e:
        fail(str(e))


@app.command()
def check(
    path: Path | None = PATH,
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    execute: bool = EXECUTE,
) -> None:
    """List every problem (file:line: level: message); exit 1 on any error."""
    start = time.perf_counter()
    b = _load(path, execute)
    for d in b.diagnostics:
        typer.echo(str(d), err=d.level == "error")
    errors = len(b.errors)
    warnings = len(b.diagnostics) - errors
    took = time.perf_counter() - start
    typer.echo(
        f"{len(b.chapters)} chapters, {sum(c.words for c in b.chapters):,} words: "
        f"{errors} error(s), {warnings} warning(s) in {took:.2f} s",
        err=True,
    )
    if errors or (strict and warnings):
        raise typer.Exit(EXIT_PROBLEMS)


class Target(StrEnum):
    html = "html"
    pdf = "pdf"


@app.command()
def build(
    path: Path | None = PATH,
    to: Target = typer.Option(Target.html, "--to", help="html: a static site; pdf: one PDF."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the site, or the PDF file."),
    execute: bool = EXECUTE,
) -> None:
    """Write the book as a static site (works from file://, with offline search) or a PDF."""
    from mlsysbook.book import export

    start = time.perf_counter()
    b = _load(path, execute, "html" if to is Target.html else "pdf")
    for d in b.errors:
        typer.echo(str(d), err=True)
    try:
        written = export.write_site(b, out) if to is Target.html else export.write_pdf(b, out)
    except OSError as e:
        fail(f"cannot write {out}: {e.strerror or e}")
    except export.ExportError as e:
        fail(str(e))
    typer.echo(f"wrote {written} in {time.perf_counter() - start:.1f} s", err=True)


@app.command()
def toc(path: Path | None = PATH) -> None:
    """The table of contents: parts, numbered chapters, sections and words."""
    b = _load(path, False)
    typer.echo(b.title)
    for part in b.parts:
        if part.title:
            typer.echo(f"\n{part.title}")
        for c in part.chapters:
            typer.echo(f"  {c.label}  ({len(c.sections)} sections, {c.words:,} words)")
            for s in c.sections:
                if s.number:
                    typer.echo(f"      {s.number} {s.title}")
    if b.paths:
        typer.echo(
            "\nReading paths: "
            + ", ".join(f"{p.key} ({len(p.chapters)})" for p in b.paths.values())
        )


@app.command()
def search(
    query: str = typer.Argument(..., help="Words to find (the last one may be a prefix)."),
    path: Path | None = typer.Option(
        None, "--book", help="Another book (default: the starter edition)."
    ),
    limit: int = typer.Option(10, min=1, max=100, help="How many sections to list."),
) -> None:
    """Search every section, and the glossary; exit 1 when nothing matches."""
    import re

    from mlsysbook.book.search import SearchIndex

    index = SearchIndex(_load(path, False))
    terms = index.glossary(query, limit=3)
    for t in terms:
        typer.echo(f"{t.term}: {t.definition}")
    hits = index.search(query, limit)
    if terms and hits:
        typer.echo("")
    for h in hits:
        snippet = re.sub(r"</?mark>", "*", h.snippet_html)
        typer.echo(f"{h.chapter_label} > {h.title}  [{h.chapter}#{h.section}]")
        typer.echo(f"    {html.unescape(snippet)}")
    if not hits and not terms:
        typer.echo(f"nothing matches {query!r}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
