"""REST controls: risk config (read, partial update), mode (with confirmation), kill switch."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.desk_helpers import Clock, api_error, clocked_app

RISK, MODE, KILL = "/api/v1/risk-config", "/api/v1/mode", "/api/v1/kill-switch"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return clocked_app(tmp_path, Clock())


def _last_decision(client: TestClient) -> dict:
    return client.get("/api/v1/decisions", params={"limit": 1}).json()["items"][0]


def test_risk_config_when_read_then_defaults_and_trading_state(token_client: TestClient) -> None:
    config = token_client.get(RISK).json()
    assert config["mode"] == "APPROVAL_REQUIRED" and config["trading_state"] == "ACTIVE"
    assert config["risk_per_trade_pct"] == 1.0 and config["ai_trading_enabled"] is True


def test_risk_config_when_patched_then_only_those_fields_change_and_change_logged(
    token_client: TestClient,
) -> None:
    before = token_client.get(RISK).json()
    response = token_client.patch(RISK, json={"max_lot_size": 2.5, "kill_zone_mode": "strict"})
    assert response.json() == before | {"max_lot_size": 2.5, "kill_zone_mode": "strict"}
    logged = _last_decision(token_client)
    assert logged["action"] == "risk_config_changed" and logged["actor"] == "human:owner"
    assert logged["details"]["changes"]["max_lot_size"] == {"from": 1.0, "to": 2.5}


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"mode": "FULL_AUTO"}, "mode"),
        ({"ai_trading_enabled": False}, "ai_trading_enabled"),
        ({"risk_per_trade_pct": 50}, "risk_per_trade_pct"),
        ({"max_lot_size": None}, "max_lot_size"),
        ({"kill_zone_mode": "loose"}, "kill_zone_mode"),
        ({"no_such_setting": 1}, "no_such_setting"),
    ],
)
def test_risk_config_when_patch_refused_then_422_naming_the_field_and_nothing_changes(
    token_client: TestClient, body: dict, named: str
) -> None:
    before = token_client.get(RISK).json()
    error = api_error(token_client.patch(RISK, json=body), 422, "INVALID_INPUT")
    assert named in error["message"]
    assert token_client.get(RISK).json() == before


def test_mode_when_read_then_current_and_reachable_modes(token_client: TestClient) -> None:
    mode = token_client.get(MODE).json()
    assert mode["mode"] == "APPROVAL_REQUIRED"
    options = {o["mode"]: o["needs_confirmation"] for o in mode["next_modes"]}
    assert options == {
        "ANALYSIS_ONLY": False,
        "SIMULATION": False,
        "SEMI_AUTO": False,
        "FULL_AUTO": True,
    }


def test_mode_when_full_auto_without_confirm_then_409_and_with_confirm_then_changed(
    token_client: TestClient,
) -> None:
    refused = token_client.put(MODE, json={"mode": "FULL_AUTO"})
    api_error(refused, 409, "CONFIRMATION_REQUIRED")
    assert token_client.get(MODE).json()["mode"] == "APPROVAL_REQUIRED"
    changed = token_client.put(MODE, json={"mode": "FULL_AUTO", "confirm": True})
    assert changed.status_code == 200 and changed.json()["mode"] == "FULL_AUTO"
    logged = _last_decision(token_client)
    assert logged["action"] == "mode_changed" and logged["details"]["confirmed"] is True


def test_mode_when_move_illegal_then_409_illegal_transition(token_client: TestClient) -> None:
    token_client.put(MODE, json={"mode": "ANALYSIS_ONLY"})
    response = token_client.put(MODE, json={"mode": "FULL_AUTO", "confirm": True})
    api_error(response, 409, "ILLEGAL_TRANSITION")


@pytest.mark.parametrize("body", [{"mode": "YOLO"}, {}, {"mode": "SIMULATION", "confirm": "y"}])
def test_mode_when_body_malformed_then_422(token_client: TestClient, body: dict) -> None:
    api_error(token_client.put(MODE, json=body), 422, "INVALID_INPUT")


def test_kill_switch_when_halted_then_state_reason_and_resume_restores(
    token_client: TestClient,
) -> None:
    halted = token_client.post(KILL, json={"ai_trading_enabled": False, "reason": "news spike"})
    assert halted.status_code == 200
    body = halted.json()
    assert (body["ai_trading_enabled"], body["trading_state"], body["halt_reason"]) == (
        False,
        "HALTED",
        "news spike",
    )
    assert token_client.get(KILL).json() == body
    assert _last_decision(token_client)["action"] == "ai_halted"
    resumed = token_client.post(KILL, json={"ai_trading_enabled": True}).json()
    assert (resumed["trading_state"], resumed["halt_reason"]) == ("ACTIVE", None)


def test_kill_switch_when_halting_without_reason_then_422(token_client: TestClient) -> None:
    error = api_error(
        token_client.post(KILL, json={"ai_trading_enabled": False, "reason": " "}),
        422,
        "INVALID_INPUT",
    )
    assert "reason" in error["message"]
    assert token_client.get(KILL).json()["trading_state"] == "ACTIVE"


def test_kill_switch_when_resuming_an_active_desk_then_409(token_client: TestClient) -> None:
    api_error(token_client.post(KILL, json={"ai_trading_enabled": True}), 409, "ILLEGAL_TRANSITION")
