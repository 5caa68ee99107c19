"""REST brokers with the MT5 bridge configured (faked at the HTTP edge): status, connection
tests, switching with confirmation, reconciliation, and no secret in any answer."""

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_api_token, create_owner
from orchestrator.settings import load_settings
from store.db import session_scope
from tests.api_fixtures import CsrfClient
from tests.broker_fakes import MT5_TOKEN, FakeMt5Bridge, with_mt5
from tests.desk_helpers import api_error

BROKERS = "/api/v1/brokers"
ACTIVE, RECONCILE = f"{BROKERS}/active", f"{BROKERS}/reconcile"
RECONCILIATIONS = f"{BROKERS}/reconciliations"
TERMINAL_OFFLINE = httpx.Response(503, json={"status": "error", "message": "terminal offline"})


@pytest.fixture
def app(db_url: str, mt5_bridge: FakeMt5Bridge) -> FastAPI:
    """The real app with the MT5 bridge configured; the desk starts on paper."""
    return create_app(with_mt5(load_settings(database_url=db_url, run_scheduler=False)))


def _brokers(client: TestClient) -> dict[str, dict]:
    return {broker["name"]: broker for broker in client.get(BROKERS).json()["items"]}


def _switch_to_mt5(client: TestClient) -> dict:
    response = client.post(ACTIVE, json={"name": "mt5", "confirm": True})
    assert response.status_code == 200, response.text
    return response.json()


def test_list_brokers_when_only_paper_configured_then_paper_active_and_no_reconciliation(
    sqlite_url: str,
) -> None:
    app = create_app(load_settings(database_url=sqlite_url, run_scheduler=False))
    with session_scope(app.state.desk.engine) as session:
        _, token = create_api_token(session, create_owner(session, "owner", "a long pass"), "t")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        listing = client.get(BROKERS).json()
    [paper] = listing["items"]
    assert paper["name"] == "paper" and paper["active"] and paper["is_paper"]
    assert not paper["is_remote"] and listing["last_reconciliation"] is None


def test_list_brokers_when_mt5_configured_then_paper_active_first_and_mt5_untested(
    token_client: TestClient,
) -> None:
    listing = token_client.get(BROKERS).json()
    assert [b["name"] for b in listing["items"]] == ["paper", "mt5"]
    mt5 = listing["items"][1]
    assert not mt5["active"] and mt5["is_remote"] and not mt5["is_paper"]
    assert mt5["health"] == "unknown" and mt5["consecutive_failures"] == 0
    assert listing["last_reconciliation"] is None


def test_use_broker_when_not_confirmed_then_409_and_paper_stays(
    token_client: TestClient, mt5_bridge: FakeMt5Bridge
) -> None:
    error = api_error(token_client.post(ACTIVE, json={"name": "mt5"}), 409, "CONFIRMATION_REQUIRED")
    assert "LIVE account" in error["message"]
    assert _brokers(token_client)["paper"]["active"]
    assert mt5_bridge.calls.get("account", 0) == 0  # refused before any call to the broker


def test_use_broker_when_confirmed_and_bridge_answers_then_mt5_active_and_logged(
    token_client: TestClient,
) -> None:
    status = _switch_to_mt5(token_client)
    assert status["name"] == "mt5" and status["active"] and status["health"] == "ok"
    assert "balance 10000.00" in status["message"]
    assert [b["name"] for b in token_client.get(BROKERS).json()["items"]] == ["mt5", "paper"]
    logged = token_client.get("/api/v1/decisions", params={"limit": 1}).json()["items"][0]
    assert logged["action"] == "broker_changed" and logged["actor"] == "human:owner"
    assert logged["details"]["to"] == "mt5"


