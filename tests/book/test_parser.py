"""Each Quarto construct the book engine supports, rendered from a small chapter."""

from __future__ import annotations

import re
from pathlib import Path

from mlsysbook.book.attrs import parse_attrs
from tests.book.conftest import MakeBook, html_of, one

CHAPTER = """\
---
title: ignored by the engine
---

# Tensors {#sec-tensors}

## Purpose {.unnumbered}

_Why do tensors matter?_

Because everything is one.

::: {.callout-learning-objectives}
- Explain what a tensor is
- Calculate the bytes of a tensor
:::

## Shapes {#sec-tensors-shapes}

Text with $a^2$ inline math and a note[^fn-a].

[^fn-a]: A footnote with *emphasis*.

### Strides {#sec-tensors-strides}

See @sec-tensors-layout, @Sec-tensors-shapes, @fig-cube, @tbl-sizes and @eq-bytes.
Bare number: -@fig-cube.

## Layout {#sec-tensors-layout}

![A cube of numbers.](cube.svg){#fig-cube fig-alt="A cube"}

| dtype | bytes |
|:------|------:|
| fp32  | 4     |

: Sizes of types. {#tbl-sizes}

$$
B = n \\cdot s
$$ {#eq-bytes}

::: {#def-tensor .callout-definition title="Tensor"}
An array with *named* axes.
:::

::: {.callout-war-story}
Nested:

::: {.callout-tip title="Inner tip"}
Still inside.
:::

:::

```python
x = [1, 2, 3]
```

Shapes\\index{Shape!of a tensor} matter.
"""


def test_headings_numbers_and_sections(make_book: MakeBook) -> None:
    c = one(make_book, CHAPTER)
    assert (c.id, c.title, c.number) == ("sec-tensors", "Tensors", "1")
    assert [(s.number, s.title) for s in c.sections] == [
        ("", "Purpose"),
        ("1.1", "Shapes"),
        ("1.2", "Layout"),
    ]
    assert c.sections[1].subsections == [("sec-tensors-strides", "1.1.1", "Strides")]
    assert c.purpose == "Why do tensors matter?"
    assert c.objectives == ["Explain what a tensor is", "Calculate the bytes of a tensor"]
    shapes = c.sections[1].html
    assert '<h2 id="sec-tensors-shapes"><span class="secnum">1.1</span> Shapes' in shapes


def test_cross_references_are_numbered_links(make_book: MakeBook) -> None:
    c = one(make_book, CHAPTER)
    html = c.sections[1].html
    for text, href in [
        ("Section 1.2", "#sec-tensors-layout"),
        ("Section 1.1", "#sec-tensors-shapes"),
        ("Figure 1.1", "#fig-cube"),
        ("Table 1.1", "#tbl-sizes"),
        ("Equation 1.1", "#eq-bytes"),
    ]:
        assert f'<a class="xref" href="{href}"' in html and f">{text}</a>" in html
    assert 'href="#fig-cube" rel="noopener noreferrer">1.1</a>' in html  # -@fig-cube


def test_figures_tables_equations_and_callouts(make_book: MakeBook) -> None:
    c = one(make_book, CHAPTER)
    html = c.sections[2].html
    assert '<figure class="float fig" id="fig-cube">' in html
    assert '<img src="cube.svg" alt="A cube"' in html
    assert "Figure 1.1</span>: A cube of numbers." in html
    assert '<figure class="float tbl" id="tbl-sizes">' in html and "Table 1.1</span>: " in html
    assert 'class="align-right"' in html and "style=" not in html
    assert '<div class="equation" id="eq-bytes">' in html and "(1.1)" in html
    assert '<aside class="callout callout-definition" id="def-tensor">' in html
    assert "Definition: Tensor" in html
    # nested callouts keep their structure
    outer = html.index("callout-war-story")
    inner = html.index("callout-tip")
    assert outer < inner < html.index("Still inside") and "Tip: Inner tip" in html
    assert '<div class="highlight">' in html  # Pygments


def test_footnotes_math_and_index(make_book: MakeBook) -> None:
    c = one(make_book, CHAPTER)
    assert 'class="footnote-ref"' in c.sections[1].html
    assert "A footnote with <em>emphasis</em>." in c.footnotes_html
    assert '<span class="math inline">a^2</span>' in c.sections[1].html
    assert ("Shape!of a tensor", "sec-tensors-layout") in c.index_terms
    assert "Shape!of" not in html_of(c)  # index entries are not shown inline


def test_missing_image_and_unresolved_reference_are_warnings(make_book: MakeBook) -> None:
    b = make_book({"ch": CHAPTER + "\nAnd @sec-nowhere.\n"})
    messages = [(d.level, d.message) for d in b.diagnostics]
    assert ("warning", "image cube.svg not found") in messages
    assert ("warning", "unresolved cross-reference @sec-nowhere") in messages
    assert not b.errors
    assert '<span class="xref missing">?@sec-nowhere</span>' in html_of(b.chapters[0])


