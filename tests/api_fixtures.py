"""App fixtures for API and web tests: a fresh desk app, its owner, and clients logged in by
cookie (with CSRF) or by Bearer token."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_api_token, create_owner
from orchestrator.settings import load_settings
from store.db import session_scope
from store.models import UserRow

OWNER_USERNAME = "owner"
OWNER_PASSWORD = "correct horse battery"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfClient(TestClient):
    """A TestClient that sends its session's CSRF token on every unsafe request."""

    csrf: str | None = None

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.csrf and method.upper() in _UNSAFE:
            kwargs["headers"] = {"X-CSRF-Token": self.csrf, **(kwargs.get("headers") or {})}
        return super().request(method, url, **kwargs)


@pytest.fixture
def app(sqlite_url: str) -> FastAPI:
    """The real app on a fresh migrated SQLite file, no scheduler."""
    return create_app(load_settings(database_url=sqlite_url, run_scheduler=False))


@pytest.fixture
def owner(app: FastAPI) -> UserRow:
    with session_scope(app.state.desk.engine) as session:
        return create_owner(session, OWNER_USERNAME, OWNER_PASSWORD)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def owner_client(app: FastAPI, owner: UserRow) -> Iterator[CsrfClient]:
    """Logged in through the real login endpoint; `owner_client.csrf` holds the CSRF token."""
    with CsrfClient(app) as test_client:
        response = test_client.post(
            "/api/v1/auth/login", json={"username": OWNER_USERNAME, "password": OWNER_PASSWORD}
        )
        assert response.status_code == 200, response.text
        test_client.csrf = response.json()["csrf_token"]
        yield test_client


@pytest.fixture
def api_token(app: FastAPI, owner: UserRow) -> str:
    with session_scope(app.state.desk.engine) as session:
        _, token = create_api_token(session, owner, "tests")
    return token


@pytest.fixture
def token_client(app: FastAPI, api_token: str) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Bearer {api_token}"}) as test_client:
        yield test_client
