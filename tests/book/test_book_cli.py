"""`mlsysbook book check|build`: exit codes, the static site, the PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlsysbook.cli.main import app
from tests.book.conftest import write_book
from tests.conftest import ARTIFACTS

runner = CliRunner()


def test_check_the_starter_edition_is_clean() -> None:
    r = runner.invoke(app, ["book", "check"])
    assert r.exit_code == 0, r.output
    assert "17 chapters" in r.output and "0 error(s), 0 warning(s)" in r.output


def test_check_exit_codes(tmp_path: Path) -> None:
    r = runner.invoke(app, ["book", "check", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "no such file or directory" in r.output
    r = runner.invoke(app, ["book", "check", str(tmp_path)])
    assert r.exit_code == 2 and "no _quarto.yml here" in r.output
    (tmp_path / "_quarto.yml").write_text("book: [unclosed\n")
    r = runner.invoke(app, ["book", "check", str(tmp_path)])
    assert r.exit_code == 2 and "_quarto.yml line 2: not valid YAML" in r.output

    warn = write_book(tmp_path / "warn", {"a": "# A {#sec-a}\n\nSee @sec-gone.\n"})
    r = runner.invoke(app, ["book", "check", str(warn)])
    assert r.exit_code == 0 and "a.qmd:3: warning: unresolved cross-reference" in r.output
    r = runner.invoke(app, ["book", "check", "--strict", str(warn)])
    assert r.exit_code == 1

    bad = write_book(tmp_path / "bad", {"a": "---\n: [\n---\n# A {#sec-a}\n"})
    r = runner.invoke(app, ["book", "check", str(bad)])
    assert r.exit_code == 1 and "a.qmd:2: error: front matter" in r.output


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "book"
    r = runner.invoke(app, ["book", "build", "--to", "html", "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_static_site_is_self_contained(site: Path) -> None:
    chapters = sorted(p.parent.name for p in site.glob("*/index.html"))
    assert len(chapters) == 17 and "serving" in chapters
    for page in [site / "index.html", *site.glob("*/index.html")]:
        html = page.read_text()
        assert 'href="/' not in html and 'src="/' not in html  # relative: works from file://
        assert "http://" not in html.split("<main", 1)[0]
    assert (site / "hw_acceleration" / "images" / "roofline.svg").is_file()
    assert "Arithmetic intensity" in (site / "book-index.html").read_text()
    assert (site / "assets" / "katex" / "katex.min.js").is_file()
    index = (site / "assets" / "search-index.js").read_text()
    assert index.startswith("window.SEARCH_INDEX=") and "roofline" in index
    assert "Napkin math" in (site / "serving" / "index.html").read_text()


def test_build_refuses_a_file_as_site_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    r = runner.invoke(app, ["book", "build", "--to", "html", "--out", str(target)])
    assert r.exit_code == 2 and "not a folder" in r.output and target.read_text() == "x"


@pytest.mark.browser
def test_offline_search_from_file_url(browser: Any, site: Path) -> None:
    page = browser.new_page()
    page.goto((site / "search.html").as_uri() + "?q=continuous+batching")
    page.wait_for_selector("#search-results li")
    first = page.locator("#search-results li a").first
    assert "Model Serving" in first.inner_text()
    page.goto((site / "hw_acceleration" / "index.html").as_uri())
    page.wait_for_function("document.querySelectorAll('.katex').length > 5")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "static-site-chapter.png"))


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None and os.environ.get("MLSYSBOOK_REQUIRE_BROWSER") != "1",
    reason="poppler-utils (pdftoppm) is needed to look at the PDF",
)
def test_pdf_has_every_chapter(tmp_path: Path) -> None:
    pdf = tmp_path / "book.pdf"
    r = runner.invoke(app, ["book", "build", "--to", "pdf", "--out", str(pdf)])
    assert r.exit_code == 0, r.output
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    titles = [
        "Introduction", "ML Systems", "ML Workflow", "Data Engineering", "Neural Computation",
        "Network Architectures", "ML Frameworks", "AI Training", "Data Selection",
        "Model Compression", "Hardware Acceleration", "Benchmarking AI", "Model Serving",
        "ML Operations", "Responsible Engineering", "Conclusion",
    ]  # fmt: skip
    for n, title in enumerate(titles, 1):
        assert f"CHAPTER {n}" in text.upper() and title in text
    assert "Contents" in text and "Figure 13.1" in text
    assert "Arithmetic intensity" in text.split("Index")[-1]  # the back-of-book index
    # render the cover and a chapter opening to images and check they are not blank
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "4", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 4 and all(p.stat().st_size > 2_000 for p in pages)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pages[-1], ARTIFACTS / "book-pdf-page4.png")


def test_toc_and_search_commands() -> None:
    r = runner.invoke(app, ["book", "toc"])
    assert r.exit_code == 0 and "13. Model Serving" in r.output and "13.5 " in r.output
    assert "Reading paths: beginner (16)" in r.output
    r = runner.invoke(app, ["book", "search", "roofline", "--limit", "2"])
    assert r.exit_code == 0 and "roofline model:" in r.output.lower()
    assert "[hw_acceleration#" in r.output or "[nn_computation#" in r.output
    r = runner.invoke(app, ["book", "search", "zzzqqqxx"])
    assert r.exit_code == 1 and "nothing matches" in r.output
