"""Paper positions walk forward on new bars: stops and targets close them, and a close that
breaches an account limit halts trading."""

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from orchestrator.desk import Desk
from orchestrator.positions import advance_paper, breached_limits
from orchestrator.settings import load_settings
from store.db import session_scope
from store.models import DecisionRow, PositionRow
from tests.desk_helpers import AT, Clock, queue_idea, relax_filters
from tools.account import AccountState
from tools.lifecycle import DecisionAction, HaltSource
from tools.risk_config import RiskConfig


@pytest.fixture
def clock() -> Clock:
    return Clock(AT)


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Desk:
    desk = Desk(engine, load_settings(), clock=clock)
    relax_filters(desk)
    return desk


def _filled_position(desk: Desk) -> None:
    desk.approve(queue_idea(desk))
    assert len(desk.account().positions) == 1


def test_advance_paper_when_price_reaches_stop_or_target_then_position_closed_and_logged(
    desk: Desk, engine: Engine, clock: Clock
) -> None:
    _filled_position(desk)
    assert advance_paper(desk, AT) == []  # no bar has closed since the fill
    clock.now = AT + timedelta(days=10)
    [trade] = advance_paper(desk, clock.now)
    assert desk.account().positions == []
    with session_scope(engine) as session:
        row = session.exec(select(PositionRow)).one()
        last = session.exec(select(DecisionRow).order_by(DecisionRow.id.desc())).first()
    assert (row.closed_at, row.pnl, row.exit_reason) == (
        trade.closed_at,
        trade.pnl,
        trade.exit_reason,
    )
    assert last is not None and last.action is DecisionAction.POSITION_CLOSED
    assert last.details["pnl"] == trade.pnl


def test_advance_paper_when_close_breaches_drawdown_then_trading_halts(
    desk: Desk, clock: Clock
) -> None:
    desk.update_risk_config({"max_daily_drawdown": 0.01, "daily_profit_target": 0.01}, actor="test")
    _filled_position(desk)
    for hours in range(1, 24 * 10):  # the scheduler's walk: one bar close at a time
        clock.now = AT + timedelta(hours=hours)
        if advance_paper(desk, clock.now):
            break
    config = desk.risk_config()
    assert config.ai_trading_enabled is False
    assert config.last_halt_reason is not None
    assert config.last_halt_reason.split(":")[0] in {"MAX_DAILY_DRAWDOWN", "DAILY_PROFIT_TARGET"}


def _account(**fields: float) -> AccountState:
    return AccountState(balance=10_000, equity=10_000, free_margin=10_000, **fields)


@pytest.mark.parametrize(
    ("fields", "config", "source"),
    [
        ({"daily_pnl": -1000}, {"max_daily_drawdown": 1000}, HaltSource.DRAWDOWN),
        ({"daily_pnl": 2000}, {"daily_profit_target": 2000}, HaltSource.DAILY_TARGET),
        ({"consecutive_losses": 3}, {"consecutive_loss_limit": 3}, HaltSource.CONSECUTIVE_LOSSES),
    ],
)
def test_breached_limits_when_limit_reached_then_named(
    fields: dict, config: dict, source: HaltSource
) -> None:
    assert [s for s, _ in breached_limits(_account(**fields), RiskConfig(**config))] == [source]


def test_breached_limits_when_switched_off_then_nothing() -> None:
    config = RiskConfig(halt_on_drawdown=False, stop_after_target=False, consecutive_loss_limit=0)
    account = _account(daily_pnl=-5000, consecutive_losses=9)
    assert breached_limits(account, config) == []
