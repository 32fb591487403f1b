"""Sign up, log in, log out, password change, deletion; and the security promises."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mlsysbook.store import ratelimit
from tests.web.conftest import PW, csrf, login, logout, session_cookie, signup

MakeClient = Callable[..., TestClient]


def test_signup_logout_login(client: TestClient) -> None:
    signup(client)
    assert "ada@example.org" in client.get("/account").text
    logout(client)
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert login(client) == 303
    assert "Log out" in client.get("/").text


def test_signup_errors_are_shown_on_the_form(client: TestClient) -> None:
    token = csrf(client, "/signup")
    r = client.post("/signup", data={"email": "nope", "password": PW, "csrf_token": token})
    assert r.status_code == 400 and "valid email" in r.text and 'value="nope"' in r.text
    signup(client)
    logout(client)
    token = csrf(client, "/signup")
    r = client.post(
        "/signup", data={"email": "ada@example.org", "password": PW, "csrf_token": token}
    )
    assert r.status_code == 400 and "already exists" in r.text


def test_missing_or_wrong_csrf_token_is_403(client: TestClient) -> None:
    csrf(client, "/login")  # the visitor has a session and a token...
    r = client.post("/login", data={"email": "a@example.org", "password": PW})
    assert r.status_code == 403  # ...but did not send it
    r = client.post("/notes", data={"title": "x", "csrf_token": "forged"})
    assert r.status_code == 403
    r = client.post("/api/v1/notes", json={"title": "x"})
    assert r.status_code == 403 and "form expired" in r.json()["detail"]
    r = client.delete("/api/v1/notes/1", headers={"X-CSRF-Token": ""})
    assert r.status_code == 403


def test_csrf_without_any_session_is_403(make_client: MakeClient) -> None:
    fresh = make_client()
    assert fresh.post("/logout").status_code == 403
    assert fresh.post("/signup", data={"email": "a@example.org", "password": PW}).status_code == 403


def test_wrong_password_gets_a_generic_message(client: TestClient) -> None:
    signup(client)
    logout(client)
    token = csrf(client)
    wrong = client.post(
        "/login", data={"email": "ada@example.org", "password": "bad password", "csrf_token": token}
    )
    unknown = client.post(
        "/login", data={"email": "who@example.org", "password": "bad password", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 400
    assert "Email or password is incorrect." in wrong.text
    assert "Email or password is incorrect." in unknown.text


def test_rapid_wrong_logins_get_429(client: TestClient) -> None:
    signup(client)
    logout(client)
    token = csrf(client)
    codes = [
        client.post(
            "/login",
            data={"email": "ada@example.org", "password": f"guess {i}", "csrf_token": token},
        ).status_code
        for i in range(20)
    ]
    assert codes[: ratelimit.MAX_PER_ACCOUNT] == [400] * ratelimit.MAX_PER_ACCOUNT
    assert set(codes[ratelimit.MAX_PER_ACCOUNT :]) == {429}
    blocked = client.post(
        "/login", data={"email": "ada@example.org", "password": PW, "csrf_token": token}
    )
    assert blocked.status_code == 429  # even the right password waits out the window
    assert int(blocked.headers["retry-after"]) > 0 and "Too many failed attempts" in blocked.text


def test_session_id_changes_at_login_and_the_old_one_dies(
    client: TestClient, make_client: MakeClient
) -> None:
    signup(client)
    logout(client)
    csrf(client)
    before = session_cookie(client)
    assert before
    assert login(client) == 303
    after = session_cookie(client)
    assert after and after != before
    # An attacker holding the pre-login id gets nothing.
    attacker = make_client(cookies={"mlsysbook_session": before})
    assert attacker.get("/account", follow_redirects=False).status_code == 303


def test_cookie_flags(make_client: MakeClient) -> None:
    plain = make_client()
    cookie = plain.get("/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = make_client(base_url="https://testserver")
    assert "Secure" in secure.get("/login").headers["set-cookie"]


def test_logout_ends_the_server_side_session(client: TestClient, make_client: MakeClient) -> None:
    signup(client)
    stolen = session_cookie(client)
    logout(client)
    thief = make_client(cookies={"mlsysbook_session": stolen})
    assert thief.get("/account", follow_redirects=False).status_code == 303


def test_change_password(client: TestClient, make_client: MakeClient) -> None:
    signup(client)
    other_device = make_client()
    assert login(other_device) == 303
    token = csrf(client, "/account")
    r = client.post(
        "/account/password",
        data={
            "current_password": "wrong one!",
            "new_password": "new password 1",
            "csrf_token": token,
        },
    )
    assert r.status_code == 400 and "current password is incorrect" in r.text
    r = client.post(
        "/account/password",
        data={"current_password": PW, "new_password": "new password 1", "csrf_token": token},
    )
    assert r.status_code == 200 and "Password changed" in r.text
    assert client.get("/account").status_code == 200  # this device stays in
    assert other_device.get("/account", follow_redirects=False).status_code == 303
    logout(client)
    assert login(client, password="new password 1") == 303


def test_delete_account(client: TestClient) -> None:
    signup(client)
    token = csrf(client, "/account")
    r = client.post("/account/delete", data={"password": "wrong pass!", "csrf_token": token})
    assert r.status_code == 400 and "password is incorrect" in r.text
    r = client.post("/account/delete", data={"password": PW, "csrf_token": token})
    assert r.status_code == 200 and r.url.path == "/"
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert login(client) == 400


def test_next_only_redirects_within_the_site(client: TestClient) -> None:
    signup(client)
    logout(client)
    for evil in ("//evil.example", "https://evil.example/", "javascript:alert(1)"):
        token = csrf(client)
        r = client.post(
            "/login",
            data={"email": "ada@example.org", "password": PW, "next": evil, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/"
        logout(client)
    token = csrf(client)
    r = client.post(
        "/login",
        data={"email": "ada@example.org", "password": PW, "next": "/notes", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/notes"
