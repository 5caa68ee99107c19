"""Auth end to end through the real app: login, sessions, CSRF, API tokens, setup, rate limits,
security headers, and the `countersign user create` command."""

import argparse
import base64
import io
import json
import logging
import time
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from api.auth import (
    SESSION_COOKIE,
    OwnerExists,
    authenticate,
    create_owner,
    execution_rate_limit,
    warn_if_exposed,
)
from api.auth.rate_limit import RateLimited, SlidingWindowLimiter
from api.auth.sessions import SessionData, sign_session
from api.cli_user import add_user_commands
from orchestrator.settings import load_settings
from store.db import make_engine, session_scope
from store.models import ApiTokenRow, UserRow
from tests.api_fixtures import OWNER_PASSWORD, OWNER_USERNAME, CsrfClient

ME = "/api/v1/auth/me"
LOGIN = "/api/v1/auth/login"
TOKENS = "/api/v1/tokens"
CREDENTIALS = {"username": OWNER_USERNAME, "password": OWNER_PASSWORD}
WRONG = {"username": OWNER_USERNAME, "password": "not the password"}


def _error_code(response: Response) -> str:
    return response.json()["error"]["code"]


def _secret(app: FastAPI) -> str:
    return app.state.settings.secret_key.get_secret_value()


# --- login, logout and the session cookie -------------------------------------------------------


def test_login_when_password_right_then_session_cookie_and_csrf_token(
    client: TestClient, owner: UserRow
) -> None:
    response = client.post(LOGIN, json=CREDENTIALS)
    assert response.status_code == 200
    assert len(response.json()["csrf_token"]) >= 32
    assert client.get(ME).json()["username"] == OWNER_USERNAME


def test_login_when_password_wrong_then_401_and_no_cookie(
    client: TestClient, owner: UserRow
) -> None:
    response = client.post(LOGIN, json=WRONG)
    assert (response.status_code, _error_code(response)) == (401, "UNAUTHORIZED")
    assert SESSION_COOKIE not in response.cookies


def test_login_when_username_unknown_then_401(client: TestClient, owner: UserRow) -> None:
    response = client.post(LOGIN, json={"username": "mallory", "password": OWNER_PASSWORD})
    assert response.status_code == 401


def test_login_when_ok_then_cookie_httponly_samesite_strict_not_secure_over_http(
    client: TestClient, owner: UserRow
) -> None:
    cookie = client.post(LOGIN, json=CREDENTIALS).headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie


def test_login_when_forwarded_over_https_then_cookie_secure(
    client: TestClient, owner: UserRow
) -> None:
    response = client.post(LOGIN, json=CREDENTIALS, headers={"X-Forwarded-Proto": "https"})
    assert "secure" in response.headers["set-cookie"].lower()


def test_login_when_password_wrong_then_password_not_logged(
    client: TestClient, owner: UserRow, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client.post(LOGIN, json=WRONG)
    assert "failed login" in caplog.text
    assert WRONG["password"] not in caplog.text


def test_me_when_no_cookie_or_token_then_401(client: TestClient) -> None:
    response = client.get(ME)
    assert (response.status_code, _error_code(response)) == (401, "UNAUTHORIZED")


def test_me_when_cookie_tampered_then_401(app: FastAPI, owner_client: CsrfClient) -> None:
    payload_text, signature = owner_client.cookies[SESSION_COOKIE].split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_text + "=" * (-len(payload_text) % 4)))
    payload["expires_at"] += 10 * 365 * 24 * 3600
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    owner_client.cookies.set(SESSION_COOKIE, f"{forged}.{signature}")
    assert owner_client.get(ME).status_code == 401


def test_me_when_cookie_signed_with_other_key_then_401(client: TestClient, owner: UserRow) -> None:
    now = int(time.time())
    data = SessionData(owner.id, now, now + 3600, "csrf")
    client.cookies.set(SESSION_COOKIE, sign_session("some other key", data))
    assert client.get(ME).status_code == 401


def test_me_when_cookie_expired_then_401(app: FastAPI, client: TestClient, owner: UserRow) -> None:
    now = int(time.time())
    fresh = SessionData(owner.id, now, now + 3600, "csrf")
    expired = SessionData(owner.id, now - 13 * 3600, now - 3600, "csrf")
    client.cookies.set(SESSION_COOKIE, sign_session(_secret(app), fresh))
    assert client.get(ME).status_code == 200  # the forging is right; only the expiry differs
    client.cookies.set(SESSION_COOKIE, sign_session(_secret(app), expired))
    assert client.get(ME).status_code == 401


