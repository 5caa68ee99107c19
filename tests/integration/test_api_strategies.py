"""REST strategies: list, read, create, replace, switch on/off, clone and (soft) delete."""

import copy
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.desk_helpers import Clock, api_error, clocked_app
from tools.strategies import seed_strategies

STRATEGIES = "/api/v1/strategies"
NEW = {
    "name": "London fade",
    "allowed_symbols": ["eurusd", "GBPUSD"],
    "timeframe": "H1",
    "entry_conditions": [{"type": "supertrend", "direction": "with_trend"}],
    "exit": {
        "stop": {"type": "atr", "multiple": 1.5},
        "targets": [{"type": "r_multiple", "value": 2.0}],
    },
    "expected_rr": 2.0,
}


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return clocked_app(tmp_path, Clock())


def _url(name: str, suffix: str = "") -> str:
    return f"{STRATEGIES}/{quote(name)}{suffix}"


def _strategy_decisions(client: TestClient) -> list[dict[str, Any]]:
    params = {"action": "strategy_changed"}
    return client.get("/api/v1/decisions", params=params).json()["items"]


@pytest.fixture
def created(token_client: TestClient) -> dict[str, Any]:
    response = token_client.post(STRATEGIES, json=NEW)
    assert response.status_code == 201, response.text
    return response.json()


def test_list_when_fresh_desk_then_seeded_strategies_by_name(token_client: TestClient) -> None:
    names = [s["name"] for s in token_client.get(STRATEGIES).json()["items"]]
    assert names == sorted(s.name for s in seed_strategies())


def test_create_when_valid_then_201_stored_off_and_logged(
    token_client: TestClient, created: dict[str, Any]
) -> None:
    assert created["allowed_symbols"] == ["EURUSD", "GBPUSD"] and created["active"] is False
    assert token_client.get(_url("London fade")).json() == created
    [logged] = _strategy_decisions(token_client)
    assert logged["details"] == {"strategy": "London fade", "active": False}
    assert logged["actor"] == "human:owner"


def test_create_when_name_taken_then_409_strategy_exists(
    token_client: TestClient, created: dict[str, Any]
) -> None:
    api_error(token_client.post(STRATEGIES, json=NEW), 409, "STRATEGY_EXISTS")


def test_create_when_definition_broken_then_422_naming_each_field(
    token_client: TestClient,
) -> None:
    broken = copy.deepcopy(NEW)
    broken["entry_conditions"][0]["direction"] = "sideways"
    broken["expected_rr"] = 0
    broken["timeframe"] = "H2"
    error = api_error(token_client.post(STRATEGIES, json=broken), 422, "INVALID_INPUT")
    paths = " ".join(e["path"] for e in error["details"]["errors"])
    assert "entry_conditions" in paths and "expected_rr" in paths and "timeframe" in paths
    assert token_client.get(_url("London fade")).status_code == 404


@pytest.mark.parametrize("name", ["a/b", "x" * 65, ""])
def test_create_when_name_unaddressable_then_422(token_client: TestClient, name: str) -> None:
    api_error(token_client.post(STRATEGIES, json=NEW | {"name": name}), 422, "INVALID_INPUT")


def test_replace_when_body_changes_rules_then_stored_and_logged(
    token_client: TestClient, created: dict[str, Any]
) -> None:
    replaced = token_client.put(_url("London fade"), json=NEW | {"expected_rr": 3.0})
    assert replaced.status_code == 200 and replaced.json()["expected_rr"] == 3.0
    assert token_client.get(_url("London fade")).json()["expected_rr"] == 3.0
    assert len(_strategy_decisions(token_client)) == 2


def test_replace_when_name_differs_or_unknown_then_refused(
    token_client: TestClient, created: dict[str, Any]
) -> None:
    api_error(
        token_client.put(_url("London fade"), json=NEW | {"name": "Other"}), 422, "INVALID_INPUT"
    )
    api_error(token_client.put(_url("Nope"), json=NEW | {"name": "Nope"}), 404, "NOT_FOUND")


def test_activate_when_switched_on_and_off_then_active_follows(
    token_client: TestClient, created: dict[str, Any]
) -> None:
    on = token_client.patch(_url("London fade"), json={"active": True})
    assert on.json()["active"] is True
    off = token_client.patch(_url("London fade"), json={"active": False})
    assert off.json()["active"] is False
    api_error(
        token_client.patch(_url("London fade"), json={"active": "maybe"}), 422, "INVALID_INPUT"
    )


def test_clone_when_new_name_then_inactive_copy_and_taken_name_409(
    token_client: TestClient, created: dict[str, Any]
) -> None:
    token_client.patch(_url("London fade"), json={"active": True})
    clone = token_client.post(_url("London fade", "/clone"), json={"name": "London fade 2"})
    assert clone.status_code == 201
    assert clone.json() == created | {"name": "London fade 2", "active": False}
    again = token_client.post(_url("London fade", "/clone"), json={"name": "London fade 2"})
    api_error(again, 409, "STRATEGY_EXISTS")


def test_delete_when_strategy_active_then_switched_off_and_kept(
    token_client: TestClient, created: dict[str, Any]
) -> None:
    token_client.patch(_url("London fade"), json={"active": True})
    deleted = token_client.delete(_url("London fade"))
    assert deleted.status_code == 200 and deleted.json()["active"] is False
    assert token_client.get(_url("London fade")).json()["active"] is False


def test_acts_when_strategy_unknown_then_404(token_client: TestClient) -> None:
    api_error(token_client.get(_url("Nope")), 404, "NOT_FOUND")
    api_error(token_client.patch(_url("Nope"), json={"active": True}), 404, "NOT_FOUND")
    api_error(token_client.delete(_url("Nope")), 404, "NOT_FOUND")
    api_error(token_client.post(_url("Nope", "/clone"), json={"name": "X"}), 404, "NOT_FOUND")
