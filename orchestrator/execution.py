"""Submitting an entry order, the only path from the desk to a broker, and settling what the
broker answers.

The order row (with its client order id) is committed before the broker is called, and the
kill switch is read again in the very transaction that calls the broker. A placement is never
retried: when the answer is lost, the broker is asked whether the order exists, and if even that
fails the order stays `submitted` for reconciliation to settle.
"""

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from orchestrator.broker_health import record_failure, record_ok
from orchestrator.brokerage import BrokerBook
from orchestrator.state_machines import IDEA, ORDER
from store.db import session_scope
from store.models import DecisionRow, OrderRow, PositionRow, TradeIdeaRow
from store.records import append_idea_decision, get_risk_config
from tools.brokers.base import (
    Broker,
    BrokerAuthError,
    BrokerError,
    BrokerRejectedError,
    BrokerTemporaryError,
    OrderRequest,
    OrderResult,
)
from tools.lifecycle import DecisionAction, IdeaStatus, OrderStatus

NOT_RECEIVED = "the broker has no order under this client order id"


def _load(session: Session, order_id: int) -> tuple[OrderRow, TradeIdeaRow]:
    order = session.get_one(OrderRow, order_id)
    return order, session.get_one(TradeIdeaRow, order.idea_id)


def _fail(
    session: Session,
    order: OrderRow,
    idea: TradeIdeaRow,
    code: str,
    message: str,
    actor: str,
    status: OrderStatus = OrderStatus.REJECTED,
) -> None:
    order.status = ORDER.check(order.status, status)
    order.error = message
    idea.status = IDEA.check(idea.status, IdeaStatus.EXECUTION_FAILED)
    append_idea_decision(
        session,
        idea,
        DecisionAction.EXECUTION_FAILED,
        actor,
        reason_codes=[code],
        details={"message": message, "client_order_id": order.client_order_id},
    )


def _approved_by_human(session: Session, idea: TradeIdeaRow) -> bool:
    return (
        session.exec(
            select(DecisionRow.id).where(
                DecisionRow.idea_id == idea.id, DecisionRow.action == DecisionAction.APPROVED
            )
        ).first()
        is not None
    )


def _record_fill(
    session: Session, order: OrderRow, idea: TradeIdeaRow, result: OrderResult, actor: str
) -> None:
    order.status = ORDER.check(order.status, OrderStatus.FILLED)
    order.broker_order_id = result.broker_order_id
    order.fill_price = result.fill_price
    order.filled_at = result.filled_at
    final = IdeaStatus.EXECUTED if _approved_by_human(session, idea) else IdeaStatus.AUTO_EXECUTED
    idea.status = IDEA.check(idea.status, final)
    session.add(
        PositionRow(
            idea_id=idea.id,
            order_id=order.id,
            symbol=order.symbol,
            direction=order.direction,
            lots=result.filled_lots,
            entry_price=result.fill_price or order.requested_price,
            stop=order.stop,
            take_profit=order.targets[0] if order.targets else None,
            opened_at=result.filled_at,
            broker=order.broker,
            broker_position_id=result.position_id,
        )
    )
    append_idea_decision(
        session,
        idea,
        DecisionAction.EXECUTED,
        actor,
        confidence=idea.confidence,
        details={
            "client_order_id": order.client_order_id,
            "lots": result.filled_lots,
            "fill_price": result.fill_price,
            "broker": order.broker,
            "commission": result.commission,
        },
    )


def settle(
    session: Session, order: OrderRow, idea: TradeIdeaRow, result: OrderResult | None, actor: str
) -> bool:
    """Record what the broker says became of an in-flight order; False while it is still
    working (accepted, not filled), True once the order is final."""
    if result is None:
        _fail(session, order, idea, "ORDER_NOT_RECEIVED", NOT_RECEIVED, actor)
    elif result.status is OrderStatus.FILLED:
        _record_fill(session, order, idea, result, actor)
    elif result.status in (OrderStatus.REJECTED, OrderStatus.CANCELLED):
        message = result.message or f"broker answered {result.status}"
        _fail(session, order, idea, "BROKER_EXECUTION_FAILED", message, actor, result.status)
    else:
        order.broker_order_id = result.broker_order_id or order.broker_order_id
        return False
    return True


def _request(order: OrderRow, idea: TradeIdeaRow) -> OrderRequest:
    return OrderRequest(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        direction=order.direction,
        lots=order.lots,
        price=order.requested_price,
        stop_loss=order.stop,
        take_profits=order.targets,
        idea_id=str(idea.id),
    )


def _place(
    session: Session, book: BrokerBook, broker: Broker, order: OrderRow, idea: TradeIdeaRow
) -> OrderResult | BrokerError | None:
    """The broker's answer to the placement: a result, None when a lost answer turned out to be
    a lost order, or the error when the outcome cannot be known (or the broker refused)."""
    try:
        result = broker.place_order(_request(order, idea))
    except BrokerTemporaryError as lost:
        _failed(session, book, order.broker, lost)
        try:  # the order may have reached the broker: ask before concluding
            result = broker.find_order(order.client_order_id)
        except BrokerError as unknown:
            _failed(session, book, order.broker, unknown)
            # even a refusal of the lookup (401, 4xx) leaves the placement's outcome unknown
            return BrokerTemporaryError(str(unknown))
        record_ok(session, order.broker, "answered after a lost placement", book.clock())
        return result
    except BrokerError as refused:
        if not isinstance(refused, BrokerRejectedError):
            _failed(session, book, order.broker, refused)
        return refused
    record_ok(session, order.broker, f"placed {order.client_order_id}", book.clock())
    return result


def _failed(session: Session, book: BrokerBook, name: str, error: BrokerError) -> None:
    record_failure(
        session, name, error, book.clock(), failures_before_halt=book.settings.failures_before_halt
    )


def submit_entry(engine: Engine, book: BrokerBook, order_id: int, *, actor: str) -> IdeaStatus:
    """Send a pending entry order; returns the idea's status: final, or `executing` while the
    broker is still working on it or its answer is unknown. Never retries placement."""
    with session_scope(engine) as session:
        order, idea = _load(session, order_id)
        idea.status = IDEA.check(idea.status, IdeaStatus.EXECUTING)
        order.status = ORDER.check(order.status, OrderStatus.SUBMITTED)

    with session_scope(engine) as session:
        order, idea = _load(session, order_id)
        config = get_risk_config(session, lock=True)
        if not config.ai_trading_enabled:
            message = f"trading halted before submission: {config.last_halt_reason}"
            _fail(session, order, idea, "AI_HALTED", message, actor, OrderStatus.CANCELLED)
            return idea.status
        with book.get(order.broker).open(session) as broker:
            answer = _place(session, book, broker, order, idea)
        if isinstance(answer, BrokerAuthError):
            _fail(session, order, idea, "BROKER_AUTH_FAILED", str(answer), actor)
        elif isinstance(answer, BrokerRejectedError):
            _fail(session, order, idea, "BROKER_EXECUTION_FAILED", str(answer), actor)
        elif isinstance(answer, BrokerError):
            append_idea_decision(
                session,
                idea,
                DecisionAction.ORDER_UNCONFIRMED,
                actor,
                reason_codes=["BROKER_UNREACHABLE"],
                details={"message": str(answer), "client_order_id": order.client_order_id},
            )
        elif not settle(session, order, idea, answer, actor):
            append_idea_decision(
                session,
                idea,
                DecisionAction.ORDER_WORKING,
                actor,
                details={"client_order_id": order.client_order_id, "message": answer.message},
            )
        return idea.status
