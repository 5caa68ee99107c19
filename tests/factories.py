"""Builders for realistic snapshots with hand-set values, shared by every test suite.

`make_snapshot()` with no arguments is EURUSD H1 on Tuesday 2024-03-12 14:00 UTC (London/New
York overlap), in a clean uptrend: price above ema_20 > ema_50 > sma_200, Supertrend up, MACD
histogram positive, RSI 58, 120 bars ending at as_of, an H4 view agreeing, no events, a flat
10,000 USD paper account and the default risk config. Every number is derived from the
symbol's typical price and ATR, so changing one knob leaves the rest consistent.
"""

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import EllipsisType
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tools.account import AccountState, Direction, OpenPosition
from tools.calendar import CalendarEvent, CalendarResult, Impact
from tools.indicators import IndicatorSet
from tools.instruments import DEFAULT_INSTRUMENTS, Instrument
from tools.news import Headline, NewsResult
from tools.risk_config import RiskConfig
from tools.sessions import SessionState
from tools.snapshot import Bar, Snapshot, TimeframeView
from tools.structure import MarketStructure, SwingPoint, Trend
from tools.timeframes import timeframe_delta

AS_OF = datetime(2024, 3, 12, 14, 0, tzinfo=UTC)  # a Tuesday, London/New York overlap
TrendName = Literal["up", "down", "range"]

# (typical price, typical H1 ATR) per demo symbol; others get a generic pair.
TYPICAL: dict[str, tuple[float, float]] = {
    "EURUSD": (1.0850, 0.0011),
    "GBPUSD": (1.2750, 0.0014),
    "USDJPY": (150.00, 0.16),
    "XAUUSD": (2150.0, 6.5),
    "US30": (39000.0, 80.0),
}
_SIGN = {"up": 1, "down": -1, "range": 0}


def typical(symbol: str) -> tuple[float, float]:
    return TYPICAL.get(symbol.upper(), (100.0, 0.8))


def instrument(symbol: str = "EURUSD") -> Instrument:
    return DEFAULT_INSTRUMENTS[symbol.upper()]


def make_indicators(
    trend: TrendName = "up", price: float = 1.0850, scale: float = 0.0011, **overrides: Any
) -> IndicatorSet:
    """Indicators consistent with `trend` around `price`; `scale` is the ATR they are laid out
    in. Keyword overrides replace single values (e.g. rsi_14=None)."""
    s, a = _SIGN[trend], scale
    if s:  # trending: MAs stacked behind price, momentum agreeing
        mas = {"ema_20": 0.8, "sma_20": 0.9, "ema_50": 2.0, "sma_50": 2.3, "sma_200": 6.0}
        values = {name: price - s * k * a for name, k in mas.items()}
        macd = {"macd": s * 0.35 * a, "macd_signal": s * 0.25 * a}
        macd |= {"macd_hist": s * 0.10 * a, "macd_hist_prev": s * 0.07 * a}
        supertrend, st_dir, rsi = price - s * 2.0 * a, s, 50 + s * 8
    else:  # range: MAs tangled around price (not aligned), momentum flat
        mas = {"ema_20": 0.1, "sma_20": 0.05, "ema_50": -0.1, "sma_50": -0.05, "sma_200": 0.3}
        values = {name: price + k * a for name, k in mas.items()}
        macd = {"macd": 0.02 * a, "macd_signal": 0.03 * a}
        macd |= {"macd_hist": -0.01 * a, "macd_hist_prev": -0.02 * a}
        supertrend, st_dir, rsi = price - 1.5 * a, 1, 50.0
    unknown = set(overrides) - set(IndicatorSet.model_fields)
    if unknown:
        raise TypeError(f"not IndicatorSet fields: {sorted(unknown)}")
    middle = values["sma_20"]
    bands = {"bb_middle": middle, "bb_upper": middle + 2.2 * a, "bb_lower": middle - 2.2 * a}
    return IndicatorSet(
        **values,
        **macd,
        **bands,
        rsi_14=rsi,
        atr_14=a,
        supertrend=supertrend,
        supertrend_direction=st_dir,
    ).model_copy(update=overrides)


