"""The content model: Book → Part → Chapter → Section, plus what a check reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mlsysbook.book.quiz import Question
from mlsysbook.book.sidefiles import Term


@dataclass(frozen=True)
class Diagnostic:
    level: Literal["error", "warning"]
    path: Path
    line: int  # 1-based; 0 when the whole file is meant
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.level}: {self.message}"


@dataclass(frozen=True)
class Ref:
    """Something a cross-reference can point at."""

    id: str
    kind: str  # sec, fig, tbl, eq, lst, …
    number: str  # "3.2", "3.4", "" when unnumbered
    title: str
    chapter: str  # slug of the chapter holding it


@dataclass
class Section:
    id: str
    title: str
    number: str  # "" for unnumbered sections (Purpose, Summary…)
    html: str
    text: str  # plain text, for search
    questions: list[Question] = field(default_factory=list)
    subsections: list[tuple[str, str, str]] = field(default_factory=list)  # id, number, title


@dataclass
class Chapter:
    slug: str
    path: Path
    id: str
    title: str
    number: str | None  # "3", or "A" for an appendix; None: unnumbered (preface…)
    part: str
    objectives: list[str]
    purpose: str  # the purpose question, plain text
    intro_html: str  # anything before the first section
    sections: list[Section]
    footnotes_html: str
    footnotes: dict[str, str]  # note id ("fn-<slug>-<n>") -> its HTML
    glossary: list[Term]
    concepts: dict[str, list[str]]
    index_terms: list[tuple[str, str]]  # (term, section id)
    links: dict[str, str]  # front matter `mlsysbook:` links (tinytorch, sim)
    words: int

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass
class Part:
    title: str
    chapters: list[Chapter]


@dataclass
class Book:
    root: Path
    title: str
    subtitle: str
    author: str
    parts: list[Part]
    refs: dict[str, Ref]
    diagnostics: list[Diagnostic]
    paths: dict[str, ReadingPath]
    trusted: bool

    @property
    def chapters(self) -> list[Chapter]:
        return [c for p in self.parts for c in p.chapters]

    def chapter(self, slug: str) -> Chapter | None:
        return next((c for c in self.chapters if c.slug == slug), None)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    def index(self) -> list[tuple[str, list[tuple[Chapter, str]]]]:
        """The back-of-book index from ``\\index{Term!sub}`` entries: (heading, places)
        sorted case-insensitively; "Term!sub" reads "Term, sub"."""
        places: dict[str, list[tuple[Chapter, str]]] = {}
        for c in self.chapters:
            for term, section in c.index_terms:
                heading = ", ".join(p.strip() for p in term.split("!") if p.strip())
                if heading and (c, section) not in places.setdefault(heading, []):
                    places[heading].append((c, section))
        return sorted(places.items(), key=lambda kv: kv[0].lower())

    @property
    def glossary(self) -> dict[str, Term]:
        """Every chapter's terms, first definition wins, keyed by lower-case term."""
        out: dict[str, Term] = {}
        for c in self.chapters:
            for t in c.glossary:
                out.setdefault(t.term.lower(), t)
        return out


@dataclass(frozen=True)
class ReadingPath:
    key: str
    title: str
    description: str
    chapters: tuple[str, ...]  # slugs, in reading order
