"""Reads for the pages, the REST API and the CLI: newest first unless a list tells a story."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from store.models import DecisionRow, OrderRow, TradeIdeaRow
from tools.lifecycle import DecisionAction, IdeaStatus


def list_ideas(
    session: Session, statuses: Iterable[IdeaStatus] | None = None, limit: int = 50
) -> list[TradeIdeaRow]:
    query = select(TradeIdeaRow)
    if statuses is not None:
        query = query.where(col(TradeIdeaRow.status).in_(list(statuses)))
    query = query.order_by(col(TradeIdeaRow.created_at).desc(), col(TradeIdeaRow.id).desc())
    return list(session.exec(query.limit(limit)))


def get_idea(session: Session, idea_id: int) -> TradeIdeaRow | None:
    return session.get(TradeIdeaRow, idea_id)


def count_ideas_by_status(session: Session) -> dict[IdeaStatus, int]:
    """Every status, zero included, so a dashboard can show them all."""
    query = select(TradeIdeaRow.status, func.count()).group_by(col(TradeIdeaRow.status))
    counts = dict.fromkeys(IdeaStatus, 0)
    counts.update({status: count for status, count in session.exec(query)})
    return counts


def list_decisions(
    session: Session,
    *,
    symbol: str | None = None,
    action: DecisionAction | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[DecisionRow]:
    """Decisions newest first, `since` inclusive and `until` exclusive.

    The next page starts after the last row shown: pass its id as `before_id` (keyset
    pagination on (created_at, id), stable while new rows arrive).
    """
    query = select(DecisionRow)
    if symbol is not None:
        query = query.where(DecisionRow.symbol == symbol)
    if action is not None:
        query = query.where(DecisionRow.action == action)
    if since is not None:
        query = query.where(DecisionRow.created_at >= since)
    if until is not None:
        query = query.where(DecisionRow.created_at < until)
    if before_id is not None:
        cursor = session.get(DecisionRow, before_id)
        if cursor is None:
            return []
        query = query.where(
            or_(
                DecisionRow.created_at < cursor.created_at,
                and_(DecisionRow.created_at == cursor.created_at, col(DecisionRow.id) < cursor.id),
            )
        )
    query = query.order_by(col(DecisionRow.created_at).desc(), col(DecisionRow.id).desc())
    return list(session.exec(query.limit(limit)))


def decisions_for_idea(session: Session, idea_id: int) -> list[DecisionRow]:
    """The idea's story, oldest first."""
    query = select(DecisionRow).where(DecisionRow.idea_id == idea_id)
    return list(session.exec(query.order_by(col(DecisionRow.id))))


def orders_for_idea(session: Session, idea_id: int) -> list[OrderRow]:
    """Entry first, then any close orders, in the order they were written."""
    query = select(OrderRow).where(OrderRow.idea_id == idea_id)
    return list(session.exec(query.order_by(col(OrderRow.id))))
