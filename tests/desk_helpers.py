"""Getting the Desk into a known state on the demo market: a strategy that matches at a fixed
moment, an idea queued for approval, the app around a desk on a hand-moved clock, and the REST
error shape. Shared by the Desk and API test suites."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.app import create_app
from api.routers.v1 import PREFIX, ROUTERS
from orchestrator import strategy_book
from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import make_engine, session_scope
from store.migrate import upgrade
from tools.lifecycle import IdeaStatus
from tools.proposal import ProposalDirection, TradeProposal
from tools.strategies import StrategyDefinition

AT = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
TEST_STRATEGY = "Test follow"


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = AT) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def relax_filters(desk: Desk) -> None:
    """Keep sessions and news out of the way of tests about the approval machinery."""
    desk.update_risk_config(
        {"kill_zone_mode": "relaxed", "news_filter_mode": "relaxed", "news_blackout_minutes": 0},
        actor="test",
    )


def matching_strategy(
    desk: Desk, at: datetime = AT, symbol: str = "EURUSD"
) -> tuple[StrategyDefinition, ProposalDirection]:
    """A strategy whose single condition holds on the demo market at `at`, whichever way it
    is, saved active."""
    snapshot = desk.snapshots.build(symbol, at)
    above = snapshot.last_price > (snapshot.indicators.sma_20 or 0)
    data = {
        "name": TEST_STRATEGY,
        "active": True,
        "allowed_symbols": [symbol],
        "timeframe": "H1",
        "entry_conditions": [
            {"type": "price_vs_ma", "ma": "sma_20", "relation": "above" if above else "below"}
        ],
        "exit": {
            "stop": {"type": "atr", "multiple": 1.5},
            "targets": [{"type": "r_multiple", "value": 2.0}],
        },
        "forbidden": {"news_blackout_minutes": 0},
        "risk_caps": {"max_concurrent_positions": 3},
        "expected_rr": 1.5,
    }
    with session_scope(desk.engine) as session:
        strategy = strategy_book.save(session, data, actor="test")
    return strategy, ProposalDirection.BUY if above else ProposalDirection.SELL


def queue_idea(desk: Desk, at: datetime = AT, symbol: str = "EURUSD") -> int:
    """An idea waiting for approval, proposed on the snapshot at `at`."""
    strategy, direction = matching_strategy(desk, at, symbol)
    snapshot = desk.snapshots.build(symbol, at)
    proposal = TradeProposal(
        symbol=symbol, direction=direction, strategy=strategy.name, rationale="test"
    )
    result = desk.propose(snapshot, proposal, strategy=strategy)
    assert result.status is IdeaStatus.NEEDS_APPROVAL, result.decision.reason_codes
    return result.idea_id


def clocked_app(tmp_path: Path, clock: Clock, **overrides: Any) -> FastAPI:
    """The real app on a fresh SQLite file, its desk living at `clock`'s time; `overrides`
    replace default settings."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    settings = load_settings(database_url=url, run_scheduler=False, **overrides)
    return create_app(settings, desk=Desk(make_engine(url), settings, clock=clock))


def api_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert the REST error format, {"error": {"code", "message", "details"}}; return it."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    assert error["code"] == code, error
    return error


def api_endpoints() -> list[tuple[str, str]]:
    """(method, path) of every REST endpoint of the desk, e.g. ("GET", "/api/v1/rules")."""
    return sorted(
        (method, PREFIX + route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    )
