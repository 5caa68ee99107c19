"""How a Snapshot is shown on the command line: a readable summary or stable JSON."""

from typing import Any

from tools.snapshot import Snapshot

# The `indicators` keys of `snapshot --json`; scripts depend on these names.
INDICATOR_KEYS = (
    "rsi_14",
    "sma_20",
    "sma_50",
    "sma_200",
    "ema_20",
    "ema_50",
    "macd",
    "macd_signal",
    "macd_hist",
    "atr_14",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "supertrend",
    "supertrend_direction",
)


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    data = snapshot.model_dump(mode="json")
    return {
        "snapshot_ref": snapshot.content_hash,
        "symbol": snapshot.symbol,
        "timeframe": snapshot.timeframe,
        "as_of": data["as_of"],
        "bars": len(snapshot.bars),
        "last_bar": data["bars"][-1],
        "last_price": snapshot.last_price,
        "indicators": {key: data["indicators"][key] for key in INDICATOR_KEYS},
        "structure": data["structure"],
        "higher_timeframes": [
            {**view, "bars": len(view["bars"])} for view in data["higher_timeframes"]
        ],
        "session": data["session"],
        "calendar": data["calendar"],
        "news": data["news"],
        "account": data["account"],
    }


def _fmt(value: float | int | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render_snapshot(snapshot: Snapshot) -> str:
    digits = snapshot.instrument.precision
    ind = snapshot.indicators
    bar = snapshot.bars[-1]
    session = snapshot.session
    lines = [
        f"{snapshot.symbol} {snapshot.timeframe} as of {snapshot.as_of:%Y-%m-%d %H:%M} UTC"
        f"  (snapshot {snapshot.content_hash[:12]})",
        f"  last bar {bar.time:%Y-%m-%d %H:%M}  O {_fmt(bar.open, digits)}  H "
        f"{_fmt(bar.high, digits)}  L {_fmt(bar.low, digits)}  C {_fmt(bar.close, digits)}",
        f"  RSI14 {_fmt(ind.rsi_14, 1)}  ATR14 {_fmt(ind.atr_14, digits)}  "
        f"SMA20/50/200 {_fmt(ind.sma_20, digits)} / {_fmt(ind.sma_50, digits)} / "
        f"{_fmt(ind.sma_200, digits)}",
        f"  EMA20/50 {_fmt(ind.ema_20, digits)} / {_fmt(ind.ema_50, digits)}  MACD "
        f"{_fmt(ind.macd, digits + 1)} sig {_fmt(ind.macd_signal, digits + 1)} hist "
        f"{_fmt(ind.macd_hist, digits + 1)}",
        f"  BB {_fmt(ind.bb_lower, digits)} .. {_fmt(ind.bb_upper, digits)}  SuperTrend "
        f"{_fmt(ind.supertrend, digits)} ({'up' if ind.supertrend_direction == 1 else 'down'})",
        f"  trend {snapshot.structure.trend}  swing high "
        f"{_fmt(snapshot.structure.last_swing_high, digits)}  swing low "
        f"{_fmt(snapshot.structure.last_swing_low, digits)}",
        f"  session {session.current_session or 'closed'}  kill zone "
        f"{session.kill_zone or 'none'}  next kill zone {session.next_kill_zone} at "
        f"{session.next_kill_zone_start:%H:%M} UTC",
    ]
    calendar = snapshot.calendar
    if not calendar.ok:
        lines.append(f"  calendar unavailable: {calendar.error}")
    for event in calendar.events[:5]:
        lines.append(
            f"  event {event.time:%a %H:%M} UTC {event.currency} [{event.impact}] {event.title}"
        )
    if not snapshot.news.ok:
        lines.append(f"  news unavailable: {snapshot.news.error}")
    for headline in snapshot.news.headlines[:5]:
        lines.append(
            f"  news {headline.published_at:%H:%M} {headline.source}: {headline.headline!r}"
        )
    return "\n".join(lines)
