"""The Snapshot: everything the desk saw for (symbol, as_of), with a stable content hash.

Agents' tools are pure functions of a Snapshot, so replaying one gives the same numbers.
"""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pandas as pd
from pydantic import BaseModel, Field

from tools.account import AccountState
from tools.calendar import CalendarResult
from tools.indicators import IndicatorSet, compute_indicators
from tools.instruments import Instrument
from tools.market_data import bars_as_of, resample_bars, validate_bars
from tools.news import NewsResult
from tools.risk_config import RiskConfig
from tools.sessions import DEFAULT_WINDOWS, SessionState, SessionWindows, session_state
from tools.structure import MarketStructure, Trend, market_structure

SCHEMA_VERSION = 1
MIN_BARS = 60  # enough for RSI/MACD/ATR/Bollinger/SuperTrend to be meaningful; SMA200 may be None
HIGHER_TIMEFRAME_BARS = 100  # per higher timeframe: enough for SMA50 and a stable RSI/ATR


class Bar(BaseModel):
    time: datetime = Field(description="Bar open time, UTC")
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0


class TimeframeView(BaseModel):
    """Higher-timeframe context: complete bars with their own indicators and trend. The bars are
    kept so a replay can recompute everything from the snapshot alone."""

    timeframe: str
    bars: list[Bar]
    last_close: float | None
    indicators: IndicatorSet | None
    trend: Trend | None


class Snapshot(BaseModel):
    schema_version: int = SCHEMA_VERSION
    symbol: str
    timeframe: str
    as_of: datetime = Field(description="UTC; no bar in the snapshot closes after it")
    instrument: Instrument
    bars: list[Bar]
    last_price: float
    indicators: IndicatorSet
    structure: MarketStructure
    higher_timeframes: list[TimeframeView]
    session: SessionState
    calendar: CalendarResult
    news: NewsResult
    account: AccountState
    risk_config: RiskConfig
    content_hash: str = ""

    def compute_hash(self) -> str:
        payload = self.model_dump_json(exclude={"content_hash"})
        return hashlib.sha256(payload.encode()).hexdigest()

    def sealed(self) -> "Snapshot":
        """A copy carrying its content hash (the `snapshot_ref`)."""
        return self.model_copy(update={"content_hash": self.compute_hash()})


def _bar_models(bars: pd.DataFrame) -> list[Bar]:
    # Plain Python values first: numpy scalars and per-row Timestamp conversion cost twice as
    # much, and every decision's snapshot builds a few hundred bars.
    columns = (bars[name].tolist() for name in ("open", "high", "low", "close", "volume"))
    return [
        Bar(time=ts, open=o, high=h, low=lo, close=c, volume=v)
        for ts, o, h, lo, c, v in zip(bars.index.to_pydatetime(), *columns, strict=True)
    ]


def higher_timeframe_view(bars: pd.DataFrame, timeframe: str, as_of: datetime) -> TimeframeView:
    higher = resample_bars(bars, timeframe, as_of=as_of).iloc[-HIGHER_TIMEFRAME_BARS:]
    if higher.empty:
        return TimeframeView(
            timeframe=timeframe, bars=[], last_close=None, indicators=None, trend=None
        )
    return TimeframeView(
        timeframe=timeframe,
        bars=_bar_models(higher),
        last_close=float(higher["close"].iloc[-1]),
        indicators=compute_indicators(higher),
        trend=market_structure(higher).trend,
    )


def build_snapshot(
    *,
    history: pd.DataFrame,
    instrument: Instrument,
    timeframe: str,
    as_of: datetime,
    calendar: CalendarResult,
    news: NewsResult,
    account: AccountState,
    risk_config: RiskConfig,
    windows: SessionWindows = DEFAULT_WINDOWS,
    bar_count: int = 300,
    min_bars: int = MIN_BARS,
    higher_timeframes: Sequence[str] = ("H4", "D1"),
    higher_views: Mapping[str, TimeframeView] | None = None,
) -> Snapshot:
    """Assemble and seal the snapshot for (instrument, as_of).

    `history` may run past `as_of`: only bars closed by then are used (no look-ahead), and the
    indicators see exactly the `bar_count` bars the snapshot stores, so a replay reproduces them.
    Calendar and news are passed already filtered to the window the caller chose.
    `higher_views` lets a caller reuse views it computed for the same complete higher bars.
    """
    higher_views = higher_views or {}
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware (UTC)")
    as_of = as_of.astimezone(UTC)
    closed = bars_as_of(history, as_of, timeframe)
    validate_bars(closed, min_bars=min_bars, source=f"{instrument.symbol} {timeframe} bars")
    window = closed.iloc[-bar_count:]
    return Snapshot(
        symbol=instrument.symbol,
        timeframe=timeframe,
        as_of=as_of,
        instrument=instrument,
        bars=_bar_models(window),
        last_price=float(window["close"].iloc[-1]),
        indicators=compute_indicators(window),
        structure=market_structure(window),
        higher_timeframes=[
            higher_views.get(tf) or higher_timeframe_view(closed, tf, as_of)
            for tf in higher_timeframes
        ],
        session=session_state(as_of, windows),
        calendar=calendar,
        news=news,
        account=account,
        risk_config=risk_config,
    ).sealed()
