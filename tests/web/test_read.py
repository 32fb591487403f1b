"""Read: contents, chapters, progress per learner, search, glossary, assets, API."""

from __future__ import annotations

import re
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mlsysbook.cli.main import app
from tests.book.conftest import SERVING, write_book
from tests.book.test_starter_edition import starter
from tests.conftest import start_server, stop_server
from tests.web.conftest import csrf, login, logout, signup

MakeClient = Callable[..., TestClient]


def mark(client: TestClient, chapter: str, section: str, read: str = "1", **kw: object) -> int:
    token = csrf(client, f"/read/{chapter}/")
    r = client.post(
        f"/read/{chapter}/progress",
        data={"section": section, "read": read, "csrf_token": token},
        follow_redirects=False,
        **kw,  # type: ignore[arg-type]
    )
    return r.status_code


def test_contents_by_part_with_paths(client: TestClient) -> None:
    page = client.get("/read").text
    for part in ("Foundations", "Build", "Optimize", "Deploy"):
        assert f"<h2>{part}</h2>" in page
    assert 'href="/read/serving/"' in page and "13. Model Serving" in page
    page = client.get("/read?path=practitioner").text
    assert "in-path" in page and "off-path" in page
    order = re.findall(r'<li><a href="/read/([a-z_]+)/\?path=practitioner"', page)
    assert order == list(starter().paths["practitioner"].chapters)


def test_chapter_page(client: TestClient) -> None:
    r = client.get("/read/serving/")
    assert r.status_code == 200
    page = r.text
    assert "<h1" in page and "Model Serving" in page and "Learning objectives" in page
    assert 'class="callout callout-notebook"' in page and 'class="living"' in page
    assert "Self-check" in page and "Show answer" in page
    assert '<dfn class="gloss"' in page  # glossary tooltips
    assert "/static/book/katex/katex.min.js" in page
    assert "mlsysbook tinytorch milestone 7" in page and 'href="/model?model=' in page
    assert client.get("/read/serving", follow_redirects=False).headers["location"] == (
        "/read/serving/"
    )
    assert client.get("/read/no-such-chapter/").status_code == 404


def test_every_chapters_simulator_link_answers(client: TestClient) -> None:
    for c in starter().chapters:
        if "sim" in c.links:
            r = client.get("/model?" + c.links["sim"])
            assert r.status_code == 200, (c.slug, dict(parse_qsl(c.links["sim"])))


def test_path_navigation_follows_the_path(client: TestClient) -> None:
    page = client.get("/read/training/?path=practitioner").text
    assert 'rel="next" href="/read/model_compression/?path=practitioner"' in page
    assert 'rel="prev" href="/read/workflow/?path=practitioner"' in page


def test_progress_is_saved_per_learner(make_client: MakeClient) -> None:
    ada, bob = make_client(), make_client()
    signup(ada)
    signup(bob, email="bob@example.org")
    assert mark(ada, "serving", "sec-serving-batching") == 303
    assert "✓ read" in ada.get("/read/serving/").text
    assert "1/" in ada.get("/read").text
    assert "✓ read" not in bob.get("/read/serving/").text  # Bob sees only his own
    assert ada.get("/api/v1/book/progress").json()["read"] == [
        {"chapter": "serving", "section": "sec-serving-batching"}
    ]
    assert bob.get("/api/v1/book/progress").json()["read"] == []
    assert mark(ada, "serving", "sec-serving-batching", read="0") == 303
    assert "✓ read" not in ada.get("/read/serving/").text


def test_home_offers_to_continue_reading(client: TestClient) -> None:
    assert "Start reading the book" in client.get("/").text
    assert mark(client, "serving", "sec-serving-batching") == 303
    page = client.get("/").text
    assert 'href="/read/serving/#sec-serving-batching">Continue reading' in page


def test_guest_progress_survives_login(client: TestClient) -> None:
    signup(client)
    logout(client)
    assert mark(client, "training", "sec-training-summary") == 303
    assert login(client) == 303
    assert "✓ read" in client.get("/read/training/").text
    data = client.get("/account/export.json").json()
    assert {"book": "starter", "chapter": "training", "section": "sec-training-summary"} in [
        {k: r[k] for k in ("book", "chapter", "section")} for r in data["reading"]
    ]


