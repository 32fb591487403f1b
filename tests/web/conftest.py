from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mlsysbook.config import Settings
from mlsysbook.store.sessions import COOKIE
from mlsysbook.web.app import create_app

PW = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_client(settings: Settings) -> Iterator[object]:
    """More browsers on the same server."""
    app = create_app(settings)
    made: list[TestClient] = []

    def make(**kw: object) -> TestClient:
        c = TestClient(app, raise_server_exceptions=False, **kw)  # type: ignore[arg-type]
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def signup(client: TestClient, email: str = "ada@example.org", password: str = PW) -> None:
    r = client.post(
        "/signup",
        data={
            "email": email,
            "password": password,
            "display_name": "",
            "csrf_token": csrf(client, "/signup"),
        },
    )
    assert r.status_code == 200 and r.url.path == "/", r.text


def login(client: TestClient, email: str = "ada@example.org", password: str = PW) -> int:
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf(client, "/login")},
        follow_redirects=False,
    )
    return r.status_code


def logout(client: TestClient) -> None:
    token = csrf(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 200


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get(COOKIE)