def test_use_broker_when_connection_test_fails_then_503_and_health_unreachable(
    token_client: TestClient, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_bridge.fail_next("account", TERMINAL_OFFLINE)
    response = token_client.post(ACTIVE, json={"name": "mt5", "confirm": True})
    error = api_error(response, 503, "BROKER_UNREACHABLE")
    assert "terminal offline" in error["message"]
    brokers = _brokers(token_client)
    assert brokers["paper"]["active"] and not brokers["mt5"]["active"]
    assert brokers["mt5"]["health"] == "unreachable"
    assert brokers["mt5"]["consecutive_failures"] == 1 and brokers["mt5"]["last_failure_at"]


def test_use_broker_when_back_to_paper_then_switched_without_confirm(
    token_client: TestClient,
) -> None:
    _switch_to_mt5(token_client)
    status = token_client.post(ACTIVE, json={"name": "paper"}).json()
    assert status["name"] == "paper" and status["active"]


@pytest.mark.parametrize("name", ["alpaca", "nosuch"])
def test_use_broker_when_not_configured_then_404(token_client: TestClient, name: str) -> None:
    response = token_client.post(ACTIVE, json={"name": name, "confirm": True})
    error = api_error(response, 404, "NOT_FOUND")
    assert error["details"]["configured"] == ["paper", "mt5"]


def test_use_broker_when_confirm_is_a_string_then_422(token_client: TestClient) -> None:
    response = token_client.post(ACTIVE, json={"name": "mt5", "confirm": "yes"})
    api_error(response, 422, "INVALID_INPUT")


def test_check_broker_when_bridge_answers_then_ok_and_recorded(token_client: TestClient) -> None:
    status = token_client.post(f"{BROKERS}/mt5/test").json()
    assert status["health"] == "ok" and not status["active"] and status["last_ok_at"]
    assert _brokers(token_client)["mt5"]["health"] == "ok"


def test_check_broker_when_bridge_down_then_200_with_unreachable_health(
    token_client: TestClient, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_bridge.fail_next("account", httpx.ConnectError("connection refused"))
    response = token_client.post(f"{BROKERS}/mt5/test")
    assert response.status_code == 200
    assert response.json()["health"] == "unreachable"
    assert "ConnectError" in response.json()["message"]


def test_check_broker_when_paper_then_ok(token_client: TestClient) -> None:
    status = token_client.post(f"{BROKERS}/paper/test").json()
    assert status["name"] == "paper" and status["health"] == "ok"


def test_check_broker_when_not_configured_then_404(token_client: TestClient) -> None:
    api_error(token_client.post(f"{BROKERS}/ibkr/test"), 404, "NOT_FOUND")


def test_reconcile_when_position_opened_at_the_bridge_then_imported_and_listed(
    token_client: TestClient, mt5_bridge: FakeMt5Bridge
) -> None:
    _switch_to_mt5(token_client)
    mt5_bridge.add_position(777, "EURUSD", lots=0.3)
    [report] = token_client.post(RECONCILE).json()["items"]
    assert report["broker"] == "mt5" and report["error"] is None
    [imported] = report["imported"]
    assert imported["position_id"] == "777" and imported["lots"] == 0.3
    assert token_client.get(BROKERS).json()["last_reconciliation"] == report
    positions = token_client.get("/api/v1/positions").json()
    assert [p["position_id"] for p in positions["items"]] == ["777"]


def test_reconcile_when_bridge_down_then_report_carries_the_error(
    token_client: TestClient, mt5_bridge: FakeMt5Bridge
) -> None:
    _switch_to_mt5(token_client)
    mt5_bridge.fail_next("account", TERMINAL_OFFLINE)
    [report] = token_client.post(RECONCILE).json()["items"]
    assert "terminal offline" in report["error"] and report["imported"] == []
    assert _brokers(token_client)["mt5"]["health"] == "unreachable"


def test_reconciliations_when_filtered_then_that_broker_only_newest_first(
    token_client: TestClient,
) -> None:
    [on_paper] = token_client.post(RECONCILE).json()["items"]
    _switch_to_mt5(token_client)
    first, second = (token_client.post(RECONCILE).json()["items"][0] for _ in range(2))

    mt5 = token_client.get(RECONCILIATIONS, params={"broker": "mt5"}).json()["items"]
    assert [r["id"] for r in mt5] == [second["id"], first["id"]]
    newest = token_client.get(RECONCILIATIONS, params={"limit": 1}).json()["items"]
    assert [r["id"] for r in newest] == [second["id"]]
    paper = token_client.get(RECONCILIATIONS, params={"broker": "paper"}).json()["items"]
    assert paper == [on_paper]


def test_responses_when_bridge_echoes_the_token_then_it_is_in_no_answer_nor_the_openapi(
    token_client: TestClient, mt5_bridge: FakeMt5Bridge
) -> None:
    echo = httpx.Response(503, json={"status": "error", "message": f"bad token {MT5_TOKEN}"})
    mt5_bridge.fail_next("account", echo, echo)
    answers = [
        token_client.post(f"{BROKERS}/mt5/test"),
        token_client.post(ACTIVE, json={"name": "mt5", "confirm": True}),
        token_client.post(f"{BROKERS}/mt5/test"),
        token_client.post(ACTIVE, json={"name": "mt5", "confirm": True}),
        token_client.post(RECONCILE),
        token_client.get(BROKERS),
        token_client.get(RECONCILIATIONS),
        token_client.get("/openapi.json"),
    ]
    assert [a.status_code for a in answers] == [200, 503, 200, 200, 200, 200, 200, 200]
    for answer in answers:
        assert MT5_TOKEN not in answer.text, answer.request.url


def test_brokers_when_anonymous_then_401_for_every_route(client: TestClient) -> None:
    for method, path in [
        ("GET", BROKERS),
        ("GET", RECONCILIATIONS),
        ("POST", f"{BROKERS}/mt5/test"),
        ("POST", ACTIVE),
        ("POST", RECONCILE),
    ]:
        api_error(client.request(method, path, json={}), 401, "UNAUTHORIZED")


def test_use_broker_when_cookie_session_without_csrf_token_then_403_and_paper_stays(
    owner_client: CsrfClient,
) -> None:
    body = {"name": "mt5", "confirm": True}
    refused = owner_client.post(ACTIVE, json=body, headers={"X-CSRF-Token": "wrong"})
    api_error(refused, 403, "CSRF_FAILED")
    assert _brokers(owner_client)["paper"]["active"]
    assert owner_client.post(ACTIVE, json=body).json()["active"]
