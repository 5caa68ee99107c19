"""One check per entry-condition type: pass/fail, the side it stands for, the values seen.

Voters read the chart trend (`read_trend`); followers (mirrored rsi, near_swing_level) are given
the direction the voters agreed on. A missing indicator value fails with a detail, never raises.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from tools.account import Direction
from tools.indicators import IndicatorSet
from tools.snapshot import Snapshot
from tools.strategies.schema import (
    BollingerCondition,
    Condition,
    MacdCondition,
    NearSwingLevel,
    PriceVsMa,
    RsiCondition,
    SupertrendCondition,
    TrendAlignment,
)
from tools.structure import Trend

BUY, SELL = Direction.BUY, Direction.SELL
Values = dict[str, float | int | str | None]


def _n(x: float) -> str:
    return f"{x:.6g}"


class SideRead(NamedTuple):
    """A side (None: no side) and why, in words a trader reads."""

    side: Direction | None
    detail: str


class Outcome(NamedTuple):
    passed: bool
    direction: Direction | None
    values: Values
    detail: str


def _missing(values: Values, *names: str) -> Outcome:
    absent = [n for n in names if values.get(n) is None]
    return Outcome(False, None, values, f"{', '.join(absent)} not available in the snapshot")


def _no_trend(values: Values, trend: SideRead) -> Outcome:
    return Outcome(False, None, values, f"with_trend but the chart has no trend ({trend.detail})")


def read_trend(trend: Trend | None, price: float | None, ind: IndicatorSet | None) -> SideRead:
    """Trend as a side: market structure first, moving-average alignment when it is a range."""
    if trend is Trend.UP:
        return SideRead(BUY, "up: higher highs and higher lows")
    if trend is Trend.DOWN:
        return SideRead(SELL, "down: lower highs and lower lows")
    if price is None or ind is None or ind.ema_20 is None or ind.ema_50 is None:
        return SideRead(None, "none: structure is a range and ema_20/ema_50 are not available")
    mas = f"price {_n(price)}, ema_20 {_n(ind.ema_20)}, ema_50 {_n(ind.ema_50)}"
    if price > ind.ema_20 > ind.ema_50:
        return SideRead(BUY, f"up: structure is a range but MAs are aligned up ({mas})")
    if price < ind.ema_20 < ind.ema_50:
        return SideRead(SELL, f"down: structure is a range but MAs are aligned down ({mas})")
    return SideRead(None, f"none: structure is a range and MAs are not aligned ({mas})")


def _wanted(choice: str, fixed: dict[str, Direction], trend: SideRead) -> Direction | None:
    return trend.side if choice == "with_trend" else fixed[choice]


def _band(side: Direction) -> str:
    return "lower" if side is BUY else "upper"


# --- voters: (condition, snapshot, chart trend) -> outcome ------------------------------------


def _trend_alignment(c: TrendAlignment, s: Snapshot, trend: SideRead) -> Outcome:
    read, label = trend, "trend"
    if c.timeframe is not None:
        view = next((v for v in s.higher_timeframes if v.timeframe.upper() == c.timeframe), None)
        values: Values = {"timeframe": c.timeframe, "trend": None}
        if view is None:
            return Outcome(False, None, values, f"no {c.timeframe} view in the snapshot")
        read, label = (
            read_trend(view.trend, view.last_close, view.indicators),
            f"{c.timeframe} trend",
        )
    shown = {BUY: "up", SELL: "down", None: "none"}[read.side]
    values = {"timeframe": c.timeframe or s.timeframe, "trend": shown}
    seen = f"{label} {read.detail}"
    if c.direction == "range":
        return Outcome(read.side is None, None, values, f"{seen}; needs no trend")
    want = _wanted(c.direction, {"bullish": BUY, "bearish": SELL}, read)
    passed = read.side is not None and read.side == want
    return Outcome(passed, want, values, f"{seen}; needs {c.direction}")


def _price_vs_ma(c: PriceVsMa, s: Snapshot, trend: SideRead) -> Outcome:
    ma = getattr(s.indicators, c.ma)
    values: Values = {"last_price": s.last_price, c.ma: ma, "relation": c.relation}
    if ma is None:
        return _missing(values, c.ma)
    want = _wanted(c.relation, {"above": BUY, "below": SELL}, trend)
    if want is None:
        return _no_trend(values, trend)
    passed = s.last_price > ma if want is BUY else s.last_price < ma
    needs = "above" if want is BUY else "below"
    return Outcome(
        passed, want, values, f"price {_n(s.last_price)}, {c.ma} {_n(ma)}; needs {needs}"
    )


def _macd(c: MacdCondition, s: Snapshot, trend: SideRead) -> Outcome:
    hist, prev = s.indicators.macd_hist, s.indicators.macd_hist_prev
    values: Values = {"macd_hist": hist, "macd_hist_prev": prev, "signal": c.signal}
    signal = c.signal
    if signal == "with_trend":
        if trend.side is None:
            return _no_trend(values, trend)
        signal = "positive" if trend.side is BUY else "negative"
    needed = ("macd_hist", "macd_hist_prev") if signal.startswith("cross") else ("macd_hist",)
    if hist is None or (prev is None and len(needed) == 2):
        return _missing(values, *needed)
    up = prev is not None and prev <= 0 < hist
    down = prev is not None and prev >= 0 > hist
    passed, side = {
        "positive": (hist > 0, BUY),
        "negative": (hist < 0, SELL),
        "cross_up": (up, BUY),
        "cross_down": (down, SELL),
        "cross": (up or down, BUY if up else SELL if down else None),
    }[signal]
    seen = f"histogram {_n(hist)}" + ("" if prev is None else f" (previous bar {_n(prev)})")
    return Outcome(passed, side, values, f"{seen}; needs {signal.replace('_', ' ')}")


def _supertrend(c: SupertrendCondition, s: Snapshot, trend: SideRead) -> Outcome:
    seen = s.indicators.supertrend_direction
    values: Values = {"supertrend_direction": seen, "supertrend": s.indicators.supertrend}
    if seen is None:
        return _missing(values, "supertrend_direction")
    want = _wanted(c.direction, {"up": BUY, "down": SELL}, trend)
    if want is None:
        return _no_trend(values, trend)
    actual, needs = ("up" if seen > 0 else "down"), ("up" if want is BUY else "down")
    return Outcome(actual == needs, want, values, f"supertrend {actual}; needs {needs}")


def _bollinger(c: BollingerCondition, s: Snapshot, trend: SideRead) -> Outcome:
    lower, upper = s.indicators.bb_lower, s.indicators.bb_upper
    low = min(s.last_price, s.bars[-1].low) if s.bars else s.last_price
    high = max(s.last_price, s.bars[-1].high) if s.bars else s.last_price
    values: Values = {"bar_low": low, "bb_lower": lower, "bar_high": high, "bb_upper": upper}
    if lower is None or upper is None:
        return _missing(values, "bb_lower", "bb_upper")
    touched = {BUY: low <= lower, SELL: high >= upper}
    seen = f"last bar {_n(low)}-{_n(high)}, bands {_n(lower)}-{_n(upper)}"
    if c.touch == "either":
        sides = [side for side, hit in touched.items() if hit]
        if len(sides) != 1:
            return Outcome(False, None, values, f"{seen}; needs one band touched, saw {len(sides)}")
        return Outcome(True, sides[0], values, f"{seen}; touched the {_band(sides[0])} band")
    want = _wanted(c.touch, {"lower": BUY, "upper": SELL}, trend)
    if want is None:
        return _no_trend(values, trend)
    return Outcome(touched[want], want, values, f"{seen}; needs a {_band(want)} band touch")


# --- followers: (condition, snapshot, agreed direction) -> outcome ----------------------------


def _rsi_bounds(c: RsiCondition, side: Direction | None) -> tuple[float | None, float | None]:
    """(below, above) for `side`; mirrored bounds are written for buys and flip around 50."""
    if not (c.mirror and side is SELL):
        return c.below, c.above
    return (None if c.above is None else 100 - c.above), (
        None if c.below is None else 100 - c.below
    )


def _rsi(c: RsiCondition, s: Snapshot, side: Direction | None) -> Outcome:
    rsi = s.indicators.rsi_14
    below, above = _rsi_bounds(c, side)
    values: Values = {"rsi_14": rsi, "below": below, "above": above}
    if c.mirror and side is None:
        return Outcome(False, None, values, "mirror: no agreed direction to set the bounds for")
    if rsi is None:
        return _missing(values, "rsi_14")
    passed = (below is None or rsi < below) and (above is None or rsi > above)
    bounds = [
        f"{word} {_n(v)}" for word, v in (("above", above), ("below", below)) if v is not None
    ]
    detail = f"rsi_14 {_n(rsi)}; needs {' and '.join(bounds)}"
    return Outcome(passed, side if c.mirror else None, values, detail)


def _near_swing(c: NearSwingLevel, s: Snapshot, side: Direction | None) -> Outcome:
    atr = s.indicators.atr_14
    if side is None:
        return Outcome(False, None, {"atr_14": atr}, "no agreed direction to pick a swing for")
    name = "last_swing_low" if side is BUY else "last_swing_high"
    level = getattr(s.structure, name)
    values: Values = {"last_price": s.last_price, name: level, "atr_14": atr, "max_atr": c.max_atr}
    if level is None or atr is None:
        return _missing(values, name, "atr_14")
    if atr <= 0:
        return Outcome(False, side, values, f"atr_14 is {_n(atr)}: no distance to measure in")
    distance = abs(s.last_price - level) / atr
    values["distance_atr"] = round(distance, 2)
    detail = f"price {_n(s.last_price)} is {distance:.2f} ATR from {name} {_n(level)}"
    return Outcome(distance <= c.max_atr, side, values, f"{detail}; needs <= {c.max_atr:g}")


_VOTERS: dict[str, Callable[[Any, Snapshot, SideRead], Outcome]] = {
    "trend_alignment": _trend_alignment,
    "price_vs_ma": _price_vs_ma,
    "macd": _macd,
    "supertrend": _supertrend,
    "bollinger": _bollinger,
}


def check(condition: Condition, s: Snapshot, trend: SideRead, agreed: Direction | None) -> Outcome:
    """Check one condition: voters against the chart trend, followers against `agreed`."""
    if isinstance(condition, NearSwingLevel):
        return _near_swing(condition, s, agreed)
    if isinstance(condition, RsiCondition):
        return _rsi(condition, s, agreed)
    return _VOTERS[condition.type](condition, s, trend)
