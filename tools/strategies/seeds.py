"""The strategies a fresh desk starts with, written as a trader would type them into the
strategy page and parsed the same way, so a seed can never bypass validation."""

from typing import Any

from tools.strategies.schema import StrategyDefinition, parse_strategy

DEMO_SYMBOLS = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30"]
# London morning and the New York session (London close overlaps it), in UTC, weekdays.
LONDON_AND_NEW_YORK = [
    {"start": "07:00", "end": "12:00", "days": ["Mon", "Tue", "Wed", "Thu", "Fri"]},
    {"start": "12:00", "end": "17:00", "days": ["Mon", "Tue", "Wed", "Thu", "Fri"]},
]

_SEEDS: list[dict[str, Any]] = [
    {
        "name": "Trend pullback",
        "description": "Join an established trend after a pullback: buy dips in an uptrend, "
        "sell rallies in a downtrend.",
        "active": True,
        "allowed_symbols": DEMO_SYMBOLS,
        "timeframe": "H1",
        "session_windows": LONDON_AND_NEW_YORK,
        "entry_conditions": [
            {"type": "trend_alignment", "direction": "with_trend"},
            {"type": "price_vs_ma", "ma": "sma_50", "relation": "with_trend"},
            {"type": "rsi", "below": 45, "mirror": True},
        ],
        "exit": {
            "stop": {"type": "swing", "buffer_pips": 5},
            "targets": [{"type": "r_multiple", "value": 2.0}, {"type": "r_multiple", "value": 3.0}],
            "time_limit_minutes": 8 * 60,
        },
        "forbidden": {"news_blackout_minutes": 30},
        "risk_caps": {"max_lots": 1.0, "max_concurrent_positions": 2},
        "expected_rr": 2.0,
    },
    {
        "name": "Range mean reversion",
        "description": "In a market without a trend, fade a Bollinger band touch when RSI is "
        "stretched.",
        "active": True,
        "allowed_symbols": DEMO_SYMBOLS,
        "timeframe": "H1",
        "session_windows": LONDON_AND_NEW_YORK,
        "entry_conditions": [
            {"type": "trend_alignment", "direction": "range"},
            {"type": "bollinger", "touch": "either"},
            {"type": "rsi", "below": 30, "mirror": True},
        ],
        "exit": {
            "stop": {"type": "atr", "multiple": 1.5},
            "targets": [{"type": "r_multiple", "value": 1.5}],
            "time_limit_minutes": 4 * 60,
        },
        "forbidden": {"news_blackout_minutes": 60},
        "risk_caps": {"max_lots": 0.5, "max_concurrent_positions": 1},
        "expected_rr": 1.5,
    },
    {
        "name": "Momentum breakout",
        "description": "Ride a fresh MACD cross when Supertrend and price versus ema_20 point "
        "the same way as the trend.",
        "active": True,
        "allowed_symbols": DEMO_SYMBOLS,
        "timeframe": "H1",
        "session_windows": LONDON_AND_NEW_YORK,
        "entry_conditions": [
            {"type": "supertrend", "direction": "with_trend"},
            {"type": "macd", "signal": "cross"},
            {"type": "price_vs_ma", "ma": "ema_20", "relation": "with_trend"},
        ],
        "exit": {
            "stop": {"type": "atr", "multiple": 2.0},
            "targets": [{"type": "r_multiple", "value": 2.0}, {"type": "r_multiple", "value": 3.5}],
            "time_limit_minutes": 12 * 60,
        },
        "forbidden": {"news_blackout_minutes": 30},
        "risk_caps": {"max_lots": 1.0, "max_concurrent_positions": 1},
        "expected_rr": 2.0,
    },
]


def seed_strategies() -> list[StrategyDefinition]:
    return [parse_strategy(seed) for seed in _SEEDS]