def test_diagnostics_name_file_and_line(make_book: MakeBook) -> None:
    text = "# T {#sec-t}\n\n## A {#sec-t-a}\n\nline five\n\nsee @fig-none here\n"
    b = make_book({"ch": text})
    (d,) = b.diagnostics
    assert d.path.name == "ch.qmd" and d.line == 7 and "@fig-none" in d.message
    assert str(d).endswith("ch.qmd:7: warning: unresolved cross-reference @fig-none")


def test_malformed_front_matter_is_an_error_not_a_crash(make_book: MakeBook) -> None:
    b = make_book({"ch": "---\nquiz: [unclosed\n---\n# Still renders {#sec-x}\n\nBody.\n"})
    (err,) = b.errors
    assert err.line >= 2 and "front matter: not valid YAML" in err.message
    assert b.chapters[0].title == "Still renders"


def test_duplicate_ids_and_unclosed_divs(make_book: MakeBook) -> None:
    b = make_book({"ch": "# A {#sec-a}\n\n## B {#sec-a}\n\n::: {.callout-note}\nopen\n"})
    assert any("duplicate id #sec-a" in d.message for d in b.errors)
    assert any("never closed" in d.message for d in b.diagnostics)


def test_cross_chapter_links_use_the_other_chapters_page(make_book: MakeBook) -> None:
    b = make_book(
        {
            "first": "# First {#sec-first}\n\n## Part {#sec-first-part}\n\nSee @sec-second.\n",
            "second": "# Second {#sec-second}\n\n## S {#sec-second-s}\n\nSee @sec-first-part.\n",
        }
    )
    first, second = b.chapters
    assert (first.number, second.number) == ("1", "2")
    assert 'href="../second/#sec-second"' in first.sections[0].html
    assert ">Chapter 2</a>" in first.sections[0].html
    assert 'href="../first/#sec-first-part"' in second.sections[0].html
    assert ">Section 1.1</a>" in second.sections[0].html


def test_content_visible_by_format(make_book: MakeBook) -> None:
    text = (
        "# T {#sec-t}\n\n## A {#sec-t-a}\n\n"
        '::: {.content-visible when-format="pdf"}\nPDF ONLY\n:::\n\n'
        '::: {.content-visible when-format="html"}\nHTML ONLY\n:::\n\n'
        '::: {.content-hidden when-format="html"}\nNOT IN HTML\n:::\n'
    )
    html = html_of(one(make_book, text))
    assert "HTML ONLY" in html and "PDF ONLY" not in html and "NOT IN HTML" not in html
    pdf = html_of(one(make_book, text, output_format="pdf"))
    assert "PDF ONLY" in pdf and "HTML ONLY" not in pdf


def test_raw_latex_is_dropped_from_html(make_book: MakeBook) -> None:
    text = (
        "# T {#sec-t}\n\n\\newpage\n\n\\begin{marginfigure}\n\\mlsysstack{1}{2}\n"
        "\\end{marginfigure}\n\n## A {#sec-t-a}\n\n\\noindent Kept \\textbf{bold} text.\n"
    )
    html = html_of(one(make_book, text))
    assert "newpage" not in html and "mlsysstack" not in html and "noindent" not in html
    assert "Kept bold text." in html


PY = """\
# Living {#sec-living}

## Numbers {#sec-living-n}

```{python}
#| echo: false
side = 3
area = f"{side ** 2}"
print("hello from a cell")
```

The area is `{python} area` square units; `{python} side * 2` is the perimeter halved.
"""


def test_python_cells_run_for_a_trusted_book(make_book: MakeBook) -> None:
    c = one(make_book, PY, trusted=True)
    html = c.sections[0].html
    assert '<span class="living" title="Computed when this page was built">9</span>' in html
    assert ">6</span>" in html
    assert "hello from a cell" in html  # printed output is shown
    assert "side ** 2" not in html  # echo: false hides the code


def test_python_cells_of_other_books_are_shown_not_run(make_book: MakeBook) -> None:
    c = one(make_book, PY)
    html = c.sections[0].html
    assert "Python cell (not run)" in html and "side" in html
    assert '<span class="living placeholder" title="area">⟨area⟩</span>' in html
    assert "cell-output" not in html


def test_execute_runs_another_books_cells_in_a_subprocess(make_book: MakeBook) -> None:
    text = PY.replace("side = 3", "import os\nside = 3\nos.environ['LEAK'] = '1'")
    c = one(make_book, text, execute=True)
    assert 'when this page was built">9</span>' in c.sections[0].html
    import os

    assert "LEAK" not in os.environ  # it ran in another process


