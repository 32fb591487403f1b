"""Behaviour that must match Quarto/Pandoc (found in review), one case each."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsysbook import book
from mlsysbook.book import pdf
from mlsysbook.book.export import ExportError, write_site
from tests.book.conftest import MakeBook, html_of, one, write_book

H = "# T {#sec-t}\n\n## A {#sec-t-a}\n\n"


def test_a_longer_closing_fence_still_closes(make_book: MakeBook) -> None:
    text = H + "::: {.callout-note}\n```python\nx = 1\n````\n:::\n\n## B {#sec-t-b}\n\nafter\n"
    c = one(make_book, text)
    assert [s.id for s in c.sections] == ["sec-t-a", "sec-t-b"]


def test_raw_format_blocks(make_book: MakeBook) -> None:
    text = (
        H + "```{=latex}\n\\begingroup\n```\n\n```{=html}\n<b>bold</b><script>x()</script>\n```\n\n"
        "Inline `\\newpage`{=latex} and `<i>it</i>`{=html}.\n"
    )
    html = html_of(one(make_book, text))
    assert "begingroup" not in html and "newpage" not in html and "{=" not in html
    assert "<b>bold</b>" in html and "<i>it</i>" in html and "<script" not in html


def test_inline_display_math(make_book: MakeBook) -> None:
    html = html_of(one(make_book, H + "Energy $$E = mc^2$$ in a sentence.\n"))
    assert '<span class="math display">E = mc^2</span>' in html and "$" not in html


def test_byte_order_mark(make_book: MakeBook) -> None:
    c = one(make_book, "\ufeff---\ntitle: x\n---\n" + H + "Body.\n")
    assert c.title == "T" and [s.id for s in c.sections] == ["sec-t-a"]


def test_hidden_content_does_not_take_numbers(make_book: MakeBook) -> None:
    text = H + (
        '::: {.content-visible when-format="pdf"}\n![P](p.svg){#fig-p}\n\n$$x$$ {#eq-h}\n:::\n\n'
        '::: {.content-visible when-format="html"}\n$$y$$ {#eq-h}\n:::\n\n'
        "![H](h.svg){#fig-h}\n\nSee @fig-h and @eq-h.\n"
    )
    b = make_book({"ch": text})
    assert not b.errors  # the same id in the html and pdf variants is not a duplicate
    html = html_of(b.chapters[0])
    assert ">Figure 1.1</a>" in html and ">Equation 1.1</a>" in html


def test_sub_figures_take_letters(make_book: MakeBook) -> None:
    text = H + (
        '::: {#fig-main fig-cap="Both."}\n![Left](a.svg){#fig-a}\n\n![Right](b.svg){#fig-b}\n'
        ":::\n\n![Next](n.svg){#fig-next}\n\nSee @fig-b, @fig-main and @fig-next.\n"
    )
    html = html_of(one(make_book, text))
    assert ">Figure 1.1(b)</a>" in html and ">Figure 1.1</a>" in html
    assert ">Figure 1.2</a>" in html and "<figcaption>(a) Left</figcaption>" in html


def test_glossary_marks_skip_math_and_entities(make_book: MakeBook, tmp_path: Path) -> None:
    root = tmp_path / "book"
    root.mkdir()
    (root / "g.json").write_text(
        '{"terms": [{"term": "latency", "definition": "time"},'
        ' {"term": "amp", "definition": "amplifier"}]}'
    )
    text = "---\nglossary: g.json\n---\n" + H + "$$T_{latency}$$\n\nRock & roll: latency.\n"
    html = one(make_book, text).sections[0].html
    assert "T_{latency}" in html and "&amp;" in html
    assert html.count("<dfn") == 1 and ">latency</dfn>" in html


def test_a_book_without_parts_is_numbered(tmp_path: Path) -> None:
    (tmp_path / "index.qmd").write_text("# Welcome {.unnumbered}\n")
    (tmp_path / "a.qmd").write_text("# A {#sec-a}\n\n![F](f.svg){#fig-f}\n")
    (tmp_path / "b.qmd").write_text("# B {#sec-b}\n\nSee @fig-f.\n")
    (tmp_path / "_quarto.yml").write_text(
        "book:\n  chapters: [index.qmd, a.qmd, b.qmd]\n  appendices: [x.qmd]\n"
    )
    (tmp_path / "x.qmd").write_text("# Extra {#sec-x}\n\nSee @sec-x.\n")
    b = book.load(tmp_path)
    assert [c.number for c in b.chapters] == [None, "1", "2", "A"]
    assert ">Figure 1.1</a>" in html_of(b.chapters[2])
    assert ">Appendix A</a>" in html_of(b.chapters[3])


def test_slugs_are_unique_and_url_safe(tmp_path: Path) -> None:
    for rel in ("index.qmd", "p1/index.qmd", "p2/index.qmd", "javascript:alert(1).qmd"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text("# Page {.unnumbered}\n")
    (tmp_path / "p1" / "index.qmd").write_text("# Part one page {.unnumbered}\n")
    (tmp_path / "p1" / "c.qmd").write_text("# C {#sec-c}\n")
    (tmp_path / "_quarto.yml").write_text(
        "book:\n  chapters:\n    - index.qmd\n    - part: p1/index.qmd\n"
        "      chapters: [p1/c.qmd]\n    - p2/index.qmd\n    - 'javascript:alert(1).qmd'\n"
    )
    b = book.load(tmp_path)
    slugs = [c.slug for c in b.chapters]
    assert len(set(slugs)) == len(slugs) and slugs[0] == "preface"
    assert all(s.replace("-", "").replace("_", "").isalnum() for s in slugs)
    assert [p.title for p in b.parts][1] == "Part one page"


@pytest.mark.parametrize("bad", ["chapters: 5", "appendices: 1", "chapters: {a: b}"])
def test_malformed_config_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    (tmp_path / "_quarto.yml").write_text(f"book:\n  {bad}\n")
    with pytest.raises(book.BookError, match="must be a list"):
        book.load(tmp_path)


def test_odd_config_types_never_crash(tmp_path: Path) -> None:
    (tmp_path / "a.qmd").write_text("# A {#sec-a}\n")
    (tmp_path / "_quarto.yml").write_text(
        "book:\n  chapters: [a.qmd, 3, {part: 4}]\ncrossref: {custom: 3}\n"
        "filter-metadata: {mlsysbook-ext/custom-numbered-blocks: {classes: [x]}}\n"
    )
    assert [c.slug for c in book.load(tmp_path).chapters] == ["a"]


def test_cells_that_draw_figures_keep_number_and_caption(make_book: MakeBook) -> None:
    text = (
        H + '```{python}\n#| label: fig-plot\n#| fig-cap: "A plot."\nx = 1\n```\n\nSee @fig-plot.\n'
    )
    html = html_of(one(make_book, text))
    assert (
        '<figure class="float fig" id="fig-plot">' in html and "Figure 1.1</span>: A plot." in html
    )


def test_site_output_folder_safety(make_book: MakeBook, tmp_path: Path) -> None:
    b = make_book({"ch": H + "x\n"})
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("keep")
    with pytest.raises(ExportError, match="not empty"):
        write_site(b, busy)
    assert (busy / "mine.txt").read_text() == "keep"
    with pytest.raises(ExportError, match="holds the book"):
        write_site(b, b.root.parent)
    site = tmp_path / "site"
    write_site(b, site)
    write_site(b, site)  # an earlier site may be replaced
    assert (site / "index.html").is_file()


def test_pdf_notes_and_images(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG")
    text = H + (
        "One[^a] two[^a].\n\n![s](../secret.png)\n\n![w](http://example.org/x.png)\n\n"
        "[^a]: Para one.\n\n    Para two.\n\n    - item\n"
    )
    root = write_book(tmp_path / "book", {"ch": text})
    c = book.load(root).chapters[0]
    out = pdf._chapter_html(c, root)
    assert out.count('<span class="footnote">') == 1  # cited twice, set once
    assert '<span class="fn-p">Para two.</span>' in out and '<span class="fn-li">item' in out
    assert "secret.png" not in out and "file:" not in out


def test_flat_chapter_list_with_part_pages(tmp_path: Path) -> None:
    """The textbook's own _quarto.yml: a flat list where parts/*.qmd pages open parts."""
    files = {
        "index.qmd": "# Welcome {.unnumbered}\n",
        "front/about.qmd": "# About {.unnumbered}\n",
        "parts/foundations.qmd": "# Foundations {.unnumbered}\n",
        "intro/intro.qmd": "# Introduction {#sec-intro}\n",
        "parts/build.qmd": "# Build {.unnumbered}\n",
        "train/train.qmd": "# Training {#sec-train}\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    chapters = "".join(f"    - {rel}\n" for rel in files)
    (tmp_path / "_quarto.yml").write_text(f"book:\n  chapters:\n{chapters}")
    b = book.load(tmp_path)
    assert [(p.title, [c.title for c in p.chapters]) for p in b.parts] == [
        ("", ["Welcome", "About"]),
        ("Foundations", ["Foundations", "Introduction"]),
        ("Build", ["Build", "Training"]),
    ]
    assert [c.number for c in b.chapters if c.number] == ["1", "2"]
