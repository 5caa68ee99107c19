"""A placement whose answer was lost has an unknown outcome, whatever the follow-up lookup says:
even when the broker then refuses the lookup (credentials gone, a 4xx), the order stays
`submitted` for reconciliation, which finds the fill and books it against its idea."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import session_scope
from store.models import DecisionRow, OrderRow, PositionRow, TradeIdeaRow
from tests.broker_fakes import FakeMt5Bridge, with_mt5
from tests.desk_helpers import Clock, queue_idea, relax_filters
from tools.lifecycle import DecisionAction, IdeaStatus, OrderStatus


@pytest.fixture
def mt5_desk(engine: Engine, mt5_bridge: FakeMt5Bridge) -> Iterator[Desk]:
    desk = Desk(engine, with_mt5(load_settings()), clock=Clock())
    relax_filters(desk)
    desk.use_broker("mt5", confirm=True, actor="test")
    yield desk
    desk.brokers.close()


@pytest.mark.parametrize(
    "lookup_answer",
    [
        httpx.Response(401, json={"message": "session expired"}),
        httpx.Response(400, json={"status": "error", "retcode": 10013, "message": "bad request"}),
    ],
    ids=["lookup_401", "lookup_refused"],
)
def test_approve_when_answer_lost_and_lookup_refused_then_order_stays_submitted_until_reconciled(
    mt5_desk: Desk, mt5_bridge: FakeMt5Bridge, lookup_answer: httpx.Response
) -> None:
    mt5_bridge.lose_answer = True  # the bridge fills the order, then the reply times out
    mt5_bridge.fail_next("orders", lookup_answer)
    idea_id = queue_idea(mt5_desk)

    assert mt5_desk.approve(idea_id) is IdeaStatus.EXECUTING

    with session_scope(mt5_desk.engine) as session:
        [order] = session.exec(select(OrderRow)).all()
        assert order.status is OrderStatus.SUBMITTED
        actions = session.exec(
            select(DecisionRow.action).where(DecisionRow.idea_id == idea_id)
        ).all()
        assert DecisionAction.ORDER_UNCONFIRMED in actions
        assert DecisionAction.EXECUTION_FAILED not in actions

    mt5_bridge.lose_answer = False
    mt5_desk.reconcile()

    assert mt5_bridge.calls["place"] == 1
    with session_scope(mt5_desk.engine) as session:
        [order] = session.exec(select(OrderRow)).all()
        assert order.status is OrderStatus.FILLED
        [position] = session.exec(select(PositionRow)).all()
        assert position.idea_id == idea_id  # booked against its idea, not imported as unknown
        assert session.get_one(TradeIdeaRow, idea_id).status is IdeaStatus.EXECUTED
