"""The bundled starter edition meets its own rules: 16 chapters in four parts, each
with objectives, enough prose, living napkin math, a glossary and mixed quizzes."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import parse_qsl

import pytest

from mlsysbook import book, sim
from tests.book.conftest import html_of

PARTS = {
    "Foundations": ["Introduction", "ML Systems", "ML Workflow", "Data Engineering"],
    "Build": ["Neural Computation", "Network Architectures", "ML Frameworks", "AI Training"],
    "Optimize": ["Data Selection", "Model Compression", "Hardware Acceleration", "Benchmarking AI"],
    "Deploy": ["Model Serving", "ML Operations", "Responsible Engineering", "Conclusion"],
}
BLOOM = {
    "Analyze", "Apply", "Assess", "Calculate", "Classify", "Compare", "Compute", "Construct",
    "Contrast", "Critique", "Define", "Derive", "Describe", "Design", "Determine", "Diagnose",
    "Distinguish", "Estimate", "Evaluate", "Explain", "Formulate", "Identify", "Interpret",
    "Justify", "List", "Outline", "Predict", "Quantify", "Recognize", "Relate", "Select",
    "Sequence", "Summarize", "Trace", "Translate", "Use",
}  # fmt: skip
TYPES = {"MCQ", "TF", "SHORT", "FILL", "ORDER", "CALC"}


@cache
def starter() -> book.Book:
    return book.load(book.bundled_root())


def chapters() -> list[book.Chapter]:
    return [c for c in starter().chapters if c.number]


def test_the_book_is_clean_and_complete() -> None:
    b = starter()
    assert b.trusted and b.diagnostics == []
    got = {p.title: [c.title for c in p.chapters] for p in b.parts if p.title}
    assert got == PARTS
    assert [c.number for c in chapters()] == [str(n) for n in range(1, 17)]
    assert b.chapters[0].slug == "preface" and b.chapters[0].number is None
    assert set(b.paths) == {"beginner", "practitioner", "researcher", "hands-on"}
    assert all(b.paths[k].chapters for k in b.paths)


@pytest.mark.parametrize("c", chapters(), ids=lambda c: c.slug)
def test_each_chapter_meets_the_brief(c: book.Chapter) -> None:
    assert c.purpose.endswith("?")
    assert 4 <= len(c.objectives) <= 6
    assert all(o.split()[0] in BLOOM for o in c.objectives), c.objectives
    numbered = [s for s in c.sections if s.number and s.title != "Summary"]
    assert 4 <= len(numbered) <= 8
    assert c.words >= 1500
    html = html_of(c)
    assert html.count("callout callout-notebook") >= 2
    notebooks = re.findall(r'<aside class="callout callout-notebook".*?</aside>', html, re.S)
    assert sum('class="living"' in n for n in notebooks) >= 2  # living numbers in the math
    assert "living error" not in html and "placeholder" not in html
    assert len(c.glossary) >= 5
    questions = [q for s in c.sections for q in s.questions]
    assert len(questions) >= 12 and {q.question_type for q in questions} == TYPES
    for q in questions:
        if q.question_type == "MCQ":
            assert q.correct_choice is not None and q.correct_choice < len(q.choices)
        if q.question_type == "TF":
            assert q.truth is not None
        if q.question_type == "FILL":
            assert "____" in q.question and q.blank
        if q.question_type == "CALC":
            assert q.value is not None and q.unit is not None and q.tolerance


@pytest.mark.parametrize("c", chapters(), ids=lambda c: c.slug)
def test_each_chapters_simulator_link_evaluates(c: book.Chapter) -> None:
    query = dict(parse_qsl(c.links["sim"]))
    r = sim.evaluate(
        query["model"],
        query["hardware"],
        precision=query.get("precision", "bf16"),
        batch=int(query.get("batch", 1)),
        seq_len=int(query.get("seq_len", 512)),
        output_len=int(query.get("output_len", 128)),  # the Model page's default
    )
    assert r.fits and r.latency_s > 0


def test_living_numbers_follow_the_simulator() -> None:
    """The serving chapter's first-token figure is the simulator's, not typed in."""
    serving = starter().chapter("serving")
    assert serving is not None
    r = sim.evaluate("llama3-8b", "h100", batch=1, seq_len=512, output_len=256)
    assert f"{r.ttft_s * 1e3:.1f}" in html_of(serving)


@pytest.mark.parametrize("c", chapters(), ids=lambda c: c.slug)
def test_each_chapter_links_to_tinytorch_and_the_simulator(c: book.Chapter) -> None:
    from mlsysbook.tinytorch.milestones import MILESTONES

    assert int(c.links["tinytorch"]) in MILESTONES
    assert c.links["tinytorch_module"].startswith("tinytorch.")
    module = c.links["tinytorch_module"].replace("tinytorch.", "mlsysbook.tinytorch.", 1)
    __import__(module)
    assert c.links["sim"].startswith("model=")