def test_mark_whole_chapter_and_htmx_fragment(client: TestClient) -> None:
    assert mark(client, "ops", "*") == 303
    n = len(starter().chapter("ops").sections)  # type: ignore[union-attr]
    assert f"{n}/{n} read" in client.get("/read").text
    r = client.post(
        "/read/ops/progress",
        data={"section": "sec-ops-summary", "read": "0", "csrf_token": csrf(client, "/read/ops/")},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "<html" not in r.text and "mark read" in r.text


def test_progress_rejects_bad_input(client: TestClient) -> None:
    assert mark(client, "ops", "sec-not-here") == 400
    token = csrf(client, "/read/ops/")
    r = client.post("/read/nope/progress", data={"section": "x", "read": "1", "csrf_token": token})
    assert r.status_code == 404
    r = client.post("/read/ops/progress", data={"section": "sec-ops-summary", "read": "1"})
    assert r.status_code == 403  # no CSRF token


def test_search_page_fragment_and_api(client: TestClient) -> None:
    page = client.get("/read/search?q=roofline").text
    assert "<mark>" in page.lower() and 'href="/read/hw_acceleration/#' in page
    fragment = client.get(
        "/read/search?q=kv+cache", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert "<html" not in fragment.text and "<mark>" in fragment.text.lower()
    data = client.get("/api/v1/book/search?q=little's law&limit=3").json()
    assert len(data["results"]) <= 3 and data["results"][0]["url"].startswith("/read/")
    assert client.get("/read/search?q=").status_code == 200


def test_glossary(client: TestClient) -> None:
    page = client.get("/read/glossary?q=roofline").text
    assert "roofline model" in page and "1 term." in page
    assert client.get("/read/glossary").text.count("<dt") > 150


def test_back_of_book_index(client: TestClient) -> None:
    page = client.get("/read/index").text
    assert page.count("<dt>") > 50 and 'href="/read/serving/#sec-serving' in page


def test_chapter_images_only(client: TestClient) -> None:
    r = client.get("/read/hw_acceleration/images/roofline.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in r.headers["content-security-policy"]
    for bad in (
        "/read/hw_acceleration/hw_acceleration.qmd",
        "/read/hw_acceleration/hw_acceleration_quizzes.json",
        "/read/hw_acceleration/..%2F..%2F_quarto.yml",
        "/read/hw_acceleration/../serving/images/x.svg",
        "/read/hw_acceleration/images/missing.svg",
    ):
        assert client.get(bad).status_code == 404, bad


def test_chapters_api(client: TestClient) -> None:
    data = client.get("/api/v1/book/chapters").json()
    assert [p["title"] for p in data["parts"]][1:] == ["Foundations", "Build", "Optimize", "Deploy"]
    serving = data["parts"][4]["chapters"][0]
    assert serving["slug"] == "serving" and serving["sections"][1]["questions"] > 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(max_size=50), path=st.text(max_size=20))
def test_junk_queries_never_500(client: TestClient, q: str, path: str) -> None:
    for url in ("/read/search", "/read/glossary", "/read", "/api/v1/book/search"):
        r = client.get(url, params={"q": q, "path": path})
        assert r.status_code < 500, url


@pytest.mark.parametrize("slug", ["%00", "serving%2F..", "a" * 300])
def test_odd_chapter_names(client: TestClient, slug: str) -> None:
    assert client.get(f"/read/{slug}/").status_code in (404, 400)


def test_serve_another_book(tmp_path: Path) -> None:
    """`mlsysbook serve --book PATH`: the textbook's own chapter, cells shown, not run."""
    if not SERVING.exists():
        pytest.skip("textbook fixtures not present")
    root = write_book(tmp_path / "tb", {})
    shutil.copy(SERVING, root / "model_serving.qmd")
    (root / "_quarto.yml").write_text(
        "book:\n  title: Borrowed\n  chapters:\n    - model_serving.qmd\n", encoding="utf-8"
    )
    server = start_server(tmp_path / "var", "--book", str(root))
    try:
        with urllib.request.urlopen(server.url + "/read/model_serving/", timeout=30) as r:
            page = r.read().decode()
        assert "Model Serving" in page and "living placeholder" in page
        with urllib.request.urlopen(server.url + "/read", timeout=30) as r:
            assert "Borrowed" in r.read().decode()
    finally:
        stop_server(server)
    r = CliRunner().invoke(app, ["serve", "--book", str(tmp_path / "nothing")])
    assert r.exit_code == 2 and "no such file or directory" in r.output


def test_reading_path_survives_marking_and_off_path_pages(client: TestClient) -> None:
    token = csrf(client, "/read/training/?path=practitioner")
    r = client.post(
        "/read/training/progress",
        data={"section": "*", "read": "1", "path": "practitioner", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/read/training/?path=practitioner"
    page = client.get("/read/nn_computation/?path=practitioner").text
    assert "Not on the Practitioner path" in page
    assert 'rel="next" href="/read/nn_architectures/?path=practitioner"' in page  # book order


def test_search_counts_and_plain_snippets(client: TestClient) -> None:
    page = client.get("/read/search?q=batch").text
    assert re.search(r"The best 20 of \d+ sections", page)
    data = client.get("/api/v1/book/search?q=kv+cache&limit=50").json()
    assert all("\\times" not in r["snippet_html"] for r in data["results"])


def test_guests_are_told_where_progress_lives(client: TestClient) -> None:
    page = client.get("/read/ops/").text
    assert "Progress is kept for this browser" in page
    assert 'href="/signup?next=/read/ops/"' in page


def test_build_page_and_chapter_links_to_it(client: TestClient) -> None:
    page = client.get("/build").text
    for n in range(1, 8):
        assert f'id="milestone-{n}"' in page and f"mlsysbook tinytorch milestone {n}" in page
    assert 'id="module-autograd"' in page and "Reverse-mode automatic differentiation" in page
    assert 'href="/read/serving/"' in page  # the chapters that lead to a milestone
    chapter = client.get("/read/serving/").text
    assert 'href="/build#milestone-7"' in chapter and 'href="/build#module-gpt"' in chapter
