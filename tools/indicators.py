"""Indicators computed with pandas-ta on a snapshot's bars only.

`indicator_series(bars)` gives every indicator as a full column (for charts);
`compute_indicators(bars)` is its last row as an `IndicatorSet` (for the desk).

Every pandas-ta call passes `talib=False`: pandas-ta silently switches to TA-Lib when it is
importable, and TA-Lib is a test-only dependency here, so without it the numbers would depend on
what happens to be installed (and a replay on another machine could differ).
"""

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from pydantic import BaseModel

from tools.errors import BarDataError, ToolError

with warnings.catch_warnings():
    # pandas-ta 0.4.71b0 trips pandas 3 deprecation warnings at import; nothing we can fix.
    warnings.simplefilter("ignore")
    import pandas_ta as ta

REQUIRED_COLUMNS = ("high", "low", "close")
SUPERTREND_LENGTH = 10
SUPERTREND_MULTIPLIER = 3.0


class IndicatorError(ToolError, RuntimeError):
    """pandas-ta failed on the bars given; the message names the indicator."""


class IndicatorSet(BaseModel):
    """Latest indicator values. Keys are the stable names used in `snapshot --json`.

    A value is None when there are too few bars for it (e.g. sma_200 on 150 bars).
    supertrend_direction is 1 (up) or -1 (down).
    """

    rsi_14: float | None
    sma_20: float | None
    sma_50: float | None
    sma_200: float | None
    ema_20: float | None
    ema_50: float | None
    macd: float | None
    macd_signal: float | None
    macd_hist: float | None
    macd_hist_prev: float | None  # previous bar's histogram, for "MACD cross" conditions
    atr_14: float | None
    bb_upper: float | None
    bb_middle: float | None
    bb_lower: float | None
    supertrend: float | None
    supertrend_direction: int | None


def indicator_series(bars: pd.DataFrame) -> pd.DataFrame:
    """Every indicator as a float column indexed like `bars`; NaN where not yet defined.

    Columns are named like the `IndicatorSet` fields. Only the bars given are used.
    """
    _check_bars(bars)
    high, low, close = (bars[c].astype("float64") for c in REQUIRED_COLUMNS)
    n = len(bars)
    atr_st = _named(_atr(high, low, close, SUPERTREND_LENGTH), n, ("atr",))["atr"]
    line, direction = _supertrend(high, low, close, atr_st)
    macd = _call("macd", n, ta.macd, close, fast=12, slow=26, signal=9, talib=False)
    # 20 bars, 2 standard deviations each side; ddof=0 because Bollinger (and TA-Lib) use the
    # population standard deviation.
    bands = _call("bbands", n, ta.bbands, close, 20, 2.0, 2.0, ddof=0, talib=False)
    # Names map pandas-ta's columns by position: MACD is (line, hist, signal) and BBANDS is
    # (lower, mid, upper, bandwidth, percent).
    parts = [
        (_call("rsi", n, ta.rsi, close, length=14, mamode="rma", talib=False), ("rsi_14",)),
        (_call("sma", n, ta.sma, close, length=20, talib=False), ("sma_20",)),
        (_call("sma", n, ta.sma, close, length=50, talib=False), ("sma_50",)),
        (_call("sma", n, ta.sma, close, length=200, talib=False), ("sma_200",)),
        (_call("ema", n, ta.ema, close, length=20, talib=False), ("ema_20",)),
        (_call("ema", n, ta.ema, close, length=50, talib=False), ("ema_50",)),
        (macd, ("macd", "macd_hist", "macd_signal")),
        (_atr(high, low, close, 14), ("atr_14",)),
        (bands, ("bb_lower", "bb_middle", "bb_upper")),
    ]
    columns: dict[str, np.ndarray] = {}
    for value, names in parts:
        columns.update(_named(value, n, names))
    columns["macd_hist_prev"] = np.full(n, np.nan)
    columns["macd_hist_prev"][1:] = columns["macd_hist"][:-1]
    columns["supertrend"] = line
    columns["supertrend_direction"] = direction
    return pd.DataFrame(
        {name: columns[name] for name in IndicatorSet.model_fields}, index=bars.index
    )


def compute_indicators(bars: pd.DataFrame) -> IndicatorSet:
    """Latest value of every indicator, None where there are too few bars (or it is NaN)."""
    series = indicator_series(bars)
    if series.empty:
        return IndicatorSet(**dict.fromkeys(IndicatorSet.model_fields))
    last = series.iloc[-1]
    values = {name: _as_float(last[name]) for name in IndicatorSet.model_fields}
    direction = values["supertrend_direction"]
    values["supertrend_direction"] = None if direction is None else int(direction)
    return IndicatorSet(**values)


def _check_bars(bars: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in bars.columns]
    if missing:
        raise BarDataError(f"bars are missing column(s) {', '.join(missing)}")
    if not bars.index.is_monotonic_increasing:
        raise BarDataError("bars must be sorted by time, oldest first")


def _call[**P, R](label: str, n: int, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a pandas-ta function, re-raising its (often cryptic) errors with context."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        raise IndicatorError(f"pandas-ta {label} failed on {n} bars: {exc}") from exc


def _named(
    value: pd.Series | pd.DataFrame | None, n: int, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """A pandas-ta result as named float arrays; pandas-ta returns None when bars are too few."""
    if value is None:
        return {name: np.full(n, np.nan) for name in names}
    frame = value.to_frame() if isinstance(value, pd.Series) else value
    return {name: frame.iloc[:, i].to_numpy("float64") for i, name in enumerate(names)}


def _atr(high: pd.Series, low: pd.Series, close: pd.Series, length: int) -> pd.Series | None:
    # Wilder's RMA seeded with an SMA, as TA-Lib and Wilder define it; forced in case the
    # default ever changes.
    return _call(
        "atr", len(close), ta.atr, high, low, close, length=length, mamode="rma", talib=False
    )


def _supertrend(
    high: pd.Series, low: pd.Series, close: pd.Series, atr: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """SuperTrend line and direction (1 up, -1 down) as TradingView's `ta.supertrend` defines it.

    Not pandas-ta's `supertrend`: it compares each close with the previous bar's bands and skips
    ratcheting on breakout bars (so its line drifts from the standard one), takes its ATR from
    TA-Lib whenever TA-Lib is importable, and needs ~16 ms for 1,000 bars.
    Bands ratchet: the lower band only rises and the upper only falls, unless the previous close
    crossed it. Direction starts down on the first bar with an ATR, then flips when the close
    crosses the band it is following.
    """
    hl2 = ((high + low) / 2).to_numpy()
    basic_upper = (hl2 + SUPERTREND_MULTIPLIER * atr).tolist()
    basic_lower = (hl2 - SUPERTREND_MULTIPLIER * atr).tolist()
    closes = close.tolist()
    line = [math.nan] * len(closes)
    direction = [math.nan] * len(closes)
    upper = lower = math.nan
    up = False
    for i, (bu, bl, c) in enumerate(zip(basic_upper, basic_lower, closes, strict=True)):
        if math.isnan(bu):
            continue
        if math.isnan(upper):  # first bar with an ATR
            upper, lower = bu, bl
        else:
            prev_close = closes[i - 1]
            upper = bu if bu < upper or prev_close > upper else upper
            lower = bl if bl > lower or prev_close < lower else lower
            up = c >= lower if up else c > upper
        line[i] = lower if up else upper
        direction[i] = 1.0 if up else -1.0
    return np.array(line), np.array(direction)


def _as_float(value: object) -> float | None:
    return None if pd.isna(value) else float(value)
