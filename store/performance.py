"""Reads of the desk's trading results: orders, closed positions and the performance figures
built from them (P/L over time, win rate, average R, counts by outcome and by reason code).

Periods are `since` inclusive and `until` exclusive, like `store.queries.list_decisions`.
"""

from collections import Counter
from datetime import date, datetime
from statistics import fmean
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from store.models import OrderRow, PositionRow, TradeIdeaRow
from tools.lifecycle import IdeaStatus, OrderStatus


class DailyPnl(BaseModel):
    day: date = Field(description="UTC day the positions closed on")
    trades: int
    pnl: float
    cumulative_pnl: float


class TradeStats(BaseModel):
    closed: int
    wins: int
    losses: int
    breakeven: int
    win_rate: float | None = Field(description="wins / closed, 0-1; None before the first close")
    net_pnl: float
    gross_profit: float
    gross_loss: float = Field(description="Sum of losing trades, a negative number or 0")
    profit_factor: float | None = Field(description="gross profit / |gross loss|")
    average_win: float | None
    average_loss: float | None
    average_r: float | None = Field(description="Mean R multiple of trades with a stop")
    best_trade: float | None
    worst_trade: float | None


class Performance(BaseModel):
    since: datetime | None
    until: datetime | None
    trades: TradeStats
    pnl_by_day: list[DailyPnl]
    by_exit_reason: dict[str, int] = Field(description="Closed positions by how they closed")
    ideas_by_status: dict[IdeaStatus, int] = Field(description="Every status, zero included")
    reason_codes: dict[str, int] = Field(
        description="How often each reason code (failed check) appears on ideas, most first"
    )


def _in_period(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    return [
        *([column >= since] if since is not None else []),
        *([column < until] if until is not None else []),
    ]


def list_orders(
    session: Session,
    *,
    status: OrderStatus | None = None,
    symbol: str | None = None,
    idea_id: int | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[OrderRow]:
    """Orders newest first (ids grow with time); the next page is `before_id=<last id shown>`."""
    query = select(OrderRow)
    if status is not None:
        query = query.where(OrderRow.status == status)
    if symbol is not None:
        query = query.where(OrderRow.symbol == symbol)
    if idea_id is not None:
        query = query.where(OrderRow.idea_id == idea_id)
    if before_id is not None:
        query = query.where(col(OrderRow.id) < before_id)
    return list(session.exec(query.order_by(col(OrderRow.id).desc()).limit(limit)))


def closed_positions(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[PositionRow]:
    """Positions closed in the period, in the order they closed."""
    query = select(PositionRow).where(
        col(PositionRow.closed_at).is_not(None), *_in_period(PositionRow.closed_at, since, until)
    )
    return list(session.exec(query.order_by(col(PositionRow.closed_at), col(PositionRow.id))))


def _mean(values: list[float]) -> float | None:
    return round(fmean(values), 4) if values else None


def trade_stats(positions: list[PositionRow]) -> TradeStats:
    pnls = [p.pnl or 0.0 for p in positions]
    wins = [x for x in pnls if x > 0]
    losses = [x for x in pnls if x < 0]
    gross_loss = sum(losses)
    return TradeStats(
        closed=len(pnls),
        wins=len(wins),
        losses=len(losses),
        breakeven=len(pnls) - len(wins) - len(losses),
        win_rate=round(len(wins) / len(pnls), 4) if pnls else None,
        net_pnl=round(sum(pnls), 2),
        gross_profit=round(sum(wins), 2),
        gross_loss=round(gross_loss, 2),
        profit_factor=round(sum(wins) / -gross_loss, 4) if gross_loss else None,
        average_win=_mean(wins),
        average_loss=_mean(losses),
        average_r=_mean([p.r_multiple for p in positions if p.r_multiple is not None]),
        best_trade=max(pnls, default=None),
        worst_trade=min(pnls, default=None),
    )


def pnl_by_day(positions: list[PositionRow]) -> list[DailyPnl]:
    """One point per UTC day with closes, and the running total (the equity curve's shape)."""
    days: dict[date, list[float]] = {}
    for position in positions:
        assert position.closed_at is not None
        days.setdefault(position.closed_at.date(), []).append(position.pnl or 0.0)
    cumulative, points = 0.0, []
    for day in sorted(days):
        cumulative += sum(days[day])
        points.append(
            DailyPnl(
                day=day,
                trades=len(days[day]),
                pnl=round(sum(days[day]), 2),
                cumulative_pnl=round(cumulative, 2),
            )
        )
    return points


def ideas_by_status(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> dict[IdeaStatus, int]:
    """Ideas created in the period by status, every status present (zero included)."""
    query = (
        select(TradeIdeaRow.status, func.count())
        .where(*_in_period(TradeIdeaRow.created_at, since, until))
        .group_by(col(TradeIdeaRow.status))
    )
    counts = dict.fromkeys(IdeaStatus, 0)
    counts.update({status: count for status, count in session.exec(query)})
    return counts


def reason_code_counts(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """How many ideas created in the period carry each reason code, most frequent first."""
    query = select(TradeIdeaRow.reason_codes).where(
        *_in_period(TradeIdeaRow.created_at, since, until)
    )
    counts = Counter(code for codes in session.exec(query) for code in set(codes or []))
    return dict(counts.most_common())


def performance(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> Performance:
    positions = closed_positions(session, since=since, until=until)
    exits = Counter(str(p.exit_reason) if p.exit_reason else "unknown" for p in positions)
    return Performance(
        since=since,
        until=until,
        trades=trade_stats(positions),
        pnl_by_day=pnl_by_day(positions),
        by_exit_reason=dict(exits.most_common()),
        ideas_by_status=ideas_by_status(session, since=since, until=until),
        reason_codes=reason_code_counts(session, since=since, until=until),
    )
