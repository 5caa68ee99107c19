"""The desk's record of positions: a close the broker reported, a position found at the broker."""

from sqlmodel import Session, select

from store.models import PositionRow
from store.records import append_decision
from tools.account import OpenPosition
from tools.brokers.base import ClosedTrade
from tools.lifecycle import DecisionAction

SYSTEM_ACTOR = "system"


def record_close(session: Session, trade: ClosedTrade, *, broker: str) -> None:
    row = session.exec(
        select(PositionRow).where(
            PositionRow.broker == broker,
            PositionRow.broker_position_id == trade.position_id,
            PositionRow.closed_at == None,  # noqa: E711 (SQL IS NULL)
        )
    ).first()
    if row is not None:
        row.closed_at, row.exit_price = trade.closed_at, trade.exit_price
        row.pnl, row.r_multiple, row.exit_reason = trade.pnl, trade.r_multiple, trade.exit_reason
    append_decision(
        session,
        action=DecisionAction.POSITION_CLOSED,
        actor=SYSTEM_ACTOR,
        idea_id=row.idea_id if row else None,
        symbol=trade.symbol,
        reason_codes=[f"EXIT_{trade.exit_reason.upper()}"],
        details={
            "broker": broker,
            "position_id": trade.position_id,
            "exit_price": trade.exit_price,
            "pnl": trade.pnl,
            "r_multiple": trade.r_multiple,
            "lots": trade.lots,
        },
    )


def import_position(session: Session, position: OpenPosition, *, broker: str) -> PositionRow:
    """A position the broker holds that the desk never opened (or lost): tracked from now on."""
    row = PositionRow(
        symbol=position.symbol,
        direction=position.direction,
        lots=position.lots,
        entry_price=position.entry_price,
        stop=position.stop_loss,
        take_profit=position.take_profit,
        opened_at=position.opened_at,
        broker=broker,
        broker_position_id=position.position_id,
    )
    session.add(row)
    append_decision(
        session,
        action=DecisionAction.POSITION_IMPORTED,
        actor=SYSTEM_ACTOR,
        symbol=position.symbol,
        reason_codes=["UNKNOWN_BROKER_POSITION"],
        details={"broker": broker, **position.model_dump(mode="json")},
    )
    return row
