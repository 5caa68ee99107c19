"""Swing highs/lows and trend structure (higher highs / lower lows).

`market_structure(bars, pivot=3, keep=5)` finds swings by the pivot rule: a bar's high is a
swing high when it is strictly greater than the highs of the `pivot` bars on each side (lows
likewise, strictly lower). Equal neighbours (a flat double top) do not count. The first and last
`pivot` bars cannot be confirmed: the latest swing is always at least `pivot` bars old, because
a swing is only known once the bars after it have closed.
"""

from datetime import datetime
from enum import StrEnum

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pydantic import BaseModel

from tools.errors import BarDataError


class Trend(StrEnum):
    UP = "up"  # higher highs and higher lows
    DOWN = "down"  # lower highs and lower lows
    RANGE = "range"  # anything else


class SwingPoint(BaseModel):
    time: datetime
    price: float
    kind: str  # "high" | "low"


class MarketStructure(BaseModel):
    trend: Trend
    swing_highs: list[SwingPoint]  # most recent last, at most a handful
    swing_lows: list[SwingPoint]
    higher_highs: bool
    higher_lows: bool
    lower_highs: bool
    lower_lows: bool
    last_swing_high: float | None
    last_swing_low: float | None


def market_structure(bars: pd.DataFrame, pivot: int = 3, keep: int = 5) -> MarketStructure:
    """Confirmed swings (the last `keep` of each kind) and the trend they make.

    Each flag compares the last two swings of its kind, so it is False with fewer than two.
    The trend is UP on higher highs and higher lows, DOWN on lower highs and lower lows, else
    RANGE.
    """
    if pivot < 1 or keep < 1:
        raise ValueError(f"pivot and keep must be at least 1 (got pivot={pivot}, keep={keep})")
    missing = [c for c in ("high", "low") if c not in bars.columns]
    if missing:
        raise BarDataError(f"bars are missing column(s) {', '.join(missing)}")
    highs = _swings(bars, "high", pivot)[-keep:]
    lows = _swings(bars, "low", pivot)[-keep:]
    higher_highs, lower_highs = _rising_falling(highs)
    higher_lows, lower_lows = _rising_falling(lows)
    if higher_highs and higher_lows:
        trend = Trend.UP
    elif lower_highs and lower_lows:
        trend = Trend.DOWN
    else:
        trend = Trend.RANGE
    return MarketStructure(
        trend=trend,
        swing_highs=highs,
        swing_lows=lows,
        higher_highs=higher_highs,
        higher_lows=higher_lows,
        lower_highs=lower_highs,
        lower_lows=lower_lows,
        last_swing_high=highs[-1].price if highs else None,
        last_swing_low=lows[-1].price if lows else None,
    )


def _swings(bars: pd.DataFrame, kind: str, pivot: int) -> list[SwingPoint]:
    """Pivot highs (or lows), oldest first."""
    values = bars[kind].to_numpy("float64")
    if len(values) < 2 * pivot + 1:
        return []
    # Lows are pivot highs of the negated series, so one comparison serves both.
    signed = values if kind == "high" else -values
    windows = sliding_window_view(signed, 2 * pivot + 1)
    centre = windows[:, pivot]
    neighbours = np.maximum(windows[:, :pivot].max(axis=1), windows[:, pivot + 1 :].max(axis=1))
    positions = np.flatnonzero(centre > neighbours) + pivot
    return [
        SwingPoint(time=bars.index[i].to_pydatetime(), price=float(values[i]), kind=kind)
        for i in positions
    ]


def _rising_falling(swings: list[SwingPoint]) -> tuple[bool, bool]:
    """(last swing above the one before, last swing below it); both False with fewer than two."""
    if len(swings) < 2:
        return False, False
    last, previous = swings[-1].price, swings[-2].price
    return last > previous, last < previous
