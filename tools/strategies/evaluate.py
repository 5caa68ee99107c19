"""Evaluate a strategy against a snapshot: each entry condition's pass/fail with the values seen.

How the direction is decided (the gate relies on this):
1. The chart's trend: `snapshot.structure.trend` up/down; when the structure is a range, the
   moving averages decide (price > ema_20 > ema_50 is up, the mirror is down); else no trend.
2. Voters (every condition but the followers) are checked first; each passing one votes for a
   side, except trend_alignment `range` and plain rsi, which vote for none. `direction` is the
   one side every passing vote agrees on; None when there is no vote or the votes disagree.
3. Followers (rsi with `mirror`, near_swing_level) are then checked for that direction and fail
   when there is none.
`matched` = every condition passed, symbol allowed, a session window open at `as_of` and a
direction. It ignores `active`: the gate checks that. Nothing here raises on missing data.
"""

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from tools.account import Direction
from tools.snapshot import Snapshot
from tools.strategies.conditions import BUY, SELL, SideRead, Values, check, read_trend
from tools.strategies.schema import (
    WEEKDAYS,
    Condition,
    SessionWindow,
    StrategyDefinition,
    follows_direction,
)


class ConditionResult(BaseModel):
    index: int
    type: str
    passed: bool
    direction: Direction | None = Field(description="Side it voted for (or was checked for)")
    values: Values
    detail: str


class StrategyEvaluation(BaseModel):
    strategy: str
    active: bool = Field(description="Not part of `matched`: the gate must check it")
    symbol: str
    as_of: datetime
    conditions: list[ConditionResult]
    symbol_allowed: bool
    session_open: bool
    session_detail: str
    trend: Direction | None
    trend_detail: str
    direction: Direction | None
    direction_detail: str
    passed: int
    total: int
    match_ratio: float = Field(description="passed / total conditions, 0-1")
    matched: bool
    reasons: list[str] = Field(description="Why it did not match; empty when it matched")


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def _result(
    index: int, c: Condition, s: Snapshot, trend: SideRead, agreed: Direction | None
) -> ConditionResult:
    return ConditionResult(index=index, type=c.type, **check(c, s, trend, agreed)._asdict())


def _agreed(results: list[ConditionResult]) -> SideRead:
    """The one side every passing vote agrees on."""
    votes = {
        side: [r.index for r in results if r.passed and r.direction is side] for side in (BUY, SELL)
    }
    sides = [side for side, indexes in votes.items() if indexes]
    if len(sides) == 1:
        return SideRead(sides[0], f"passing conditions {votes[sides[0]]} agree on {sides[0]}")
    if not sides:
        return SideRead(None, "no passing condition decides buy or sell")
    return SideRead(None, f"passing conditions disagree: buy {votes[BUY]} vs sell {votes[SELL]}")


def _window_text(w: SessionWindow) -> str:
    return f"{w.start}-{w.end} {','.join(w.days)}"


def window_open(window: SessionWindow, at: datetime) -> bool:
    """Whether `at` (UTC; naive is taken as UTC) falls in the window."""
    at = _utc(at)
    minute = at.hour * 60 + at.minute
    today, yesterday = WEEKDAYS[at.weekday()], WEEKDAYS[(at.weekday() - 1) % 7]
    start, end = window.start_minute, window.end_minute
    if start < end:
        return today in window.days and start <= minute < end
    return (today in window.days and minute >= start) or (yesterday in window.days and minute < end)


def _session(strategy: StrategyDefinition, at: datetime) -> tuple[bool, str]:
    if not strategy.session_windows:
        return True, "no session windows: any time"
    at = _utc(at)
    stamp = f"{WEEKDAYS[at.weekday()]} {at:%H:%M} UTC"
    for w in strategy.session_windows:
        if window_open(w, at):
            return True, f"{stamp} is inside {_window_text(w)}"
    windows = "; ".join(_window_text(w) for w in strategy.session_windows)
    return False, f"{stamp} is outside every window ({windows})"


def evaluate_strategy(strategy: StrategyDefinition, snapshot: Snapshot) -> StrategyEvaluation:
    trend = read_trend(snapshot.structure.trend, snapshot.last_price, snapshot.indicators)
    indexed = list(enumerate(strategy.entry_conditions))
    voters = [_result(i, c, snapshot, trend, None) for i, c in indexed if not follows_direction(c)]
    direction = _agreed(voters)
    followers = [
        _result(i, c, snapshot, trend, direction.side) for i, c in indexed if follows_direction(c)
    ]
    results = sorted(voters + followers, key=lambda r: r.index)
    passed = sum(r.passed for r in results)
    symbol_allowed = snapshot.symbol.upper() in strategy.allowed_symbols
    session_open, session_detail = _session(strategy, snapshot.as_of)

    reasons = [
        f"condition {r.index} ({r.type}) failed: {r.detail}" for r in results if not r.passed
    ]
    if not symbol_allowed:
        reasons.insert(0, f"{snapshot.symbol} is not in {', '.join(strategy.allowed_symbols)}")
    if not session_open:
        reasons.append(f"session closed: {session_detail}")
    if direction.side is None:
        reasons.append(f"no direction: {direction.detail}")

    return StrategyEvaluation(
        strategy=strategy.name,
        active=strategy.active,
        symbol=snapshot.symbol,
        as_of=snapshot.as_of,
        conditions=results,
        symbol_allowed=symbol_allowed,
        session_open=session_open,
        session_detail=session_detail,
        trend=trend.side,
        trend_detail=trend.detail,
        direction=direction.side,
        direction_detail=direction.detail,
        passed=passed,
        total=len(results),
        match_ratio=round(passed / len(results), 4),
        matched=passed == len(results)
        and symbol_allowed
        and session_open
        and direction.side is not None,
        reasons=reasons,
    )
