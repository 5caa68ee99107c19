"""REST agent health and performance figures."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from orchestrator.desk import Desk
from store.db import session_scope
from store.models import PositionRow
from tests.desk_helpers import AT, Clock, api_error, clocked_app, queue_idea, relax_filters
from tools.account import Direction
from tools.brokers.base import ExitReason
from tools.proposal import ProposalDirection, TradeProposal

HEALTH, PERFORMANCE = "/api/v1/agents/health", "/api/v1/performance"
# (days after AT, pnl, R, exit): two wins and a loss on day one, a loss on day two.
CLOSED = [
    (0, 120.0, 2.0, ExitReason.TARGET),
    (0, 60.0, 1.0, ExitReason.TARGET),
    (0, -50.0, -1.0, ExitReason.STOP),
    (1, -30.0, None, ExitReason.MANUAL),
]


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings for the app; tests parametrize this to configure a model endpoint."""
    return {}


@pytest.fixture
def app(tmp_path: Path, overrides: dict[str, Any]) -> FastAPI:
    app = clocked_app(tmp_path, Clock(), **overrides)
    relax_filters(app.state.desk)
    return app


@pytest.fixture
def history(app: FastAPI) -> None:
    """Closed positions as the broker reported them, a queued idea and a gate-rejected one."""
    desk: Desk = app.state.desk
    with session_scope(desk.engine) as session:
        for day, pnl, r, reason in CLOSED:
            closed_at = AT + timedelta(days=day, hours=1)
            session.add(
                PositionRow(
                    symbol="EURUSD",
                    direction=Direction.BUY,
                    lots=0.1,
                    entry_price=1.1,
                    opened_at=closed_at - timedelta(hours=2),
                    closed_at=closed_at,
                    exit_price=1.1,
                    pnl=pnl,
                    r_multiple=r,
                    exit_reason=reason,
                    broker="paper",
                )
            )
    queue_idea(desk)
    snapshot = desk.snapshots.build("EURUSD", AT)
    wrong_stop = TradeProposal(
        symbol="EURUSD",
        direction=ProposalDirection.BUY,
        strategy="Test follow",
        entry=snapshot.last_price,
        stop=snapshot.last_price * 1.01,
        targets=[snapshot.last_price * 1.02],
    )
    desk.propose(snapshot, wrong_stop, strategy=None)


def test_health_when_no_endpoint_configured_then_offline_model_and_desk_state(
    app: FastAPI, token_client: TestClient
) -> None:
    queue_idea(app.state.desk)
    app.state.desk.halt("checking the feed")
    health = token_client.get(HEALTH).json()
    model = health["model"]
    assert (model["offline"], model["endpoint"], model["problem"]) == (True, None, None)
    assert "offline rules model" in model["label"]
    assert (health["trading_state"], health["halt_reason"]) == ("HALTED", "checking the feed")
    assert (health["mode"], health["broker"], health["ideas_waiting"]) == (
        "APPROVAL_REQUIRED",
        "paper",
        1,
    )


def test_performance_when_nothing_closed_then_zero_counts_and_no_ratios(
    token_client: TestClient,
) -> None:
    result = token_client.get(PERFORMANCE).json()
    trades = result["trades"]
    assert (trades["closed"], trades["win_rate"], trades["average_r"]) == (0, None, None)
    assert result["pnl_by_day"] == [] and result["reason_codes"] == {}
    assert set(result["ideas_by_status"].values()) == {0}


def test_performance_when_positions_closed_then_pnl_by_day_win_rate_and_average_r(
    token_client: TestClient, history: None
) -> None:
    result = token_client.get(PERFORMANCE).json()
    trades = result["trades"]
    assert (trades["closed"], trades["wins"], trades["losses"], trades["win_rate"]) == (
        4,
        2,
        2,
        0.5,
    )
    assert (trades["net_pnl"], trades["gross_profit"], trades["gross_loss"]) == (100.0, 180.0, -80)
    assert trades["profit_factor"] == 2.25 and trades["average_r"] == round(2 / 3, 4)
    assert (trades["best_trade"], trades["worst_trade"]) == (120.0, -50.0)
    assert [(d["day"], d["pnl"], d["cumulative_pnl"]) for d in result["pnl_by_day"]] == [
        ("2026-11-18", 130.0, 130.0),
        ("2026-11-19", -30.0, 100.0),
    ]
    assert result["by_exit_reason"] == {"target": 2, "stop": 1, "manual": 1}
    assert result["ideas_by_status"]["needs_approval"] == 1
    assert result["ideas_by_status"]["rejected"] == 1
    assert result["reason_codes"]["STOP_SIDE"] == 1


def test_performance_when_period_given_then_only_closes_inside_it(
    token_client: TestClient, history: None
) -> None:
    day_two = (AT + timedelta(days=1)).isoformat()
    trades = token_client.get(PERFORMANCE, params={"since": day_two}).json()["trades"]
    assert (trades["closed"], trades["net_pnl"]) == (1, -30.0)
    before = token_client.get(PERFORMANCE, params={"until": day_two}).json()["trades"]
    assert before["closed"] == 3


@pytest.mark.parametrize("params", [{"since": "2026-11-18"}, {"until": "2026-11-18T00:00:00"}])
def test_performance_when_period_malformed_then_422(token_client: TestClient, params: dict) -> None:
    api_error(token_client.get(PERFORMANCE, params=params), 422, "INVALID_INPUT")


OLLAMA = {"base_url": "http://localhost:11434/v1", "model": "llama3.3", "api_key": "sk-secret"}


@pytest.mark.parametrize("overrides", [{"llm": OLLAMA}])
def test_health_when_endpoint_configured_then_its_model_and_url_never_its_key(
    token_client: TestClient,
) -> None:
    response = token_client.get(HEALTH)
    assert response.json()["model"] == {
        "offline": False,
        "label": "llama3.3",
        "endpoint": "http://localhost:11434/v1",
        "problem": None,
    }
    assert "sk-secret" not in response.text
