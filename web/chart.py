"""The idea page's chart: the snapshot's candles, moving averages and the idea's levels, as the
JSON that static/idea_chart.js draws with lightweight-charts."""

import math
from typing import Any

import pandas as pd

from store.models import TradeIdeaRow
from tools.indicators import indicator_series
from tools.snapshot import Snapshot

# Colours match the legend in idea.html (Tailwind sky-400, violet-400, amber-400).
LINES = {"sma_20": "#38bdf8", "sma_50": "#a78bfa", "ema_20": "#fbbf24"}
ENTRY, STOP, TARGET = "#94a3b8", "#f43f5e", "#10b981"


def _levels(idea: TradeIdeaRow) -> list[dict[str, Any]]:
    levels = [("entry", idea.entry, ENTRY), ("stop", idea.stop, STOP)]
    levels += [(f"T{n}", price, TARGET) for n, price in enumerate(idea.targets, start=1)]
    return [{"title": t, "price": p, "color": c} for t, p, c in levels if p is not None]


def chart_payload(snapshot: Snapshot, idea: TradeIdeaRow) -> dict[str, Any]:
    bars = pd.DataFrame([bar.model_dump() for bar in snapshot.bars]).set_index("time")
    series = indicator_series(bars)
    times = [int(bar.time.timestamp()) for bar in snapshot.bars]
    return {
        "precision": snapshot.instrument.precision,
        "candles": [
            {"time": t, "open": b.open, "high": b.high, "low": b.low, "close": b.close}
            for t, b in zip(times, snapshot.bars, strict=True)
        ],
        "lines": [
            {
                "name": name,
                "color": colour,
                "points": [
                    {"time": t, "value": v}
                    for t, v in zip(times, series[name], strict=True)
                    if not math.isnan(v)
                ],
            }
            for name, colour in LINES.items()
        ],
        "levels": _levels(idea),
    }
