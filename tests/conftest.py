"""Shared fixtures: migrated databases (SQLite always, PostgreSQL when a server is given)."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from store.db import make_engine
from store.migrate import upgrade

pytest_plugins = ["tests.api_fixtures", "tests.broker_fakes"]

POSTGRES_ENV = "COUNTERSIGN_TEST_POSTGRES_URL"
# CI sets this so a missing server fails the run instead of silently skipping the suite.
REQUIRE_POSTGRES = os.environ.get("COUNTERSIGN_REQUIRE_POSTGRES") == "1"
_KEPT_ENV = (POSTGRES_ENV, "COUNTERSIGN_REQUIRE_POSTGRES")


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No developer's environment or config file leaks into a test."""
    for key in list(os.environ):
        if key.startswith("COUNTERSIGN_") and key not in _KEPT_ENV:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url and REQUIRE_POSTGRES:
        pytest.fail(f"COUNTERSIGN_REQUIRE_POSTGRES=1 but {POSTGRES_ENV} is not set")
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (CI sets it; see README)")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    admin_url = make_url(_postgres_admin_url())
    name = f"countersign_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per test session; each test gets a copy (migrating takes ~0.5 s)."""
    path = tmp_path_factory.mktemp("template") / "countersign.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """A fresh, migrated SQLite file for one test."""
    path = tmp_path / "countersign.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated database on each supported backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()
