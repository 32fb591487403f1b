"""Real files of the textbook (read from ../shared/fixtures, never copied here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlsysbook import book
from mlsysbook.book.quiz import load_quiz
from mlsysbook.book.sidefiles import load_concepts, load_glossary
from tests.book.conftest import FIXTURES, SERVING, html_of

pytestmark = pytest.mark.skipif(not SERVING.exists(), reason="textbook fixtures not present")


@pytest.fixture(scope="module")
def serving() -> book.Chapter:
    b = book.load(SERVING)
    assert not b.errors, [str(d) for d in b.errors]
    return b.chapters[0]


def test_the_serving_chapter_renders_without_errors(serving: book.Chapter) -> None:
    assert serving.title == "Model Serving" and serving.id == "sec-model-serving"
    assert len(serving.sections) >= 12 and serving.words > 40_000
    assert len(serving.objectives) == 7 and serving.purpose.startswith("Why does serving")
    html = html_of(serving)
    for kind in ("perspective", "notebook", "definition", "example", "checkpoint", "war-story"):
        assert f"callout callout-{kind}" in html
    assert html.count('class="equation"') >= 10  # $$…$$ {#eq-…}, also inside paragraphs
    assert html.count('class="float tbl"') >= 5 and html.count('class="float fig"') >= 5
    assert "diagram-source" in html  # TikZ figures are shown as source
    assert 'class="living placeholder"' in html  # its Python cells are not run
    assert len(serving.index_terms) > 200 and "\\index" not in html


def test_its_own_cross_references_resolve(serving: book.Chapter) -> None:
    html = html_of(serving)
    assert 'href="#sec-model-serving-queuing-theory-tail-latency-29a6"' in html
    assert 'href="#eq-littles-law"' in html and 'href="#fig-tail-latency-explosion"' in html


def test_quizzes_attach_to_sections(serving: book.Chapter) -> None:
    questions = [q for s in serving.sections for q in s.questions]
    assert len(questions) == 59
    assert {q.question_type for q in questions} == {"MCQ", "SHORT", "TF", "ORDER"}
    mcqs = [q for q in questions if q.question_type == "MCQ"]
    assert all(q.correct_choice is not None for q in mcqs)


def test_side_files_load() -> None:
    folder = SERVING.parent
    quiz = load_quiz(folder / "model_serving_quizzes.json")
    assert sum(len(v) for v in quiz.values()) == 59
    assert load_glossary(folder / "model_serving_glossary.json") == []
    concepts = load_concepts(folder / "model_serving_concepts.yml")
    assert "Serving Inversion" in concepts["primary_concepts"]
    terms = load_glossary(FIXTURES / "vol1" / "backmatter" / "glossary" / "vol1_glossary.json")
    assert len(terms) > 400 and all(t.definition for t in terms)


def test_the_volume_config_loads_a_partial_checkout(tmp_path: Path) -> None:
    """The per-volume website config lists every chapter; a checkout holding one of
    them loads that one and reports the others as missing, without crashing."""
    project = tmp_path / "book" / "quarto"
    (project / "config").mkdir(parents=True)
    shutil.copy(FIXTURES / "_quarto-html-vol1.yml", project / "config" / "_quarto-html-vol1.yml")
    chapter_dir = project / "contents" / "vol1" / "serving"
    chapter_dir.mkdir(parents=True)
    shutil.copy(SERVING, chapter_dir / "serving.qmd")
    b = book.load(project / "config" / "_quarto-html-vol1.yml")
    assert b.title == "Introduction to Machine Learning Systems"
    assert [c.slug for c in b.chapters] == ["serving"]
    assert b.chapters[0].part == "Part IV: Deploy"
    missing = [d for d in b.errors if "not found" in d.message]
    assert len(missing) > 15 and all(d.path.name == "_quarto-html-vol1.yml" for d in missing)
    assert not [d for d in b.errors if "not found" not in d.message]
