"""The web desk's server side without a browser: first run, login redirects, the partials htmx
gets alone, the queue's no-change poll and the risk form's field errors."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from store.models import UserRow
from tests.api_fixtures import CsrfClient

HTMX = {"HX-Request": "true"}


def test_login_page_when_no_owner_then_first_run_setup_creates_and_logs_in(
    client: TestClient,
) -> None:
    assert client.get("/login", follow_redirects=False).headers["location"] == "/setup"
    response = client.post(
        "/setup",
        data={
            "username": "owner",
            "password": "correct horse battery",
            "confirm": "correct horse battery",
        },
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert "Dashboard" in client.get("/").text
    assert client.get("/setup", follow_redirects=False).headers["location"] == "/login"


def test_setup_when_passwords_differ_then_form_shows_error_and_no_owner(
    client: TestClient,
) -> None:
    response = client.post(
        "/setup",
        data={
            "username": "owner",
            "password": "correct horse battery",
            "confirm": "another horse battery",
        },
    )
    assert response.status_code == 422 and "the two passwords differ" in response.text
    assert client.get("/login", follow_redirects=False).headers["location"] == "/setup"


def test_page_when_logged_out_then_redirected_to_login_not_json(
    client: TestClient, owner: UserRow
) -> None:
    page = client.get("/ideas/1", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=/ideas/1")
    poll = client.get("/queue/rows", headers=HTMX, follow_redirects=False)
    assert (poll.status_code, poll.headers["HX-Redirect"]) == (204, "/login")


def test_logout_when_logged_in_then_pages_need_login_again(owner_client: CsrfClient) -> None:
    response = owner_client.post("/logout", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert owner_client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_poll_queue_when_nothing_changed_then_no_content(owner_client: CsrfClient) -> None:
    rows = owner_client.get("/queue/rows", headers=HTMX)
    assert rows.status_code == 200 and rows.text.lstrip().startswith('<div id="queue-live"')
    seen = re.search(r'"seen": "(\w+)"', rows.text)
    assert seen is not None
    again = owner_client.get("/queue/rows", params={"seen": seen[1]}, headers=HTMX)
    assert again.status_code == 204


def test_history_when_htmx_asks_then_rows_partial_alone(owner_client: CsrfClient) -> None:
    partial = owner_client.get("/history", params={"symbol": "EURUSD"}, headers=HTMX)
    assert partial.text.lstrip().startswith('<section id="history-rows"')
    assert "<html" not in partial.text and "<html" in owner_client.get("/history").text


def test_save_risk_when_out_of_range_then_error_at_field_and_nothing_saved(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    response = owner_client.post(
        "/settings/risk", data={"risk_per_trade_pct": "9", "max_lot_size": "0.5"}
    )
    assert response.status_code == 422
    assert re.search(
        r'data-error-for="risk_per_trade_pct">risk_per_trade_pct: Input should be '
        r"less than or equal to 5",
        response.text,
    )
    config = app.state.desk.risk_config()
    assert (config.risk_per_trade_pct, config.max_lot_size) == (1.0, 1.0)


def test_set_mode_when_full_auto_unconfirmed_then_panel_shows_refusal(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    refused = owner_client.post("/control/mode", data={"mode": "FULL_AUTO"}, headers=HTMX)
    assert "CONFIRMATION_REQUIRED: entering FULL_AUTO" in refused.text
    assert app.state.desk.risk_config().mode == "APPROVAL_REQUIRED"
    confirmed = owner_client.post(
        "/control/mode", data={"mode": "FULL_AUTO", "confirm": "true"}, headers=HTMX
    )
    assert "Mode is now FULL_AUTO." in confirmed.text
    assert app.state.desk.risk_config().mode == "FULL_AUTO"
