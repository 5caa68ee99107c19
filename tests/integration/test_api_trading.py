"""REST account, positions and orders, before and after an approved idea fills on paper."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.desk_helpers import Clock, api_error, clocked_app, queue_idea, relax_filters

ACCOUNT, POSITIONS, ORDERS = "/api/v1/account", "/api/v1/positions", "/api/v1/orders"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    app = clocked_app(tmp_path, Clock())
    relax_filters(app.state.desk)
    return app


@pytest.fixture
def filled(app: FastAPI, token_client: TestClient) -> list[int]:
    """Two ideas approved and filled on paper (EURUSD, GBPUSD); their ids."""
    ids = []
    for symbol in ("EURUSD", "GBPUSD"):  # one after the other: the test strategy follows one
        ids.append(queue_idea(app.state.desk, symbol=symbol))
        assert token_client.post(f"/api/v1/ideas/{ids[-1]}/approve").status_code == 200
    return ids


def test_account_when_fresh_then_paper_starting_balance(token_client: TestClient) -> None:
    account = token_client.get(ACCOUNT).json()
    assert (account["broker"], account["is_paper"], account["currency"]) == ("paper", True, "USD")
    assert account["balance"] == account["equity"] == 10_000.0
    assert account["positions"] == [] and account["margin_level"] is None


def test_positions_and_orders_when_nothing_traded_then_empty(token_client: TestClient) -> None:
    assert token_client.get(POSITIONS).json() == {"broker": "paper", "items": []}
    assert token_client.get(ORDERS).json() == {"items": [], "next_before_id": None}


def test_positions_when_ideas_filled_then_open_with_their_ideas(
    token_client: TestClient, filled: list[int]
) -> None:
    positions = token_client.get(POSITIONS).json()["items"]
    assert sorted(p["symbol"] for p in positions) == ["EURUSD", "GBPUSD"]
    assert sorted(int(p["idea_id"]) for p in positions) == filled
    account = token_client.get(ACCOUNT).json()
    assert account["margin_used"] > 0 and account["margin_level"] > 0
    assert len(account["positions"]) == 2


def test_orders_when_filtered_and_paged_then_newest_first_with_cursor(
    token_client: TestClient, filled: list[int]
) -> None:
    everything = token_client.get(ORDERS).json()["items"]
    assert [o["idea_id"] for o in everything] == filled[::-1]
    assert all(o["status"] == "filled" and o["kind"] == "entry" for o in everything)
    first = token_client.get(ORDERS, params={"limit": 1}).json()
    assert first["items"] == everything[:1] and first["next_before_id"] == everything[0]["id"]
    second = token_client.get(ORDERS, params={"limit": 1, "before_id": first["next_before_id"]})
    assert second.json()["items"] == everything[1:]
    by_symbol = token_client.get(ORDERS, params={"symbol": "gbpusd"}).json()["items"]
    assert [o["symbol"] for o in by_symbol] == ["GBPUSD"]
    assert token_client.get(ORDERS, params={"status": "rejected"}).json()["items"] == []
    assert token_client.get(ORDERS, params={"idea_id": filled[0]}).json()["items"] == [
        everything[1]
    ]


@pytest.mark.parametrize(
    "params", [{"status": "done"}, {"idea_id": 0}, {"limit": -5}, {"before_id": "x"}]
)
def test_orders_when_filter_malformed_then_422(token_client: TestClient, params: dict) -> None:
    api_error(token_client.get(ORDERS, params=params), 422, "INVALID_INPUT")
