"""The Desk against real databases (SQLite and PostgreSQL): ideas, approvals, orders, halts."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from orchestrator import strategy_book
from orchestrator.desk import Desk
from orchestrator.errors import (
    AiHalted,
    IdeaNotPending,
    InvalidInput,
    RiskViolation,
    StrategyExists,
)
from orchestrator.settings import load_settings
from store.db import session_scope
from store.models import DecisionRow, OrderRow, TradeIdeaRow
from store.queries import decisions_for_idea
from tools.lifecycle import DecisionAction, IdeaStatus, OrderStatus
from tools.proposal import ProposalDirection, TradeProposal
from tools.risk_config import Mode
from tools.strategies import StrategyDefinition

AT = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(AT)


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Iterator[Desk]:
    desk = Desk(engine, load_settings(), clock=clock)
    # Keep sessions and news out of the way: these tests are about the approval machinery.
    desk.update_risk_config(
        {"kill_zone_mode": "relaxed", "news_filter_mode": "relaxed", "news_blackout_minutes": 0},
        actor="test",
    )
    yield desk


def _matching_strategy(desk: Desk) -> tuple[StrategyDefinition, ProposalDirection]:
    """A strategy whose single condition holds on the demo market at AT, whichever way it is."""
    snapshot = desk.snapshots.build("EURUSD", AT)
    above = snapshot.last_price > (snapshot.indicators.sma_20 or 0)
    data = {
        "name": "Test follow",
        "active": True,
        "allowed_symbols": ["EURUSD"],
        "timeframe": "H1",
        "entry_conditions": [
            {"type": "price_vs_ma", "ma": "sma_20", "relation": "above" if above else "below"}
        ],
        "exit": {
            "stop": {"type": "atr", "multiple": 1.5},
            "targets": [{"type": "r_multiple", "value": 2.0}],
        },
        "forbidden": {"news_blackout_minutes": 0},
        "expected_rr": 1.5,
    }
    with session_scope(desk.engine) as session:
        strategy = strategy_book.save(session, data, actor="test")
    return strategy, ProposalDirection.BUY if above else ProposalDirection.SELL


def _queue_idea(desk: Desk) -> int:
    strategy, direction = _matching_strategy(desk)
    snapshot = desk.snapshots.build("EURUSD", AT)
    proposal = TradeProposal(
        symbol="EURUSD", direction=direction, strategy=strategy.name, rationale="test"
    )
    result = desk.propose(snapshot, proposal, strategy=strategy)
    assert result.status is IdeaStatus.NEEDS_APPROVAL, result.decision.reason_codes
    return result.idea_id


def _idea(engine: Engine, idea_id: int) -> TradeIdeaRow:
    with session_scope(engine) as session:
        return session.get_one(TradeIdeaRow, idea_id)


def _orders(engine: Engine, idea_id: int) -> list[OrderRow]:
    with session_scope(engine) as session:
        return list(session.exec(select(OrderRow).where(OrderRow.idea_id == idea_id)).all())


def _actions(engine: Engine, idea_id: int) -> list[DecisionAction]:
    with session_scope(engine) as session:
        return [d.action for d in decisions_for_idea(session, idea_id)]


def test_propose_when_approval_required_then_idea_queued_with_decision(
    desk: Desk, engine: Engine
) -> None:
    idea_id = _queue_idea(desk)
    idea = _idea(engine, idea_id)
    assert idea.status is IdeaStatus.NEEDS_APPROVAL and idea.computed_lots > 0
    assert any(check["id"] == "STOP_SIDE" and check["passed"] for check in idea.checks)
    assert _actions(engine, idea_id) == [DecisionAction.NEEDS_APPROVAL]
    assert _orders(engine, idea_id) == []


def test_approve_when_fewer_lots_then_filled_on_paper_with_those_lots(
    desk: Desk, engine: Engine
) -> None:
    idea_id = _queue_idea(desk)
    lots = round(_idea(engine, idea_id).computed_lots / 2, 2)
    assert desk.approve(idea_id, lots=lots) is IdeaStatus.EXECUTED
    [order] = _orders(engine, idea_id)
    assert (order.status, order.lots, order.client_order_id) == (
        OrderStatus.FILLED,
        lots,
        f"cs-{idea_id}-entry",
    )
    assert desk.account().positions[0].lots == lots
    assert _actions(engine, idea_id) == [
        DecisionAction.NEEDS_APPROVAL,
        DecisionAction.APPROVED,
        DecisionAction.EXECUTED,
    ]


def test_approve_when_lots_above_computed_then_refused_and_nothing_ordered(
    desk: Desk, engine: Engine
) -> None:
    idea_id = _queue_idea(desk)
    with pytest.raises(InvalidInput, match="above the computed size"):
        desk.approve(idea_id, lots=_idea(engine, idea_id).computed_lots + 1)
    assert _orders(engine, idea_id) == []
    assert _idea(engine, idea_id).status is IdeaStatus.NEEDS_APPROVAL


def test_approve_when_halted_then_no_order_and_ai_halted_logged(desk: Desk, engine: Engine) -> None:
    idea_id = _queue_idea(desk)
    desk.halt("operator pulled the kill switch")
    with pytest.raises(AiHalted, match="operator pulled the kill switch"):
        desk.approve(idea_id)
    assert _orders(engine, idea_id) == []
    assert _actions(engine, idea_id)[-1] is DecisionAction.APPROVAL_REFUSED


def test_approve_when_price_moved_beyond_tolerance_then_refused_and_logged(
    desk: Desk, engine: Engine, clock: Clock
) -> None:
    desk.update_risk_config(
        {"approval_price_tolerance_pct": 0.0, "idea_expiry_minutes": 600}, actor="test"
    )
    idea_id = _queue_idea(desk)
    clock.now = AT + timedelta(hours=3)  # three bars later the demo price has moved
    with pytest.raises(RiskViolation, match="price moved"):
        desk.approve(idea_id)
    assert _orders(engine, idea_id) == []
    with session_scope(engine) as session:
        refusal = decisions_for_idea(session, idea_id)[-1]
    assert refusal.action is DecisionAction.APPROVAL_REFUSED
    assert refusal.reason_codes == ["PRICE_MOVED"] and refusal.details["moved_pct"] > 0


def test_approve_when_expired_then_refused_and_idea_expired(
    desk: Desk, engine: Engine, clock: Clock
) -> None:
    idea_id = _queue_idea(desk)
    clock.now = AT + timedelta(hours=2)
    with pytest.raises(IdeaNotPending, match="expired"):
        desk.approve(idea_id)
    assert _idea(engine, idea_id).status is IdeaStatus.EXPIRED


def test_approve_when_twenty_concurrent_clicks_then_exactly_one_order(
    desk: Desk, engine: Engine
) -> None:
    idea_id = _queue_idea(desk)

    def click() -> str:
        try:
            desk.approve(idea_id)
            return "ok"
        except IdeaNotPending:
            return "not pending"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda _: click(), range(20)))
    assert outcomes.count("ok") == 1 and outcomes.count("not pending") == 19
    assert len(_orders(engine, idea_id)) == 1
    assert _actions(engine, idea_id).count(DecisionAction.APPROVED) == 1
    assert len(desk.account().positions) == 1


def test_reject_when_queued_then_human_rejected_with_reason_and_second_reject_refused(
    desk: Desk, engine: Engine
) -> None:
    idea_id = _queue_idea(desk)
    desk.reject(idea_id, reason="spread too wide")
    assert _idea(engine, idea_id).status is IdeaStatus.HUMAN_REJECTED
    with session_scope(engine) as session:
        last = decisions_for_idea(session, idea_id)[-1]
    assert (last.action, last.details["reason"], last.human_override) == (
        DecisionAction.HUMAN_REJECTED,
        "spread too wide",
        True,
    )
    with pytest.raises(IdeaNotPending):
        desk.reject(idea_id)


def test_expire_stale_when_window_passed_then_queued_ideas_expire(
    desk: Desk, engine: Engine, clock: Clock
) -> None:
    idea_id = _queue_idea(desk)
    assert desk.expire_stale() == 0
    clock.now = AT + timedelta(hours=2)
    assert desk.expire_stale() == 1
    assert _actions(engine, idea_id)[-1] is DecisionAction.EXPIRED


def test_halt_and_resume_when_toggled_then_both_logged(desk: Desk, engine: Engine) -> None:
    desk.halt("lunch")
    assert desk.risk_config().ai_trading_enabled is False
    desk.resume()
    config = desk.risk_config()
    assert config.ai_trading_enabled is True and config.last_halt_reason is None
    with session_scope(engine) as session:
        actions = session.exec(select(DecisionRow.action).order_by(DecisionRow.id)).all()
    assert actions[-2:] == [DecisionAction.AI_HALTED, DecisionAction.AI_RESUMED]


def test_semi_auto_when_confident_then_auto_executed_on_paper(desk: Desk, engine: Engine) -> None:
    desk.set_mode(Mode.SEMI_AUTO)
    desk.update_risk_config({"min_confidence_threshold": 0}, actor="test")
    strategy, direction = _matching_strategy(desk)
    snapshot = desk.snapshots.build("EURUSD", AT)
    result = desk.propose(
        snapshot,
        TradeProposal(symbol="EURUSD", direction=direction, strategy=strategy.name),
        strategy=strategy,
    )
    assert result.status is IdeaStatus.AUTO_EXECUTED, result.decision.reason_codes
    assert [o.status for o in _orders(engine, result.idea_id)] == [OrderStatus.FILLED]


def test_decisions_when_written_by_desk_then_database_refuses_update(
    desk: Desk, engine: Engine
) -> None:
    _queue_idea(desk)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET actor = 'someone else'"))


def test_reset_paper_when_flat_then_balance_restored_and_logged(desk: Desk, engine: Engine) -> None:
    account = desk.reset_paper(starting_balance=25_000)
    assert (account.balance, account.equity) == (25_000, 25_000)
    with session_scope(engine) as session:
        last = session.exec(select(DecisionRow).order_by(DecisionRow.id.desc())).first()
    assert last is not None and last.action is DecisionAction.PAPER_RESET


def test_reset_paper_when_position_open_then_refused_and_position_kept(desk: Desk) -> None:
    desk.approve(_queue_idea(desk))
    with pytest.raises(InvalidInput, match="close the open paper positions"):
        desk.reset_paper()
    assert len(desk.account().positions) == 1


def test_save_strategy_when_create_and_name_taken_then_refused(desk: Desk) -> None:
    strategy, _ = _matching_strategy(desk)
    with pytest.raises(StrategyExists):
        desk.save_strategy(strategy.model_dump(mode="json"), create=True)


def test_set_strategy_active_when_switched_off_then_cycle_no_longer_uses_it(desk: Desk) -> None:
    strategy, _ = _matching_strategy(desk)
    assert desk.set_strategy_active(strategy.name, False).active is False
    with session_scope(desk.engine) as session:
        active = strategy_book.active_for(session, "EURUSD", "H1")
    assert strategy.name not in {s.name for s in active}
