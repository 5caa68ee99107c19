"""Confidence 0-100 for a trade idea, in three parts with the numbers behind each.

- Strategy match 0-50: 50 x match_ratio when the strategy matches for the proposed direction;
  half that (partial credit, never enough to look matched) when only conditions failed; 0 when
  the symbol is not allowed, the session is closed or the strategy allows another direction.
- Market risk 0-25: 0 when a high-impact event for the instrument's news currencies lies within
  +/- news_window_minutes of as_of. Otherwise 25, less 4 per medium-impact event in the window
  (at most 8), less 10 when the calendar feed failed (events unknown), less up to 12 when
  volatility is chaotic: ATR(14) over the median true range of the snapshot's bars, from
  nothing at 1.5x to the full 12 at 3x (4 when it cannot be measured).
- Account comfort 0-25: margin level (7: full with no margin used or >= 500%, none at 100%),
  same-symbol same-direction positions (6, less 3 each), open positions against
  max_concurrent_trades (6, falls linearly to 0 at the limit) and the day's drawdown against
  max_daily_drawdown (6, same).
Every part is rounded to 0.1, so the same snapshot always gives the same number.
"""

from datetime import UTC, datetime
from itertools import pairwise
from statistics import median

from pydantic import BaseModel, Field

from tools.account import Direction
from tools.calendar import Impact, events_near
from tools.snapshot import Bar, Snapshot
from tools.strategies.evaluate import StrategyEvaluation

MEDIUM_EVENT_PENALTY, MEDIUM_EVENT_MAX = 4.0, 8.0
CALENDAR_DOWN_PENALTY = 10.0
CALM_ATR_RATIO, CHAOTIC_ATR_RATIO, VOLATILITY_MAX = 1.5, 3.0, 12.0
UNKNOWN_VOLATILITY_PENALTY = 4.0
MARGIN_POINTS, MARGIN_FLOOR_PCT, MARGIN_HEALTHY_PCT = 7.0, 100.0, 500.0
EXPOSURE_POINTS, PER_SAME_POSITION = 6.0, 3.0
SLOTS_POINTS, DRAWDOWN_POINTS = 6.0, 6.0


class ConfidenceScore(BaseModel):
    total: float = Field(ge=0, le=100)
    strategy_match: float = Field(ge=0, le=50)
    market_risk: float = Field(ge=0, le=25)
    account_comfort: float = Field(ge=0, le=25)
    reasons: list[str] = Field(description="One line per factor, prefixed by its part")


def _clamp01(x: float) -> float:
    return min(1.0, max(0.0, x))


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def _strategy_part(ev: StrategyEvaluation, side: Direction) -> tuple[float, list[str]]:
    counts = f"{ev.passed}/{ev.total} conditions pass"
    if not ev.symbol_allowed:
        return 0.0, [f"strategy: 0/50, {ev.strategy} does not trade {ev.symbol}"]
    if not ev.session_open:
        return 0.0, [f"strategy: 0/50, outside its session windows ({ev.session_detail})"]
    if ev.direction != side:
        allowed = ev.direction or "no direction"
        return 0.0, [f"strategy: 0/50, {ev.strategy} allows {allowed}, not {side} ({counts})"]
    if ev.matched:
        score = round(50 * ev.match_ratio, 1)
        return score, [f"strategy: {score:g}/50, {ev.strategy} matches for {side} ({counts})"]
    score = round(25 * ev.match_ratio, 1)
    return score, [f"strategy: {score:g}/50, half credit as it does not match ({counts})"]


def _median_true_range(bars: list[Bar]) -> float | None:
    ranges = [max(bar.high, prev.close) - min(bar.low, prev.close) for prev, bar in pairwise(bars)]
    return median(ranges) if len(ranges) >= 14 else None


def _volatility_penalty(snapshot: Snapshot) -> tuple[float, str]:
    atr, typical = snapshot.indicators.atr_14, _median_true_range(snapshot.bars)
    if atr is None or not typical:
        return UNKNOWN_VOLATILITY_PENALTY, (
            f"market: -{UNKNOWN_VOLATILITY_PENALTY:g}, volatility unknown "
            f"(atr_14 {atr}, {len(snapshot.bars)} bars)"
        )
    ratio = atr / typical
    share = _clamp01((ratio - CALM_ATR_RATIO) / (CHAOTIC_ATR_RATIO - CALM_ATR_RATIO))
    penalty = round(VOLATILITY_MAX * share, 1)
    return penalty, (
        f"market: -{penalty:g}, atr_14 {atr:.6g} is {ratio:.2f}x the median true range "
        f"{typical:.6g} (calm below {CALM_ATR_RATIO:g}x, chaotic at {CHAOTIC_ATR_RATIO:g}x)"
    )


