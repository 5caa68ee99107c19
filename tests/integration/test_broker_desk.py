"""The desk trading through a remote broker (the MT5 bridge, faked at the HTTP edge): choosing
it, the kill switch, lost answers, health halts, and reconciliation after a crash."""

import asyncio

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from orchestrator.desk import Desk
from orchestrator.errors import BrokerUnavailable, ConfirmationRequired
from orchestrator.scheduler import reconcile_forever
from orchestrator.settings import load_settings
from store.db import session_scope
from store.models import DecisionRow, OrderRow, PositionRow, ReconciliationRow, TradeIdeaRow
from tests.broker_fakes import FakeMt5Bridge, with_mt5
from tests.desk_helpers import Clock, queue_idea
from tools.lifecycle import BrokerHealth, DecisionAction, IdeaStatus, OrderStatus
from tools.risk_config import Mode


@pytest.fixture
def desk(mt5_configured_desk: Desk) -> Desk:
    return mt5_configured_desk


@pytest.fixture
def mt5_desk(desk: Desk) -> Desk:
    desk.use_broker("mt5", confirm=True, actor="test")
    return desk


def _orders(desk: Desk) -> list[OrderRow]:
    with session_scope(desk.engine) as session:
        return list(session.exec(select(OrderRow)))


def _positions(desk: Desk) -> list[PositionRow]:
    with session_scope(desk.engine) as session:
        return list(session.exec(select(PositionRow)))


def _idea_status(desk: Desk, idea_id: int) -> IdeaStatus:
    with session_scope(desk.engine) as session:
        return session.get_one(TradeIdeaRow, idea_id).status


def test_use_broker_when_remote_without_confirm_then_refused_and_paper_stays(desk: Desk) -> None:
    with pytest.raises(ConfirmationRequired, match="LIVE account"):
        desk.use_broker("mt5", actor="test")
    assert desk.active_broker().name == "paper"


