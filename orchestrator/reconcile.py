"""Reconciliation: the desk's books compared with a broker's, on start and on an interval.

1. Orders the desk still has in flight (`submitted`) are looked up by client order id and
   settled: filled, refused, or never received. A placement is never sent again, so a crash
   between "order sent" and "order recorded" ends with exactly one position.
2. Positions the broker holds that the desk does not know are imported and logged.
3. Positions the desk holds that the broker closed are closed from the broker's history.
4. Whatever cannot be settled (an order still working, a size that differs, a position gone
   without a trace in the history) is listed as a difference for a human.

Every run is stored in `reconciliations` for the dashboard. Broker calls happen between two
short transactions, never inside one.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from orchestrator.broker_health import record_failure, record_ok
from orchestrator.brokerage import BrokerBook
from orchestrator.execution import settle
from orchestrator.position_book import SYSTEM_ACTOR, import_position, record_close
from store.db import session_scope
from store.models import OrderRow, PositionRow, ReconciliationRow, TradeIdeaRow
from tools.account import OpenPosition
from tools.brokers.base import BrokerError, ClosedTrade, OrderResult
from tools.lifecycle import OrderStatus

HISTORY_DEPTH = 200  # closed trades fetched to explain positions that vanished
LOTS_TOLERANCE = 1e-9


@dataclass
class _BrokerView:
    orders: dict[str, OrderResult | None] = field(default_factory=dict)
    positions: list[OpenPosition] = field(default_factory=list)
    history: list[ClosedTrade] = field(default_factory=list)


def _in_flight(session: Session, broker: str) -> list[str]:
    return list(
        session.exec(
            select(OrderRow.client_order_id)
            .where(OrderRow.broker == broker, OrderRow.status == OrderStatus.SUBMITTED)
            .order_by(col(OrderRow.id))
        )
    )


def _open_positions(session: Session, broker: str) -> list[PositionRow]:
    return list(
        session.exec(
            select(PositionRow).where(
                PositionRow.broker == broker,
                PositionRow.closed_at == None,  # noqa: E711 (SQL IS NULL)
            )
        )
    )


def _position_key(row: PositionRow) -> str:
    """Netting brokers (Alpaca, IBKR) name a position by its symbol and may leave the fill's
    position id empty; the symbol is then the key."""
    return row.broker_position_id or row.symbol


def brokers_to_reconcile(engine: Engine, book: BrokerBook) -> list[str]:
    """The active broker, and any other broker that still has orders in flight."""
    with session_scope(engine) as session:
        names = {book.active(session).name}
        names.update(
            session.exec(
                select(OrderRow.broker).where(OrderRow.status == OrderStatus.SUBMITTED).distinct()
            )
        )
    return sorted(names)


def reconcile(engine: Engine, book: BrokerBook, name: str) -> ReconciliationRow:
    provider = book.get(name)
    with session_scope(engine) as session:
        broker = provider.read(session)  # paper: a loaded copy; remote: the adapter itself
        order_ids = _in_flight(session, name)
        desk_keys = {_position_key(row) for row in _open_positions(session, name)}
    view = _BrokerView()
    try:
        view.orders = {cid: broker.find_order(cid) for cid in order_ids}
        view.positions = broker.positions()
        if desk_keys - {p.position_id for p in view.positions}:
            view.history = broker.history(HISTORY_DEPTH)
    except BrokerError as exc:
        return _record_error(engine, book, name, exc)
    with session_scope(engine) as session:
        report = ReconciliationRow(broker=name, started_at=book.clock())
        _settle_orders(session, view.orders, report)
        _compare_positions(session, name, view, report)
        record_ok(session, name, "reconciled", book.clock())
        session.add(report)
        session.flush()
        session.expunge(report)
        return report


def _record_error(
    engine: Engine, book: BrokerBook, name: str, error: BrokerError
) -> ReconciliationRow:
    with session_scope(engine) as session:
        record_failure(
            session,
            name,
            error,
            book.clock(),
            failures_before_halt=book.settings.failures_before_halt,
        )
        report = ReconciliationRow(broker=name, started_at=book.clock(), error=str(error))
        session.add(report)
        session.flush()
        session.expunge(report)
        return report


def _settle_orders(
    session: Session, answers: dict[str, OrderResult | None], report: ReconciliationRow
) -> None:
    for client_order_id, result in answers.items():
        order = session.exec(
            select(OrderRow).where(OrderRow.client_order_id == client_order_id)
        ).one()
        if order.status is not OrderStatus.SUBMITTED:
            continue  # settled meanwhile by the submission itself
        idea = session.get_one(TradeIdeaRow, order.idea_id)
        entry: dict[str, Any] = {"client_order_id": client_order_id, "idea_id": idea.id}
        if settle(session, order, idea, result, SYSTEM_ACTOR):
            report.settled.append({**entry, "status": order.status})
        else:
            report.differences.append(
                {**entry, "kind": "order_working", "message": "accepted, not filled yet"}
            )


def _compare_positions(
    session: Session, broker: str, view: _BrokerView, report: ReconciliationRow
) -> None:
    desk: dict[str, list[PositionRow]] = defaultdict(list)
    for row in _open_positions(session, broker):
        desk[_position_key(row)].append(row)
    at_broker = {position.position_id: position for position in view.positions}

    for key, position in at_broker.items():
        rows = desk.get(key)
        if not rows:
            import_position(session, position, broker=broker)
            report.imported.append(_brief(position))
            continue
        desk_lots = sum(row.lots for row in rows)
        if abs(desk_lots - position.lots) > LOTS_TOLERANCE:
            report.differences.append(
                {
                    "kind": "lots_differ",
                    "position_id": key,
                    "symbol": position.symbol,
                    "desk_lots": desk_lots,
                    "broker_lots": position.lots,
                }
            )

    trades = {trade.position_id: trade for trade in view.history}
    for key in sorted(set(desk) - set(at_broker)):
        trade = trades.get(key)
        if trade is not None:
            record_close(session, trade, broker=broker)
            report.closed.append({"position_id": key, "pnl": trade.pnl})
        else:
            report.differences.extend(_missing(desk[key]))


def _brief(position: OpenPosition) -> dict[str, Any]:
    return position.model_dump(
        mode="json", include={"position_id", "symbol", "direction", "lots", "entry_price"}
    )


def _missing(rows: Iterable[PositionRow]) -> list[dict[str, Any]]:
    return [
        {
            "kind": "missing_at_broker",
            "position_id": _position_key(row),
            "symbol": row.symbol,
            "desk_lots": row.lots,
            "message": "open on the desk, not at the broker, and not in its recent history",
        }
        for row in rows
    ]


def reconcile_all(engine: Engine, book: BrokerBook) -> list[ReconciliationRow]:
    return [reconcile(engine, book, name) for name in brokers_to_reconcile(engine, book)]
