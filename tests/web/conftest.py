"""Browser tests: the real app served by uvicorn on 127.0.0.1, driven by Debian's Chromium.

One app, desk and logged-in owner for the whole session (the desk lives at a fixed moment, so the
demo market is the same every run); each test gets a fresh page already logged in. Without a
launchable Chromium the suite skips, or fails when COUNTERSIGN_REQUIRE_BROWSER=1 (CI).
"""

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Error, Page

from api.auth import create_owner
from orchestrator.cycle import CycleResult
from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import session_scope
from tests.broker_fakes import with_mt5
from tests.desk_helpers import AT, Clock, clocked_app, relax_filters

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("COUNTERSIGN_REQUIRE_BROWSER") == "1"
OWNER, PASSWORD = "owner", "correct horse battery"
BREAKOUT = "Momentum breakout"  # proposes a buy on the demo XAUUSD market at AT
TIMEOUT_MS = 8_000


def _unavailable(reason: str) -> NoReturn:
    if REQUIRE_BROWSER:
        pytest.fail(f"COUNTERSIGN_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"browser tests need Chromium (apt-get install -y chromium): {reason}")


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    xdg = tmp_path_factory.mktemp("xdg")
    env = {**os.environ, "XDG_CONFIG_HOME": str(xdg / "config"), "XDG_CACHE_HOME": str(xdg)}
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS, "env": env}


@pytest.fixture(scope="session")
def browser(launch_browser: Callable[[], Browser]) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} does not exist")
    try:
        browser = launch_browser()
    except Error as exc:
        _unavailable(f"{CHROMIUM} did not launch: {exc.message.splitlines()[0]}")
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app on a fresh database, on the paper broker with the MT5 bridge configured (a test
    that uses it fakes it with `mt5_bridge`). Its settings are read isolated from the
    developer's environment and config file (once: nothing reads them again)."""
    workdir = tmp_path_factory.mktemp("web")
    with pytest.MonkeyPatch.context() as isolation:
        for key in [k for k in os.environ if k.startswith("COUNTERSIGN_")]:
            isolation.delenv(key)
        isolation.chdir(workdir)
        app = clocked_app(workdir, Clock(), brokers=with_mt5(load_settings()).brokers)
    desk: Desk = app.state.desk
    relax_filters(desk)
    # Room for every test's trades: the session and exposure caps are not under test here.
    desk.update_risk_config(
        {"max_trades_per_session": 0, "max_concurrent_trades": 50, "max_same_direction_trades": 50},
        actor="test",
    )
    with session_scope(desk.engine) as session:
        create_owner(session, OWNER, PASSWORD)
    return app


@dataclass(frozen=True)
class LiveServer:
    url: str
    loop: asyncio.AbstractEventLoop  # the served app's event loop (runs, live transcripts)


@pytest.fixture(scope="session")
def live_server(web_app: FastAPI) -> Iterator[LiveServer]:
    """Serve `web_app` with uvicorn in a thread on a free port of 127.0.0.1."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(web_app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web app did not start")
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{sock.getsockname()[1]}", server.servers[0].get_loop())
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def owner_state(browser: Browser, base_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Cookies of a session logged in through the login form, for every test's context."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    log_in(page)
    path = str(tmp_path_factory.mktemp("auth") / "owner.json")
    context.storage_state(path=path)
    context.close()
    return path


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], owner_state: str) -> dict[str, Any]:
    return {**browser_context_args, "storage_state": owner_state}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def desk(web_app: FastAPI) -> Iterator[Desk]:
    """The served desk; a test that halts it, or moves it to another broker, leaves it trading
    again on paper."""
    desk: Desk = web_app.state.desk
    yield desk
    if not desk.risk_config().ai_trading_enabled:
        desk.resume(actor="test")
    if desk.active_broker().name != "paper":
        desk.use_broker("paper", actor="test")


def run_breakout(app: FastAPI, client: TestClient) -> CycleResult:
    """One run of BREAKOUT on XAUUSD at AT with the app's runner (the offline model), on the
    event loop `client` serves `app` on."""
    assert client.portal is not None
    [result] = client.portal.call(app.state.runner.run_symbol, "XAUUSD", AT, BREAKOUT)
    return result


def log_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