def test_use_broker_when_connection_test_fails_then_refused(
    desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_bridge.fail_next("account", httpx.Response(503, json={"message": "terminal offline"}))
    with pytest.raises(BrokerUnavailable, match="terminal offline"):
        desk.use_broker("mt5", confirm=True, actor="test")
    assert desk.active_broker().name == "paper"


def test_use_broker_when_confirmed_and_reachable_then_active_and_logged(desk: Desk) -> None:
    status = desk.use_broker("mt5", confirm=True, actor="human:owner")
    assert status.active and status.health is BrokerHealth.OK
    with session_scope(desk.engine) as session:
        changes = session.exec(
            select(DecisionRow).where(DecisionRow.action == DecisionAction.BROKER_CHANGED)
        ).all()
    assert [(c.details["from"], c.details["to"]) for c in changes] == [("paper", "mt5")]


def test_approve_when_mt5_active_then_one_order_at_the_bridge_and_position_recorded(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    idea_id = queue_idea(mt5_desk)
    assert mt5_desk.approve(idea_id) is IdeaStatus.EXECUTED
    assert mt5_bridge.calls["place"] == 1
    [order] = _orders(mt5_desk)
    assert order.broker == "mt5" and order.status is OrderStatus.FILLED
    [position] = _positions(mt5_desk)
    assert position.broker == "mt5" and position.broker_position_id == order.broker_order_id


def test_approve_when_halted_then_nothing_reaches_the_bridge(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    idea_id = queue_idea(mt5_desk)
    mt5_desk.halt("lunch")
    with pytest.raises(Exception, match="halted"):
        mt5_desk.approve(idea_id)
    assert mt5_bridge.calls.get("place", 0) == 0


def test_approve_when_answer_lost_but_order_placed_then_found_and_filled_once(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_bridge.lose_answer = True
    idea_id = queue_idea(mt5_desk)
    assert mt5_desk.approve(idea_id) is IdeaStatus.EXECUTED
    assert mt5_bridge.calls["place"] == 1 and len(mt5_bridge.orders) == 1
    assert len(_positions(mt5_desk)) == 1


def test_approve_when_placement_and_lookup_fail_then_order_stays_in_flight_for_reconciliation(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_bridge.lose_answer = True
    mt5_bridge.fail_next("orders", httpx.ConnectError("bridge down"))
    idea_id = queue_idea(mt5_desk)
    assert mt5_desk.approve(idea_id) is IdeaStatus.EXECUTING
    [order] = _orders(mt5_desk)
    assert order.status is OrderStatus.SUBMITTED

    [report] = mt5_desk.reconcile()
    assert report.settled == [
        {"client_order_id": order.client_order_id, "idea_id": idea_id, "status": "filled"}
    ]
    assert _idea_status(mt5_desk, idea_id) is IdeaStatus.EXECUTED
    assert mt5_bridge.calls["place"] == 1 and len(_positions(mt5_desk)) == 1


def test_reconcile_when_crash_between_sent_and_recorded_then_no_duplicate_and_nothing_lost(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    idea_id = queue_idea(mt5_desk)

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("power cut after the bridge filled the order")

    monkeypatch.setattr("orchestrator.execution.record_ok", crash)
    with pytest.raises(SystemExit):
        mt5_desk.approve(idea_id)
    monkeypatch.undo()
    [order] = _orders(mt5_desk)
    assert order.status is OrderStatus.SUBMITTED and _positions(mt5_desk) == []

    mt5_desk.reconcile()
    mt5_desk.reconcile()  # a second pass changes nothing
    assert mt5_bridge.calls["place"] == 1
    [order] = _orders(mt5_desk)
    assert order.status is OrderStatus.FILLED
    [position] = _positions(mt5_desk)
    assert position.idea_id == idea_id
    assert _idea_status(mt5_desk, idea_id) is IdeaStatus.EXECUTED


def test_reconcile_when_broker_has_unknown_position_then_imported_once(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_bridge.add_position(777, "GBPUSD", 0.3)
    [first] = mt5_desk.reconcile()
    [second] = mt5_desk.reconcile()
    assert [p["position_id"] for p in first.imported] == ["777"] and second.imported == []
    [position] = _positions(mt5_desk)
    assert position.idea_id is None and position.lots == 0.3


def test_reconcile_when_broker_closed_a_desk_position_then_closed_with_its_pnl(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_desk.approve(queue_idea(mt5_desk))
    [position] = _positions(mt5_desk)
    mt5_bridge.close_position(int(position.broker_position_id or 0), exit_price=1.0, pnl=-42.0)
    [report] = mt5_desk.reconcile()
    assert report.closed == [{"position_id": position.broker_position_id, "pnl": -42.0}]
    [position] = _positions(mt5_desk)
    assert position.closed_at is not None and position.pnl == -42.0


def test_broker_failures_when_repeated_then_trading_halts_with_the_reason(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_bridge.fail_always("account", httpx.ConnectError("no route to host"))
    for _ in range(3):
        mt5_desk.reconcile()
    config = mt5_desk.risk_config()
    assert not config.ai_trading_enabled
    assert "BROKER_UNREACHABLE" in (config.last_halt_reason or "")


def test_approve_when_broker_last_seen_failing_and_still_down_then_refused_and_idea_kept(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    idea_id = queue_idea(mt5_desk)
    mt5_bridge.fail_always("account", httpx.ConnectError("no route to host"))
    mt5_desk.reconcile()
    with pytest.raises(BrokerUnavailable, match="stays in the queue"):
        mt5_desk.approve(idea_id)
    assert _idea_status(mt5_desk, idea_id) is IdeaStatus.NEEDS_APPROVAL
    assert mt5_bridge.calls.get("place", 0) == 0


def test_set_mode_when_full_auto_on_remote_broker_then_needs_confirm_and_connection(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    with pytest.raises(ConfirmationRequired):
        mt5_desk.set_mode(Mode.SEMI_AUTO)
    mt5_bridge.fail_next("account", httpx.ConnectError("down"))
    with pytest.raises(BrokerUnavailable):
        mt5_desk.set_mode(Mode.SEMI_AUTO, confirm=True)
    assert mt5_desk.set_mode(Mode.SEMI_AUTO, confirm=True).mode is Mode.SEMI_AUTO


def test_apply_configured_broker_when_reachable_then_switched_by_settings(
    engine: Engine, mt5_bridge: FakeMt5Bridge
) -> None:
    settings = with_mt5(load_settings())
    settings.brokers.use = "mt5"
    desk = Desk(engine, settings, clock=Clock())
    status = desk.apply_configured_broker()
    assert status is not None and status.active
    assert desk.active_broker().name == "mt5"


def test_apply_configured_broker_when_unreachable_then_stays_on_paper_and_says_why(
    engine: Engine, mt5_bridge: FakeMt5Bridge
) -> None:
    settings = with_mt5(load_settings())
    settings.brokers.use = "mt5"
    mt5_bridge.fail_always("account", httpx.ConnectError("no route to host"))
    desk = Desk(engine, settings, clock=Clock())
    status = desk.apply_configured_broker()
    assert status is not None and not status.active
    assert status.health is BrokerHealth.UNREACHABLE and "unreachable" in status.message
    assert desk.active_broker().name == "paper"


def test_reconcile_when_paper_is_active_then_a_clean_report(desk: Desk) -> None:
    [report] = desk.reconcile()
    assert report.broker == "paper" and report.error is None
    assert (report.settled, report.imported, report.closed, report.differences) == ([], [], [], [])


class _Stop(Exception):
    pass


def test_reconcile_forever_when_started_then_settles_at_once_and_repeats_on_interval(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    mt5_bridge.lose_answer = True
    mt5_bridge.fail_next("orders", httpx.ConnectError("bridge down"))
    idea_id = queue_idea(mt5_desk)
    assert mt5_desk.approve(idea_id) is IdeaStatus.EXECUTING
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise _Stop

    with pytest.raises(_Stop):
        asyncio.run(reconcile_forever(mt5_desk, sleep=sleep))
    assert _idea_status(mt5_desk, idea_id) is IdeaStatus.EXECUTED
    assert sleeps == [60.0, 60.0]
    with session_scope(mt5_desk.engine) as session:
        assert len(session.exec(select(ReconciliationRow)).all()) == 2


def test_active_broker_when_its_settings_were_removed_then_paper(
    mt5_desk: Desk, engine: Engine
) -> None:
    without_mt5 = Desk(engine, load_settings(), clock=Clock())
    assert without_mt5.active_broker().name == "paper"
    assert without_mt5.account().balance > 0
