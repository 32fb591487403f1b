"""Loading a Quarto book project: its config (a ``book:`` chapter list with parts and
appendices, or a ``website:`` sidebar as the textbook's per-volume configs use), every
chapter, numbering across the book, and rendering."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlsysbook.book import chapter as ch
from mlsysbook.book.markdown import XREF_KINDS, make_parser
from mlsysbook.book.model import Book, Diagnostic, Part, ReadingPath, Ref
from mlsysbook.yamlfile import load_yaml

CONFIG_NAMES = ("_quarto.yml", "_quarto.yaml")
# Where a checkout of the textbook's repository keeps its Quarto project.
NESTED = ("book/quarto", "quarto")
BUNDLED = Path(__file__).resolve().parents[3] / "content"


class BookError(ValueError):
    """The book cannot be loaded at all (no config, or the config is unreadable)."""


def bundled_root() -> Path:
    """The starter edition: ``content/`` of a checkout, or the copy in the wheel."""
    packaged = Path(__file__).resolve().parent / "content"
    return packaged if (packaged / "_quarto.yml").is_file() else BUNDLED


def find_config(path: Path) -> Path:
    if path.is_file():
        return path
    if not path.is_dir():
        raise BookError(f"{path}: no such file or directory")
    for base in (path, *(path / n for n in NESTED)):
        for name in CONFIG_NAMES:
            if (base / name).is_file():
                return base / name
    raise BookError(f"{path}: no _quarto.yml here (give the book's folder or its config file)")


PAGE = "page:"  # a part named by its page: the page's heading is the part's title


@dataclass
class TocEntry:
    path: str
    part: str
    appendix: bool
    frontmatter: bool


def _entries(items: Any, part: str, appendix: bool, front: bool) -> list[TocEntry]:
    out: list[TocEntry] = []
    if not isinstance(items, list):
        return out  # a malformed list is reported as "no chapters", never a crash
    for item in items:
        if isinstance(item, str):
            if item.strip() != "---" and item.endswith((".qmd", ".md")):
                out.append(TocEntry(item, part, appendix, front))
        elif isinstance(item, dict):
            if "part" in item or "section" in item:
                title = str(item.get("part") or item.get("section") or "")
                if title.endswith((".qmd", ".md")):  # a part page: its title is inside
                    title = PAGE + title
                    out.append(TocEntry(title[len(PAGE) :], title, appendix, True))
                kids = item.get("chapters") or item.get("contents")
                out += _entries(kids, title, appendix or "appendi" in title.lower(), False)
            elif isinstance(item.get("href"), str) and item["href"].endswith((".qmd", ".md")):
                out.append(TocEntry(item["href"], part, appendix, front))
            elif "contents" in item:
                out += _entries(item["contents"], part, appendix, front)
    return out


def read_config(config: Path) -> tuple[dict[str, Any], list[TocEntry]]:
    cfg = load_yaml(config, BookError)
    if not isinstance(cfg, dict):
        raise BookError(f"{config}: expected a mapping of settings")
    if isinstance(cfg.get("book"), dict):
        book = cfg["book"]
        for key in ("chapters", "appendices"):
            if key in book and not isinstance(book[key], list):
                raise BookError(f"{config}: book.{key} must be a list of files")
        toc = _entries(book.get("chapters"), "", False, True)
        page = ""
        for e in toc:  # Quarto numbers every chapter of a book but its index page
            e.frontmatter = e.frontmatter and (bool(e.part) or Path(e.path).stem == "index")
            if not e.part and "parts" in Path(e.path).parts[:-1]:
                # the textbook lists part pages (contents/…/parts/x.qmd) in a flat list
                # and injects its parts with a filter: each such page opens a part
                page = PAGE + e.path
                e.frontmatter = True
            if not e.part and page:
                e.part = page
        toc += _entries(book.get("appendices"), "Appendices", True, False)
    elif isinstance(cfg.get("website"), dict):
        sidebar = cfg["website"].get("sidebar")
        bars = sidebar if isinstance(sidebar, list) else [sidebar] if sidebar else []
        toc = [
            e
            for bar in bars
            if isinstance(bar, dict)
            for e in _entries(bar.get("contents"), "", False, True)
        ]
    else:
        raise BookError(f"{config}: has neither a 'book:' nor a 'website:' section")
    return cfg, toc


def _labels(cfg: dict[str, Any]) -> dict[str, str]:
    """Callout labels from the custom-numbered-blocks filter settings, when present."""
    meta = cfg.get("filter-metadata") or {}
    blocks = meta.get("mlsysbook-ext/custom-numbered-blocks") if isinstance(meta, dict) else None
    classes = blocks.get("classes") if isinstance(blocks, dict) else None
    out: dict[str, str] = {}
    for name, spec in (classes if isinstance(classes, dict) else {}).items():
        if isinstance(spec, dict) and isinstance(spec.get("label"), str):
            out[str(name).removeprefix("callout-")] = spec["label"]
    return out


def _paths(root: Path, slugs: set[str], diags: list[Diagnostic]) -> dict[str, ReadingPath]:
    file = root / "paths.yml"
    if not file.is_file():
        return {}
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        out = {}
        for item in raw.get("paths", []):
            chapters = tuple(str(s) for s in item.get("chapters", []))
            missing = [s for s in chapters if s not in slugs]
            if missing:
                diags.append(
                    Diagnostic(
                        "warning", file, 0, f"path {item.get('key')}: unknown chapters {missing}"
                    )
                )
            key = str(item["key"])
            out[key] = ReadingPath(
                key, str(item.get("title", key)), str(item.get("description", "")),
                tuple(s for s in chapters if s in slugs),
            )  # fmt: skip
        return out
    except (yaml.YAMLError, AttributeError, KeyError, TypeError) as e:
        diags.append(Diagnostic("error", file, 0, f"reading paths: cannot read ({e})"))
        return {}


def load(
    path: Path | str,
    *,
    execute: bool | None = None,
    output_format: str = "html",
) -> Book:
    """Load and render a book. Python cells run for our bundled edition; for any other
    book only with ``execute=True`` (then in a subprocess per chapter)."""
    path = Path(path)
    if path.is_file() and path.suffix in (".qmd", ".md"):  # one chapter on its own
        cfg: dict[str, Any] = {}
        config, toc = path, [TocEntry(path.name, "", False, False)]
    else:
        config = find_config(path)
        cfg, toc = read_config(config)
    # A profile config may sit in config/ beside the project: paths are relative to
    # whichever folder holds more of the listed chapters.
    root = max(
        (config.parent, config.parent.parent),
        key=lambda r: sum((r / e.path).is_file() for e in toc),
    )
    trusted = root.resolve() == bundled_root().resolve()
    run_cells = trusted if execute is None else execute
    diags: list[Diagnostic] = []
    kinds = _custom_kinds(cfg)
    md = make_parser()

    parsed: list[tuple[ch.Parsed, TocEntry]] = []
    slugs: set[str] = set()
    for entry in toc:
        file = root / entry.path
        if not file.is_file():
            diags.append(Diagnostic("error", config, 0, f"chapter {entry.path} not found"))
            continue
        slug = _slug(file, root, slugs)
        slugs.add(slug)
        p = ch.parse(file, slug, md, kinds)
        p.tokens = ch.drop_hidden(p.tokens, output_format)  # before numbering, as Quarto does
        parsed.append((p, entry))

    refs: dict[str, Ref] = {}
    n_chapter, n_appendix = 0, 0
    for p, entry in parsed:
        if _unnumbered(p) or entry.frontmatter or p.slug == "preface":
            label = None
        elif entry.appendix:
            label = string.ascii_uppercase[n_appendix % 26]
            n_appendix += 1
        else:
            n_chapter += 1
            label = str(n_chapter)
        ch.number(p, label, refs)

    execute_cfg = _mapping(cfg.get("execute"))
    opts = ch.RenderOptions(
        execute=run_cells,
        in_process=trusted,
        echo=bool(execute_cfg.get("echo", False)),
        output_format=output_format,
        labels=_labels(cfg),
        # as Quarto: cells run in the project folder with `execute-dir: project`
        cell_dir=root if _mapping(cfg.get("project")).get("execute-dir") == "project" else None,
        cell_env={str(k): str(v) for k, v in _mapping(execute_cfg.get("env")).items()},
    )
    page_titles = {PAGE + e.path: p.title for p, e in parsed if e.part == PAGE + e.path}

    def part_title(part: str) -> str:
        if not part.startswith(PAGE):
            return part
        return page_titles.get(part) or Path(part[len(PAGE) :]).stem.replace("_", " ").title()

    parts: list[Part] = []
    for p, entry in parsed:
        title = part_title(entry.part)
        chapter = ch.render(p, refs, opts, title)
        diags.extend(p.diagnostics)
        if not parts or parts[-1].title != title:
            parts.append(Part(title, []))
        parts[-1].chapters.append(chapter)

    meta: dict[str, Any] = next(
        (cfg[k] for k in ("book", "website") if isinstance(cfg.get(k), dict)), {}
    )
    return Book(
        root=root,
        title=str(meta.get("title", root.name)),
        subtitle=str(meta.get("subtitle", "") or meta.get("description", "")),
        author=_author(meta.get("author")),
        parts=parts,
        refs=refs,
        diagnostics=diags,
        paths=_paths(root, {c.slug for p in parts for c in p.chapters}, diags),
        trusted=trusted,
    )


def _slug(file: Path, root: Path, taken: set[str]) -> str:
    """A URL-safe name for a chapter, unique in the book: its file name (``index`` at the
    top is the preface), else its folder and file name, else with a counter."""

    def safe(s: str) -> str:
        return re.sub(r"[^A-Za-z0-9_-]+", "-", s).strip("-") or "chapter"

    stem = "preface" if file.stem == "index" and file.parent == root else safe(file.stem)
    candidates = [stem, f"{safe(file.parent.name)}-{stem}"]
    candidates += [f"{stem}-{n}" for n in range(2, 10_000)]
    return next(c for c in candidates if c not in taken)


def _unnumbered(p: ch.Parsed) -> bool:
    for tok in p.tokens:
        if tok.type == "heading_open" and tok.tag == "h1":
            attrs = tok.meta.get("attrs")
            return bool(attrs and (attrs.has("unnumbered") or attrs.has("-")))
    return True  # no chapter heading: a page, not a chapter


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _author(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    return str(value or "")


def _custom_kinds(cfg: dict[str, Any]) -> tuple[str, ...]:
    crossref = cfg.get("crossref") if isinstance(cfg.get("crossref"), dict) else {}
    custom = crossref.get("custom") if isinstance(crossref, dict) else None
    items = custom if isinstance(custom, list) else []
    keys = [str(c["key"]) for c in items if isinstance(c, dict) and "key" in c]
    return (*XREF_KINDS, *keys)
