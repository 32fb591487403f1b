from __future__ import annotations

from fastapi.testclient import TestClient

from mlsysbook.store.sessions import COOKIE
from tests.web.conftest import signup


def test_home_explains_the_platform_without_a_session(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "One loop, six parts" in r.text and 'href="/signup"' in r.text
    assert COOKIE not in r.headers.get("set-cookie", "")  # reading costs no database write
    assert '<main id="main"' in r.text and 'lang="en"' in r.text
    assert 'name="viewport"' in r.text


def test_nav_lists_only_what_exists(client: TestClient) -> None:
    r = client.get("/")
    for pillar in ("/labs", "/teach"):
        assert f'href="{pillar}"' not in r.text
    for landed in ("/read", "/build", "/model", "/notes"):
        assert f'href="{landed}"' in r.text


def test_assets_are_local(client: TestClient) -> None:
    page = client.get("/").text
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page
    assert client.get("/static/htmx.min.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["database"] == "sqlite"


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


def test_friendly_404_page_and_json(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "Page not found" in r.text and "/no/such/page" in r.text
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["detail"]


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/me", "/api/v1/notes", "/api/v1/export", "/api/v1/import"} <= set(spec["paths"])
    assert not any(p in spec["paths"] for p in ("/", "/login", "/notes"))
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "/api/v1/notes/{note_id}" in docs.text


def test_account_page_needs_login(client: TestClient) -> None:
    r = client.get("/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/account"
    signup(client)
    page = client.get("/account")
    assert "ada@example.org" in page.text and "Download all my data" in page.text


def test_500_is_friendly(client: TestClient) -> None:
    def boom() -> None:
        raise RuntimeError("kaboom")

    client.app.add_api_route("/boom", boom)  # type: ignore[attr-defined]
    client.app.add_api_route("/api/v1/boom", boom)  # type: ignore[attr-defined]
    r = client.get("/boom")
    assert r.status_code == 500 and "Something went wrong" in r.text and "kaboom" not in r.text
    assert client.get("/api/v1/boom").json()["detail"].startswith("The error was logged")
