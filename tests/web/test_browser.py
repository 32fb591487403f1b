"""A real browser: Debian's chromium driven by Playwright (never a browser Playwright downloads)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser


def test_sign_up_log_out_log_in(browser: Any, live_server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Name").fill("Ada")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("Welcome back, Ada.").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("link", name="Log in").is_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Learn how")
    assert page.get_by_role("link", name="Ada").is_visible()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-logged-in.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})
    page.screenshot(path=str(ARTIFACTS / "home-phone.png"), full_page=True)
    page.close()


def test_notes_with_htmx_and_without_js(browser: Any, live_server: LiveServer) -> None:
    for js in (True, False):
        context = browser.new_context(java_script_enabled=js)
        page = context.new_page()
        page.goto(live_server.url + "/notes")
        page.get_by_label("Title").fill(f"Roofline js={js}")
        page.get_by_label("Note").fill("attainable = min(peak, bw * intensity)")
        page.get_by_role("button", name="Save note").click()
        page.get_by_role("link", name=f"Roofline js={js}").wait_for()
        page.get_by_role("button", name=f"Delete “Roofline js={js}”").click()
        page.get_by_text("No notes yet.").wait_for()
        context.close()


def test_model_page_draws_charts_and_keeps_the_url(browser: Any, live_server: LiveServer) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.goto(live_server.url + "/model?model=Llama-3-8B&hardware=H100-SXM&batch=8")
    page.locator("[data-chart=roofline] .main-svg").first.wait_for()
    page.locator("[data-chart=curve] .main-svg").first.wait_for()
    assert page.get_by_text("Time to first token").is_visible()
    page.get_by_label("Model").select_option("ResNet-50")
    page.wait_for_url("**model=ResNet-50**")
    page.get_by_role("heading", name="ResNet-50 on 1 × H100-SXM").wait_for()
    page.locator("[data-chart=roofline] .main-svg").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "model-page.png"), full_page=True)
    assert not problems, problems
    page.close()


def test_model_page_works_without_javascript(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/model")
    page.get_by_label("Batch", exact=True).fill("16")
    page.get_by_role("button", name="Evaluate").click()
    page.wait_for_url("**batch=16**")
    assert page.get_by_role("heading", name="Operators: decode").is_visible()
    context.close()


def test_reading_a_chapter(browser: Any, live_server: LiveServer) -> None:
    """Math typeset by the local KaTeX, a glossary tooltip, progress marked with htmx."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/read/hw_acceleration/")
    page.wait_for_function("document.querySelectorAll('.katex').length > 5")
    assert page.locator("dfn.gloss").count() > 0
    toggle = page.locator("form.progress-toggle").nth(1)
    toggle.get_by_role("button").click()
    page.wait_for_selector("form.progress-toggle button.done")
    assert page.url.endswith("/read/hw_acceleration/")  # htmx: no navigation
    page.goto(live_server.url + "/read")
    assert "1/8 read" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/read/hw_acceleration/#sec-hw_acceleration-roofline")
    page.wait_for_function("document.querySelectorAll('.katex').length > 5")
    page.screenshot(path=str(ARTIFACTS / "read-chapter.png"))
    assert errors == []  # CSP allows everything the reader needs