def make_bars(
    trend: TrendName = "up",
    price: float = 1.0850,
    scale: float = 0.0011,
    *,
    count: int = 120,
    as_of: datetime = AS_OF,
    timeframe: str = "H1",
    precision: int = 5,
) -> list[Bar]:
    """`count` bars drifting with `trend` plus a gentle wave, the last closing at `as_of` on
    `price`. True ranges stay close to `scale`, so ATR = scale reads as normal volatility."""
    step, slope = timeframe_delta(timeframe), _SIGN[trend] * 0.08 * scale

    def close(back: int) -> float:  # `back` bars before the last
        return price - slope * back + 0.5 * scale * math.sin(back / 2.5)

    bars = []
    for back in range(count - 1, -1, -1):
        o, c = close(back + 1), close(back)
        bars.append(
            Bar(
                time=as_of - step * (back + 1),
                open=round(o, precision),
                high=round(max(o, c) + 0.35 * scale, precision),
                low=round(min(o, c) - 0.35 * scale, precision),
                close=round(c, precision),
                volume=1000.0 + 10 * (back % 7),
            )
        )
    return bars


def make_view(
    timeframe: str,
    trend: TrendName | None,
    price: float,
    scale: float,
    *,
    count: int = 60,
    as_of: datetime = AS_OF,
    precision: int = 5,
) -> TimeframeView:
    """A higher-timeframe view of complete bars (the last closing at or before as_of); trend
    None means the view has no indicators or trend (too few bars)."""
    seconds = timeframe_delta(timeframe).total_seconds()
    closed = datetime.fromtimestamp(as_of.timestamp() // seconds * seconds, UTC)
    wider = scale * math.sqrt(seconds / 3600)  # ranges grow with the square root of time
    return TimeframeView(
        timeframe=timeframe,
        bars=make_bars(
            trend or "range",
            price,
            wider,
            count=count,
            as_of=closed,
            timeframe=timeframe,
            precision=precision,
        ),
        last_close=price,
        indicators=None if trend is None else make_indicators(trend, price, wider),
        trend=None if trend is None else Trend(trend),
    )


def make_structure(
    trend: TrendName = "up",
    price: float = 1.0850,
    scale: float = 0.0011,
    *,
    swing_low: float | EllipsisType | None = ...,
    swing_high: float | EllipsisType | None = ...,
    as_of: datetime = AS_OF,
) -> MarketStructure:
    """Swings where a trader would see them: in an uptrend the last low 1.2 ATR below price and
    the last high 0.6 ATR above (a pullback); mirrored in a downtrend; 1.5 ATR each way in a
    range. Pass None for no swing of that kind."""
    below, above = {"up": (1.2, 0.6), "down": (0.6, 1.2), "range": (1.5, 1.5)}[trend]
    low = price - below * scale if swing_low is ... else swing_low
    high = price + above * scale if swing_high is ... else swing_high
    s = _SIGN[trend]

    def points(last: float | None, kind: str) -> list[SwingPoint]:
        if last is None:
            return []
        earlier = last - s * 1.5 * scale  # an uptrend's earlier swings sit lower
        return [
            SwingPoint(time=as_of - timedelta(hours=h), price=p, kind=kind)
            for h, p in ((30, earlier), (9 if kind == "low" else 5, last))
        ]

    return MarketStructure(
        trend=Trend(trend),
        swing_highs=points(high, "high"),
        swing_lows=points(low, "low"),
        higher_highs=s > 0,
        higher_lows=s > 0,
        lower_highs=s < 0,
        lower_lows=s < 0,
        last_swing_high=high,
        last_swing_low=low,
    )


def make_session(as_of: datetime = AS_OF, **overrides: Any) -> SessionState:
    """Hand-set session state for the London/New York overlap (overrides replace fields)."""
    fields: dict[str, Any] = {
        "at": as_of,
        "new_york_time": as_of.astimezone(ZoneInfo("America/New_York")),
        "open_sessions": ["london", "new_york"],
        "current_session": "new_york",
        "session_minutes_remaining": 180,
        "kill_zone": None,
        "kill_zone_active": False,
        "kill_zone_minutes_remaining": None,
        "next_kill_zone": "asia_kz",
        "next_kill_zone_start": as_of + timedelta(hours=10),
        "is_weekend": as_of.weekday() >= 5,
    }
    return SessionState(**(fields | overrides))


def make_event(
    minutes: float,
    *,
    impact: Impact | str = Impact.HIGH,
    currency: str = "USD",
    title: str | None = None,
    as_of: datetime = AS_OF,
) -> CalendarEvent:
    """A calendar event `minutes` after as_of (negative: before)."""
    return CalendarEvent(
        title=title or f"{currency} {impact} event",
        currency=currency,
        time=as_of + timedelta(minutes=minutes),
        impact=Impact(impact),
    )


def make_position(
    symbol: str = "EURUSD",
    direction: Direction | str = Direction.BUY,
    lots: float = 0.1,
    *,
    entry: float | None = None,
    pnl: float = 0.0,
    position_id: str | None = None,
    opened_at: datetime = AS_OF - timedelta(hours=2),
) -> OpenPosition:
    return OpenPosition(
        position_id=position_id or f"P-{symbol}-{direction}-{lots:g}",
        symbol=symbol.upper(),
        direction=Direction(direction),
        lots=lots,
        entry_price=entry if entry is not None else typical(symbol)[0],
        opened_at=opened_at,
        unrealized_pnl=pnl,
    )


def _margin(position: OpenPosition, leverage: float) -> float:
    inst = instrument(position.symbol)
    notional = position.lots * inst.contract_size
    in_usd = notional if inst.base_currency == "USD" else notional * position.entry_price
    return in_usd / leverage


def make_account(positions: Sequence[OpenPosition] = (), **overrides: Any) -> AccountState:
    """A 10,000 USD account; equity, margin and free margin follow the positions given."""
    leverage = overrides.get("leverage", 100.0)
    balance = overrides.get("balance", 10_000.0)
    equity = balance + sum(p.unrealized_pnl for p in positions)
    margin = sum(_margin(p, leverage) for p in positions)
    fields: dict[str, Any] = {
        "balance": balance,
        "equity": equity,
        "margin_used": round(margin, 2),
        "free_margin": round(equity - margin, 2),
        "leverage": leverage,
        "open_pnl": sum(p.unrealized_pnl for p in positions),
        "start_of_day_equity": balance,
        "positions": list(positions),
    }
    return AccountState(**(fields | overrides))


def make_snapshot(
    *,
    symbol: str = "EURUSD",
    timeframe: str = "H1",
    as_of: datetime = AS_OF,
    trend: TrendName = "up",
    price: float | None = None,
    atr: float | EllipsisType | None = ...,
    rsi: float | EllipsisType | None = ...,
    indicators: dict[str, Any] | None = None,
    swing_low: float | EllipsisType | None = ...,
    swing_high: float | EllipsisType | None = ...,
    bars: int = 120,
    higher: dict[str, TrendName | None] | None = None,
    events: Sequence[CalendarEvent] = (),
    headlines: Sequence[Headline] | None = None,
    positions: Sequence[OpenPosition] = (),
    account: dict[str, Any] | None = None,
    risk: dict[str, Any] | None = None,
    **fields: Any,
) -> Snapshot:
    """A sealed, realistic Snapshot. Knobs:

    trend/price: the market (price defaults to the symbol's typical one); atr/rsi: those two
    indicators only (None = not available), the rest stay laid out in the typical ATR;
    indicators: any other IndicatorSet values; swing_low/swing_high: None for no swing;
    higher: {"H4": "up" | "down" | "range" | None} views (default: H4 agreeing with trend);
    events/headlines/positions; account/risk: AccountState/RiskConfig field overrides;
    **fields: any other Snapshot field, replacing what the builder made (e.g. session=...).
    """
    symbol = symbol.upper()
    base_price, scale = typical(symbol)
    price = base_price if price is None else price
    inst = instrument(symbol)
    shortcuts = {
        name: value for name, value in (("atr_14", atr), ("rsi_14", rsi)) if value is not ...
    }
    views = {"H4": trend} if higher is None else higher
    built: dict[str, Any] = {
        "symbol": symbol,
        "timeframe": timeframe,
        "as_of": as_of,
        "instrument": inst,
        "bars": make_bars(
            trend,
            price,
            scale,
            count=bars,
            as_of=as_of,
            timeframe=timeframe,
            precision=inst.precision,
        ),
        "last_price": price,
        "indicators": make_indicators(trend, price, scale, **shortcuts, **(indicators or {})),
        "structure": make_structure(
            trend, price, scale, swing_low=swing_low, swing_high=swing_high, as_of=as_of
        ),
        "higher_timeframes": [
            make_view(tf, view, price, scale, as_of=as_of, precision=inst.precision)
            for tf, view in views.items()
        ],
        "session": make_session(as_of),
        "calendar": CalendarResult(events=list(events), source="test calendar"),
        "news": NewsResult(
            headlines=list(headlines)
            if headlines is not None
            else [
                Headline(
                    headline=f"{inst.base_currency} steady ahead of data",
                    source="test wire",
                    published_at=as_of - timedelta(minutes=45),
                    currencies=list(inst.news_currencies),
                )
            ],
            source="test news",
        ),
        "account": make_account(positions, **(account or {})),
        "risk_config": RiskConfig(**(risk or {})),
    }
    return Snapshot(**(built | fields)).sealed()