def test_logout_when_logged_in_then_cookie_cleared_and_me_401(owner_client: CsrfClient) -> None:
    response = owner_client.post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert owner_client.get(ME).status_code == 401


# --- CSRF ---------------------------------------------------------------------------------------


def test_post_when_cookie_session_without_csrf_then_403_csrf_failed(
    owner_client: CsrfClient,
) -> None:
    owner_client.csrf = None
    response = owner_client.post(TOKENS, json={"name": "ci"})
    assert (response.status_code, _error_code(response)) == (403, "CSRF_FAILED")


def test_post_when_cookie_session_with_wrong_csrf_then_403(owner_client: CsrfClient) -> None:
    owner_client.csrf = "not-the-token"
    assert owner_client.post(TOKENS, json={"name": "ci"}).status_code == 403


def test_post_when_cookie_session_with_csrf_header_then_created(owner_client: CsrfClient) -> None:
    response = owner_client.post(TOKENS, json={"name": "ci"})
    assert response.status_code == 201
    assert response.json()["token"].startswith(response.json()["prefix"])


def test_post_when_csrf_in_form_field_then_accepted_and_form_still_readable(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    @app.post("/echo")
    async def echo(request: Request) -> dict[str, str]:
        return {"note": str((await request.form())["note"])}

    token, owner_client.csrf = owner_client.csrf, None
    accepted = owner_client.post("/echo", data={"csrf_token": token, "note": "hello"})
    assert (accepted.status_code, accepted.json()) == (200, {"note": "hello"})
    refused = owner_client.post("/echo", data={"csrf_token": "wrong", "note": "hello"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "CSRF" in refused.text


def test_post_when_bearer_token_without_csrf_then_created(token_client: TestClient) -> None:
    assert token_client.post(TOKENS, json={"name": "ci"}).status_code == 201


def test_post_when_no_session_then_no_csrf_needed_and_401(client: TestClient) -> None:
    response = client.post(TOKENS, json={"name": "ci"})
    assert (response.status_code, _error_code(response)) == (401, "UNAUTHORIZED")


# --- API tokens ---------------------------------------------------------------------------------


def test_me_when_bearer_token_then_owner(token_client: TestClient) -> None:
    response = token_client.get(ME)
    assert (response.status_code, response.json()["username"]) == (200, OWNER_USERNAME)


def test_me_when_token_revoked_then_401(owner_client: CsrfClient, token_client: TestClient) -> None:
    token_id = owner_client.get(TOKENS).json()[0]["id"]
    revoked = owner_client.delete(f"{TOKENS}/{token_id}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert token_client.get(ME).status_code == 401


def test_me_when_bearer_token_wrong_then_401_even_with_valid_cookie(
    owner_client: CsrfClient,
) -> None:
    response = owner_client.get(ME, headers={"Authorization": "Bearer cs_wrong"})
    assert response.status_code == 401


def test_create_token_when_created_then_only_its_hash_is_stored(
    app: FastAPI, token_client: TestClient
) -> None:
    token = token_client.post(TOKENS, json={"name": "ci"}).json()["token"]
    with session_scope(app.state.desk.engine) as session:
        rows = session.exec(select(ApiTokenRow)).all()
    assert all(token not in (row.token_hash, row.prefix) for row in rows)
    assert "token" not in token_client.get(TOKENS).json()[0]


def test_revoke_token_when_unknown_then_404(token_client: TestClient) -> None:
    assert token_client.delete(f"{TOKENS}/999").status_code == 404


# --- the owner account and setup ----------------------------------------------------------------


def test_create_owner_when_owner_exists_then_refused(app: FastAPI, owner: UserRow) -> None:
    with pytest.raises(OwnerExists), session_scope(app.state.desk.engine) as session:
        create_owner(session, "second", "another long password")


def test_insert_user_when_owner_exists_then_database_refuses(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_owner(session, "owner", OWNER_PASSWORD)
    # Past the owner_exists check, as a racing second setup would be: the schema still says no.
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(UserRow(id=2, username="second", password_hash="x"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(UserRow(username="second", password_hash="x"))


def test_create_owner_when_password_short_then_refused(app: FastAPI) -> None:
    with (
        pytest.raises(ValueError, match="at least 10"),
        session_scope(app.state.desk.engine) as session,
    ):
        create_owner(session, "owner", "short")


def test_create_owner_when_created_then_password_hashed_and_authenticates(
    app: FastAPI, owner: UserRow
) -> None:
    with session_scope(app.state.desk.engine) as session:
        assert OWNER_PASSWORD not in session.get(UserRow, owner.id).password_hash
        assert authenticate(session, OWNER_USERNAME, OWNER_PASSWORD) is not None
        assert authenticate(session, OWNER_USERNAME, "not the password") is None


def test_setup_when_no_owner_then_creates_logs_in_and_closes(client: TestClient) -> None:
    assert client.get("/api/v1/auth/setup-needed").json() == {"setup_needed": True}
    created = client.post("/api/v1/auth/setup", json=CREDENTIALS)
    assert created.status_code == 201 and created.json()["csrf_token"]
    assert client.get(ME).json()["username"] == OWNER_USERNAME
    assert client.get("/api/v1/auth/setup-needed").json() == {"setup_needed": False}
    again = client.post(
        "/api/v1/auth/setup",
        json={"username": "second", "password": "another long password"},
        headers={"X-CSRF-Token": created.json()["csrf_token"]},
    )
    assert (again.status_code, _error_code(again)) == (409, "OWNER_EXISTS")


def test_setup_when_password_short_then_422(client: TestClient) -> None:
    response = client.post("/api/v1/auth/setup", json={"username": "owner", "password": "short"})
    assert (response.status_code, _error_code(response)) == (422, "INVALID_INPUT")


# --- rate limits and headers --------------------------------------------------------------------


def test_login_when_five_failures_in_a_minute_then_429_with_retry_after(
    client: TestClient, owner: UserRow
) -> None:
    for _ in range(5):
        assert client.post(LOGIN, json=WRONG).status_code == 401
    limited = client.post(LOGIN, json=CREDENTIALS)
    assert (limited.status_code, _error_code(limited)) == (429, "RATE_LIMITED")
    assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_execution_rate_limit_when_eleventh_call_in_a_minute_then_429(
    app: FastAPI, client: TestClient
) -> None:
    @app.post("/api/v1/limited", dependencies=[Depends(execution_rate_limit)])
    def limited() -> dict[str, bool]:
        return {"ok": True}

    assert all(client.post("/api/v1/limited").status_code == 200 for _ in range(10))
    assert client.post("/api/v1/limited").status_code == 429


def test_limiter_when_window_passes_then_allows_again() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter("tries", limit=2, window=60, clock=lambda: now[0])
    limiter.hit("ip")
    now[0] = 30
    limiter.hit("ip")
    with pytest.raises(RateLimited) as refused:
        limiter.hit("ip")
    assert refused.value.retry_after == 30
    now[0] = 60.5  # the first hit has left the window
    limiter.hit("ip")


@pytest.mark.parametrize("path", [ME, "/api/v1/nowhere", "/openapi.json"])
def test_response_when_any_path_then_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"


# --- serving and the CLI ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "has_owner", "warned"),
    [
        ("127.0.0.1", False, False),
        ("::1", False, False),
        ("localhost", False, False),
        ("0.0.0.0", False, True),
        ("0.0.0.0", True, True),
        ("192.168.1.5", True, True),
    ],
)
def test_warn_if_exposed_when_bound_then_warns_only_beyond_loopback(
    host: str, has_owner: bool, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        warn_if_exposed(host, has_owner, logging.getLogger("test"))
    assert bool(caplog.records) is warned
    assert ("no owner account" in caplog.text) is (warned and not has_owner)


def _run_user_create(url: str, username: str, stdin: str, monkeypatch: pytest.MonkeyPatch) -> int:
    parser = argparse.ArgumentParser()
    add_user_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["user", "create", "--username", username, "--password-stdin"])
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return args.handler(args, load_settings(database_url=url))


def test_cli_user_create_when_no_owner_then_created_and_password_not_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _run_user_create(url, "alice", f"{OWNER_PASSWORD}\n", monkeypatch) == 0
    out = capsys.readouterr()
    assert "alice" in out.out and OWNER_PASSWORD not in out.out + out.err
    engine = make_engine(url)
    with session_scope(engine) as session:
        assert authenticate(session, "alice", OWNER_PASSWORD) is not None
    engine.dispose()
    assert _run_user_create(url, "bob", f"{OWNER_PASSWORD}\n", monkeypatch) == 2
    assert "already exists" in capsys.readouterr().err
