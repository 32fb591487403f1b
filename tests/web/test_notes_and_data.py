"""Learner data: guests keep it, owners alone see it, and it travels as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from markupsafe import escape

from tests.web.conftest import csrf, login, logout, signup

MakeClient = Callable[..., TestClient]


def add_note(client: TestClient, title: str, body: str = "") -> None:
    r = client.post(
        "/notes", data={"title": title, "body": body, "csrf_token": csrf(client, "/notes")}
    )
    assert r.status_code == 200 and str(escape(title)) in r.text


def api_token(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/v1/me").json()["csrf_token"]}


def test_guest_notes_survive_signup(client: TestClient) -> None:
    add_note(client, "Arithmetic intensity", "FLOPs per byte moved")
    assert "Sign up</a> to keep them" in client.get("/notes").text
    signup(client)
    page = client.get("/notes").text
    assert "Arithmetic intensity" in page and "to keep them" not in page


def test_guest_notes_merge_into_the_account_at_login(client: TestClient) -> None:
    signup(client)
    add_note(client, "from my account")
    logout(client)
    add_note(client, "as a guest")
    assert login(client) == 303
    page = client.get("/notes").text
    assert "from my account" in page and "as a guest" in page


def test_htmx_gets_a_fragment(client: TestClient) -> None:
    token = csrf(client, "/notes")
    r = client.post(
        "/notes", data={"title": "quick", "csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "quick" in r.text and "<html" not in r.text


def test_edit_and_delete(client: TestClient) -> None:
    signup(client)
    token = api_token(client)
    note = client.post("/api/v1/notes", json={"title": "draft"}, headers=token).json()
    r = client.post(
        f"/notes/{note['id']}",
        data={"title": "final", "body": "text", "csrf_token": csrf(client, f"/notes/{note['id']}")},
    )
    assert r.status_code == 200 and "final" in r.text
    r = client.post(f"/notes/{note['id']}/delete", data={"csrf_token": csrf(client, "/notes")})
    assert "No notes yet" in r.text


def test_another_learners_data_is_404(client: TestClient, make_client: MakeClient) -> None:
    signup(client)
    note = client.post("/api/v1/notes", json={"title": "private"}, headers=api_token(client)).json()
    other = make_client()
    signup(other, "bob@example.org")
    token = api_token(other)
    nid = note["id"]
    assert other.get(f"/api/v1/notes/{nid}").status_code == 404
    assert (
        other.put(f"/api/v1/notes/{nid}", json={"title": "mine now"}, headers=token).status_code
        == 404
    )
    assert other.delete(f"/api/v1/notes/{nid}", headers=token).status_code == 404
    assert other.get(f"/notes/{nid}").status_code == 404
    assert (
        other.post(f"/notes/{nid}/delete", data={"csrf_token": csrf(other, "/notes")}).status_code
        == 404
    )
    assert other.get("/api/v1/notes").json() == []
    assert "private" not in other.get("/account/export.json").text
    assert client.get(f"/api/v1/notes/{nid}").json()["title"] == "private"
    guest = make_client()
    assert guest.get(f"/api/v1/notes/{nid}").status_code == 404


def test_api_crud(client: TestClient) -> None:
    assert client.get("/api/v1/me").json()["authenticated"] is False
    token = api_token(client)
    created = client.post(
        "/api/v1/notes", json={"title": "t", "body": "b", "ref": "book:intro"}, headers=token
    )
    assert created.status_code == 201
    nid = created.json()["id"]
    put = client.put(f"/api/v1/notes/{nid}", json={"title": "t2"}, headers=token).json()
    assert put["title"] == "t2" and put["body"] == ""
    assert [n["title"] for n in client.get("/api/v1/notes").json()] == ["t2"]
    assert client.delete(f"/api/v1/notes/{nid}", headers=token).status_code == 204
    assert client.get(f"/api/v1/notes/{nid}").status_code == 404


def test_export_and_import_into_another_account(
    client: TestClient, make_client: MakeClient
) -> None:
    signup(client)
    add_note(client, "Little's law", "L = lambda W")
    exported = client.get("/account/export.json")
    assert exported.headers["content-disposition"].startswith("attachment")
    doc = exported.json()
    assert doc["profile"]["email"] == "ada@example.org" and len(doc["notes"]) == 1
    assert client.get("/api/v1/export").json()["notes"] == doc["notes"]

    other = make_client()
    signup(other, "bob@example.org")
    files = {"file": ("export.json", exported.content, "application/json")}
    r = other.post("/account/import", data={"csrf_token": csrf(other, "/account")}, files=files)
    assert r.status_code == 200 and "Imported 1 new notes" in r.text
    assert "Little" in other.get("/notes").text
    r = other.post("/api/v1/import", json=doc, headers=api_token(other))
    assert r.json() == {"notes": 0, "reading": 0}


def test_import_rejects_a_bad_file_and_changes_nothing(client: TestClient) -> None:
    signup(client)
    files = {"file": ("x.json", b'{"format": "something else"}', "application/json")}
    r = client.post("/account/import", data={"csrf_token": csrf(client, "/account")}, files=files)
    assert r.status_code == 400 and "not a valid MLSysBook export" in r.text
    r = client.post("/account/import", data={"csrf_token": csrf(client, "/account")})
    assert r.status_code == 400 and "Choose a file" in r.text
    bad = {"format": "mlsysbook-export", "version": 1, "notes": []}
    r = client.post(
        "/api/v1/import",
        content=json.dumps(bad),
        headers={**api_token(client), "content-type": "application/json"},
    )
    assert r.status_code == 422
    assert client.get("/api/v1/notes").json() == []