def test_failing_living_number_shows_and_is_an_error(make_book: MakeBook) -> None:
    text = PY + "\nBroken: `{python} missing_name + 1`.\n"
    b = make_book({"ch": text}, trusted=True)
    (err,) = b.errors
    assert "inline `missing_name + 1` fails: NameError" in err.message and err.line > 1
    assert 'class="living error" role="alert"' in html_of(b.chapters[0])


def test_attribute_blocks() -> None:
    a = parse_attrs(
        '#fig-x .wide .callout-note title="A \\"quoted\\" title" width=80% layout-narrow'
    )
    assert a.id == "fig-x" and a.classes == ["wide", "callout-note", "layout-narrow"]
    assert a.kv == {"title": 'A "quoted" title', "width": "80%"}
    assert parse_attrs("}{ garbage =").classes  # never raises


def test_rendered_html_is_sanitised(make_book: MakeBook) -> None:
    text = (
        "# T {#sec-t}\n\n## A {#sec-t-a}\n\n<script>alert(1)</script>\n\n"
        '<img src=x onerror="alert(2)">\n\n[click](javascript:alert(3))\n\n'
        '![pic](x.png){onload="alert(4)" style="color:red"}\n\n'
        '::: {.callout-note title="<b onclick=alert(5)>t</b>"}\nx\n:::\n'
    )
    html = html_of(one(make_book, text)).lower()
    assert "<script" not in html and 'href="javascript' not in html
    assert not re.search(r"\son\w+\s*=", html) and "style=" not in html


def test_quiz_glossary_and_concepts_files(make_book: MakeBook, tmp_path: Path) -> None:
    text = (
        "---\nquiz: q.json\nglossary: g.json\nconcepts: c.yml\n---\n"
        "# T {#sec-t}\n\n## A {#sec-t-a}\n\nA tensor is here; another tensor there.\n"
    )
    root = tmp_path / "book"
    root.mkdir()
    (root / "q.json").write_text(
        '{"metadata": {"schema_version": 2}, "sections": [{"section_id": "#sec-t-a",'
        ' "quiz_data": {"quiz_needed": true, "questions": [{"question_type": "MCQ",'
        ' "question": "Pick", "choices": ["A. one", "B. two"],'
        ' "answer": "The correct answer is B. Because."}, {"question_type": "TF",'
        ' "question": "Yes?", "answer": "False. No."}]}}]}'
    )
    (root / "g.json").write_text(
        '{"terms": [{"term": "tensor", "definition": "An n-dimensional array."}]}'
    )
    (root / "c.yml").write_text("concept_map:\n  primary_concepts: [Tensors, Strides]\n")
    c = one(make_book, text)
    (mcq, tf) = c.sections[0].questions
    assert mcq.choices == ["one", "two"] and mcq.correct_choice == 1 and tf.truth is False
    assert [t.term for t in c.glossary] == ["tensor"]
    assert c.concepts == {"primary_concepts": ["Tensors", "Strides"]}
    html = c.sections[0].html
    assert html.count("<dfn") == 1  # first use only
    assert 'data-def="An n-dimensional array."' in html


def test_broken_side_files_are_errors(make_book: MakeBook, tmp_path: Path) -> None:
    root = tmp_path / "book"
    root.mkdir()
    (root / "q.json").write_text('{"sections": [{"section_id": 3}]')
    (root / "g.json").write_text('{"terms": [{"term": "x"}]}')
    text = "---\nquiz: q.json\nglossary: g.json\nconcepts: missing.yml\n---\n# T {#sec-t}\n"
    b = make_book({"ch": text})
    messages = [d.message for d in b.diagnostics]
    assert any("not valid JSON" in m for m in messages)
    assert any("definition" in m and "Field required" in m for m in messages)
    assert any("concepts: file missing.yml not found" in m for m in messages)


def test_execute_dir_and_env_follow_the_book_config(tmp_path: Path) -> None:
    """`execute-dir: project` and `execute: env:` as the textbook's config sets them."""
    from mlsysbook import book

    root = tmp_path / "tb"
    (root / "ch").mkdir(parents=True)
    (root / "helper.py").write_text("VALUE = 'from the project folder'\n")
    (root / "ch" / "c.qmd").write_text(
        "# C {#sec-c}\n\n```{python}\nimport os, helper\nv = helper.VALUE\n"
        "e = os.environ['BOOK_FLAG']\n```\n\n`{python} v`, `{python} e`.\n"
    )
    (root / "_quarto.yml").write_text(
        "project: {type: book, execute-dir: project}\n"
        "execute: {env: {PYTHONPATH: '.', BOOK_FLAG: 'set'}}\n"
        "book: {chapters: [ch/c.qmd]}\n"
    )
    b = book.load(root, execute=True)
    assert not b.errors, [str(d) for d in b.errors]
    html = b.chapters[0].intro_html
    assert "from the project folder" in html and ">set</span>" in html
