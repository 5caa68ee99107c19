"""REST analyze (single and batch) and simulate: snapshot, strategies, gate preview, and
nothing recorded."""

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from store.db import session_scope
from store.models import DecisionRow, OrderRow, SnapshotRow, TradeIdeaRow
from tests.desk_helpers import (
    AT,
    TEST_STRATEGY,
    Clock,
    api_error,
    clocked_app,
    matching_strategy,
    relax_filters,
)

ANALYZE, BATCH, SIMULATE = "/api/v1/analyze", "/api/v1/analyze/batch", "/api/v1/simulate"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    app = clocked_app(tmp_path, Clock())
    relax_filters(app.state.desk)
    return app


@pytest.fixture
def direction(app: FastAPI) -> str:
    _, side = matching_strategy(app.state.desk)
    return side.value


def _rows(engine: Engine) -> tuple[int, ...]:
    with session_scope(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (SnapshotRow, TradeIdeaRow, DecisionRow, OrderRow)
        )


def test_analyze_when_strategy_matches_then_snapshot_strategies_and_preview_nothing_recorded(
    app: FastAPI, token_client: TestClient, direction: str
) -> None:
    before = _rows(app.state.desk.engine)
    response = token_client.post(ANALYZE, json={"symbol": "eurusd", "at": AT.isoformat()})
    assert response.status_code == 200, response.text
    analysis = response.json()
    snapshot = analysis["snapshot"]
    assert (snapshot["symbol"], snapshot["timeframe"], snapshot["as_of"]) == (
        "EURUSD",
        "H1",
        "2026-11-18T14:00:00Z",
    )
    assert snapshot["bars"] > 0 and snapshot["indicators"]["rsi_14"] is not None
    assert snapshot["session"]["kill_zone"] == "new_york_kz" and len(snapshot["snapshot_ref"]) == 64
    test = next(s for s in analysis["strategies"] if s["strategy"] == TEST_STRATEGY)
    assert (test["matched"], test["direction"]) == (True, direction)
    preview = test["preview"]
    assert (preview["outcome"], preview["direction"]) == ("needs_approval", direction)
    assert preview["computed_lots"] > 0 and preview["checks"] and preview["confidence"]["total"]
    assert _rows(app.state.desk.engine) == before


def test_analyze_when_no_moment_then_desk_clock_is_used(token_client: TestClient) -> None:
    analysis = token_client.post(ANALYZE, json={"symbol": "GBPUSD", "timeframe": "h4"}).json()
    assert analysis["snapshot"]["as_of"] == "2026-11-18T14:00:00Z"
    assert analysis["snapshot"]["timeframe"] == "H4"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"symbol": "EURUSD", "at": "2026-11-18T14:00:00"}, "body.at"),
        ({"symbol": "EURUSD", "at": "1999-12-31T00:00:00Z"}, "body.at"),
        ({"symbol": "EURUSD", "timeframe": "H2"}, "body.timeframe"),
        ({"symbol": "EUR/USD"}, "body.symbol"),
        ({"symbol": "EURUSD", "lots": 1}, "body.lots"),
        ({}, "body.symbol"),
    ],
)
def test_analyze_when_body_malformed_then_422_naming_the_field(
    token_client: TestClient, body: dict, path: str
) -> None:
    error = api_error(token_client.post(ANALYZE, json=body), 422, "INVALID_INPUT")
    assert [e["path"] for e in error["details"]["errors"]] == [path]


def test_analyze_when_symbol_unknown_or_moment_in_future_then_422(
    token_client: TestClient,
) -> None:
    unknown = api_error(token_client.post(ANALYZE, json={"symbol": "ZZZ"}), 422, "INVALID_INPUT")
    assert "unknown instrument 'ZZZ'" in unknown["message"]
    future = (AT + timedelta(hours=1)).isoformat()
    error = api_error(
        token_client.post(ANALYZE, json={"symbol": "EURUSD", "at": future}), 422, "INVALID_INPUT"
    )
    assert "future" in error["message"]


def test_batch_when_one_symbol_unknown_then_it_carries_its_error_and_others_answer(
    token_client: TestClient,
) -> None:
    body = {"symbols": ["EURUSD", "ZZZ", "eurusd", "XAUUSD"], "at": AT.isoformat()}
    items = token_client.post(BATCH, json=body).json()["items"]
    assert [i["symbol"] for i in items] == ["EURUSD", "ZZZ", "XAUUSD"]
    assert items[0]["analysis"]["snapshot"]["symbol"] == "EURUSD" and items[0]["error"] is None
    assert (items[1]["analysis"], items[1]["error"]["code"]) == (None, "INVALID_INPUT")
    assert items[2]["analysis"]["snapshot"]["last_price"] > 1000


@pytest.mark.parametrize("symbols", [[], ["EURUSD"] * 11, "EURUSD"])
def test_batch_when_symbol_list_malformed_then_422(token_client: TestClient, symbols) -> None:
    api_error(token_client.post(BATCH, json={"symbols": symbols}), 422, "INVALID_INPUT")


def test_simulate_when_proposal_follows_strategy_then_preview_and_nothing_recorded(
    app: FastAPI, token_client: TestClient, direction: str
) -> None:
    before = _rows(app.state.desk.engine)
    body = {"symbol": "EURUSD", "direction": direction, "strategy": TEST_STRATEGY, "lots": 0.01}
    response = token_client.post(SIMULATE, json=body)
    assert response.status_code == 200, response.text
    preview = response.json()["preview"]
    assert (preview["outcome"], preview["lots"], preview["strategy"]) == (
        "needs_approval",
        0.01,
        TEST_STRATEGY,
    )
    assert preview["entry"] and preview["stop"] and preview["targets"]
    assert _rows(app.state.desk.engine) == before


def test_simulate_when_stop_on_wrong_side_then_rejected_with_reason_code(
    token_client: TestClient, direction: str
) -> None:
    price = token_client.post(ANALYZE, json={"symbol": "EURUSD"}).json()["snapshot"]["last_price"]
    wrong = price * (0.99 if direction == "sell" else 1.01)
    target = price * (0.98 if direction == "sell" else 1.02)
    body = {
        "symbol": "EURUSD",
        "direction": direction,
        "strategy": TEST_STRATEGY,
        "entry": price,
        "stop": wrong,
        "targets": [target],
    }
    preview = token_client.post(SIMULATE, json=body).json()["preview"]
    assert preview["outcome"] == "rejected" and "STOP_SIDE" in preview["reason_codes"]


def test_simulate_when_strategy_unknown_then_gate_rejects_not_the_api(
    token_client: TestClient,
) -> None:
    body = {"symbol": "EURUSD", "direction": "buy", "strategy": "Nope"}
    preview = token_client.post(SIMULATE, json=body).json()["preview"]
    assert preview["outcome"] == "rejected"


@pytest.mark.parametrize(
    "body",
    [
        {"symbol": "EURUSD", "direction": "up"},
        {"symbol": "EURUSD", "direction": "buy", "entry": -1},
        {"symbol": "EURUSD", "direction": "buy", "lots": 1e12},
        {"symbol": "EURUSD", "direction": "buy", "targets": [1, 2, 3, 4, 5, 6]},
        {"direction": "buy"},
    ],
)
def test_simulate_when_proposal_malformed_then_422(token_client: TestClient, body: dict) -> None:
    api_error(token_client.post(SIMULATE, json=body), 422, "INVALID_INPUT")