def _market_part(snapshot: Snapshot, window_minutes: int) -> tuple[float, list[str]]:
    currencies = snapshot.instrument.news_currencies
    as_of = _utc(snapshot.as_of)
    near = events_near(snapshot.calendar, currencies, as_of, window_minutes, Impact.MEDIUM)
    for event in (e for e in near if e.impact is Impact.HIGH):
        minutes = round((event.time - as_of).total_seconds() / 60)
        return 0.0, [
            f"market: 0/25, high-impact {event.currency} '{event.title}' at {minutes:+d} min "
            f"(window +/-{window_minutes} min)"
        ]
    reasons: list[str] = []
    penalty = 0.0
    medium = [e for e in near if e.impact is Impact.MEDIUM]
    if medium:
        cut = min(MEDIUM_EVENT_MAX, MEDIUM_EVENT_PENALTY * len(medium))
        penalty += cut
        titles = ", ".join(f"{e.currency} '{e.title}'" for e in medium)
        reasons.append(f"market: -{cut:g}, medium-impact within +/-{window_minutes} min: {titles}")
    if not snapshot.calendar.ok:
        penalty += CALENDAR_DOWN_PENALTY
        reasons.append(
            f"market: -{CALENDAR_DOWN_PENALTY:g}, calendar unavailable ({snapshot.calendar.error})"
        )
    cut, line = _volatility_penalty(snapshot)
    penalty += cut
    reasons.append(line)
    score = round(max(0.0, 25 - penalty), 1)
    if not medium:
        reasons.insert(
            0,
            f"market: no high- or medium-impact {'/'.join(currencies)} event within "
            f"+/-{window_minutes} min",
        )
    return score, [f"market: {score:g}/25", *reasons]


def _account_part(snapshot: Snapshot, side: Direction) -> tuple[float, list[str]]:
    account, risk = snapshot.account, snapshot.risk_config
    level = account.margin_level_pct
    margin_share = (
        1.0
        if level is None
        else _clamp01((level - MARGIN_FLOOR_PCT) / (MARGIN_HEALTHY_PCT - MARGIN_FLOOR_PCT))
    )
    same = sum(
        p.symbol.upper() == snapshot.symbol.upper() and p.direction == side
        for p in account.positions
    )
    open_count = len(account.positions)
    if account.start_of_day_equity is not None:
        drawdown = max(0.0, account.start_of_day_equity - account.equity)
    else:
        drawdown = max(0.0, -account.daily_pnl)
    items = [
        (
            MARGIN_POINTS * margin_share,
            "no margin in use" if level is None else f"margin level {level:.0f}%",
            MARGIN_POINTS,
        ),
        (
            max(0.0, EXPOSURE_POINTS - PER_SAME_POSITION * same),
            f"{same} open {side} position(s) in {snapshot.symbol}",
            EXPOSURE_POINTS,
        ),
        (
            SLOTS_POINTS * _clamp01(1 - open_count / risk.max_concurrent_trades),
            f"{open_count}/{risk.max_concurrent_trades} concurrent trades open",
            SLOTS_POINTS,
        ),
        (
            DRAWDOWN_POINTS * _clamp01(1 - drawdown / risk.max_daily_drawdown),
            f"daily drawdown {drawdown:.2f} of {risk.max_daily_drawdown:.2f}",
            DRAWDOWN_POINTS,
        ),
    ]
    parts = [(round(points, 1), text, most) for points, text, most in items]
    score = round(sum(points for points, _, _ in parts), 1)
    lines = [f"account: {points:g}/{most:g}, {text}" for points, text, most in parts]
    return score, [f"account: {score:g}/25", *lines]


def confidence_score(
    evaluation: StrategyEvaluation,
    snapshot: Snapshot,
    direction: Direction | str,
    *,
    news_window_minutes: int,
) -> ConfidenceScore:
    side = Direction(direction)
    strategy, strategy_lines = _strategy_part(evaluation, side)
    market, market_lines = _market_part(snapshot, news_window_minutes)
    account, account_lines = _account_part(snapshot, side)
    return ConfidenceScore(
        total=round(strategy + market + account, 1),
        strategy_match=strategy,
        market_risk=market,
        account_comfort=account,
        reasons=[*strategy_lines, *market_lines, *account_lines],
    )
