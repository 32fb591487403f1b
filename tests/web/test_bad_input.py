"""Malformed input gets a clear 4xx, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlsysbook.web.middleware import MAX_BODY
from tests.web.conftest import csrf, signup

FORM_ROUTES = [
    "/login",
    "/signup",
    "/notes",
    "/notes/1",
    "/notes/1/delete",
    "/account/password",
    "/account/delete",
    "/account/import",
    "/logout",
    "/read/serving/progress",
    "/read/no-such-chapter/progress",
]
API_ROUTES = [("POST", "/api/v1/notes"), ("PUT", "/api/v1/notes/1"), ("POST", "/api/v1/import")]


def test_oversized_body_is_413(client: TestClient) -> None:
    token = csrf(client, "/notes")
    big = "x" * (MAX_BODY + 1)
    r = client.post("/notes", data={"title": "t", "body": big, "csrf_token": token})
    assert r.status_code == 413 and "1 MB" in r.text
    r = client.post(
        "/api/v1/notes",
        content=b"{" + b" " * MAX_BODY + b"}",
        headers={"X-CSRF-Token": token, "content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["detail"].startswith("The request body")


def test_streamed_oversized_body_is_413(client: TestClient) -> None:
    token = csrf(client, "/notes")

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"a" * 100_000

    r = client.post(
        "/api/v1/notes",
        content=chunks(),
        headers={"X-CSRF-Token": token, "content-type": "application/json"},
    )
    assert r.status_code == 413


def test_bad_content_length_is_rejected(client: TestClient) -> None:
    r = client.post("/notes", content=b"x", headers={"content-length": "abc"})
    assert 400 <= r.status_code < 500


def test_malformed_form_fields(client: TestClient) -> None:
    token = csrf(client, "/notes")
    # A file where text belongs.
    r = client.post(
        "/notes", data={"csrf_token": token}, files={"title": ("t.txt", b"x", "text/plain")}
    )
    assert r.status_code == 400 and "must be text" in r.text
    # Missing fields: the form comes back with a message.
    r = client.post("/notes", data={"csrf_token": token})
    assert r.status_code == 400 and "needs a title" in r.text
    r = client.post("/signup", data={"csrf_token": token})
    assert r.status_code == 400 and "valid email" in r.text
    # Broken multipart.
    r = client.post(
        "/notes",
        content=b"--zzz\r\nbroken",
        headers={"content-type": "multipart/form-data; boundary=zzz", "X-CSRF-Token": token},
    )
    assert 400 <= r.status_code < 500
    # A path that is not a number.
    r = client.get("/notes/abc")
    assert r.status_code == 400 and "note_id" in r.text


def test_malformed_json(client: TestClient) -> None:
    headers = {"X-CSRF-Token": csrf(client, "/notes"), "content-type": "application/json"}
    for body in (
        b"{",
        b"[]",
        b'{"title": 5}',
        b'{"title": ""}',
        b'{"title": "x", "body": null}',
        b"\xff\xfe",
        b'{"title": "a\\u0000b"}',
    ):
        r = client.post("/api/v1/notes", content=body, headers=headers)
        assert r.status_code == 422, body
        assert r.json()["detail"]


def test_method_not_allowed_is_clear(client: TestClient) -> None:
    r = client.get("/logout")
    assert r.status_code == 405 and "Not allowed here" in r.text


text = st.text(max_size=50)
fields = st.dictionaries(
    st.sampled_from(
        [
            "email",
            "password",
            "title",
            "body",
            "next",
            "display_name",
            "current_password",
            "new_password",
            "csrf_token",
            "section",
            "read",
            "path",
            "junk",
        ]
    ),
    text,
    max_size=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(route=st.sampled_from(FORM_ROUTES), data=fields, with_token=st.booleans())
def test_random_forms_never_500(
    client: TestClient, route: str, data: dict[str, str], with_token: bool
) -> None:
    if with_token:
        data = {**data, "csrf_token": csrf(client, "/notes")}
    r = client.post(route, data=data)
    assert r.status_code < 500, (route, data, r.text[:300])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(API_ROUTES),
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=30),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(
                        ["title", "body", "ref", "format", "version", "notes", "profile"]
                    ),
                    inner,
                    max_size=5,
                )
            ),
            max_leaves=15,
        ).map(lambda v: json.dumps(v).encode()),
    ),
)
def test_random_api_bodies_never_500(
    client: TestClient, route: tuple[str, str], body: bytes
) -> None:
    token = csrf(client, "/notes")
    r = client.request(
        route[0],
        route[1],
        content=body,
        headers={"X-CSRF-Token": token, "content-type": "application/json"},
    )
    assert r.status_code < 500, (route, body, r.text[:300])


def test_logged_in_routes_with_random_input(client: TestClient) -> None:
    signup(client)
    token = csrf(client, "/account")
    for route in FORM_ROUTES[:-1]:
        r = client.post(route, data={"csrf_token": token, "password": "\x00", "title": "\x00"})
        assert r.status_code < 500, route
