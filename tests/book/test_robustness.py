"""Random and hostile Markdown never crashes the renderer and never emits script."""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mlsysbook import book
from mlsysbook.book.attrs import parse_attrs
from mlsysbook.book.quiz import load_quiz
from mlsysbook.book.search import SearchIndex, fts_query
from mlsysbook.book.sidefiles import SideFileError, load_concepts, load_glossary
from tests.book.conftest import html_of, write_book

# Fragments of every construct the engine handles, including broken and hostile ones.
PIECES = [
    "# T {#sec-t}\n", "## S {#sec-s .unnumbered}\n", "### x\n", "::: {.callout-note}\n",
    '::: {#fig-a fig-cap="c"}\n', ":::\n", "::::\n", "::: nope\n", "$$\n", "$$ {#eq-a}\n",
    "$x$", "@sec-s", "@fig-a", "-@eq-a", "[@cite]", "\\index{A!b}", "\\newpage\n",
    "\\begin{x}\n", "\\end{x}\n", "```{python}\n", "```\n", "`{python} 1+1`", "[^fn]",
    "[^fn]: note\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", ": cap {#tbl-a}\n",
    "![alt](i.png){#fig-b}", "<script>alert(1)</script>", '<a href="javascript:x">j</a>',
    '<img src=x onerror="alert(1)">', "{onclick=alert(1)}", "<style>p{}</style>",
    "<iframe src=x></iframe>", "\n", "\n\n", " ", "word ", "*em* ", "{", "}", "<", ">",
]  # fmt: skip
markdown = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=20)), max_size=40).map(
    "".join
)

UNSAFE = re.compile(r"<script|<iframe|<style|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def _render(text: str) -> book.Book:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_book(Path(tmp), {"ch": text})
        return book.load(root)


@settings(max_examples=150, deadline=None)
@given(markdown)
def test_random_markdown_never_crashes_or_emits_script(text: str) -> None:
    b = _render(text)
    html = "".join(html_of(c) for c in b.chapters)
    # tags and attributes only: "javascript:" as visible text is harmless
    tags = " ".join(re.findall(r"<[^>]*>", html))
    assert not UNSAFE.search(tags), tags
    for d in b.diagnostics:
        assert d.line >= 0 and d.message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_attribute_parser_takes_anything(text: str) -> None:
    a = parse_attrs(text)
    assert isinstance(a.classes, list) and isinstance(a.kv, dict)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_search_takes_any_query(text: str) -> None:
    query = fts_query(text)
    # only quoted words reach FTS5: no operators, columns or stray quotes
    assert all(re.fullmatch(r'"\w+"\*?', part) for part in query.split())
    _INDEX.search(text)  # never raises


with tempfile.TemporaryDirectory() as _tmp:
    _INDEX = SearchIndex(
        book.load(write_book(Path(_tmp), {"ch": "# T {#sec-t}\n\n## A {#sec-a}\n\nroofline\n"}))
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["sections", "section_id", "quiz_data", "questions", "question_type", "question",
             "answer", "choices", "metadata", "schema_version", "terms", "term", "definition"]
        ),
        inner,
        max_size=5,
    ),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.one_of(json_values.map(json.dumps), st.text(max_size=80)))
def test_side_file_parsers_only_raise_their_own_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "side.json"
        path.write_text(text, encoding="utf-8")
        for loader in (load_quiz, load_glossary):
            with contextlib.suppress(SideFileError):
                loader(path)
        path.write_text(text, encoding="utf-8")
        with contextlib.suppress(SideFileError):
            load_concepts(path)
