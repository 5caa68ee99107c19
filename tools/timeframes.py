"""Timeframe names (M1 ... D1) and their durations."""

from datetime import timedelta

import pandas as pd

_MINUTES = {"M1": 1, "M5": 5, "M15": 15, "M30": 30, "H1": 60, "H4": 240, "D1": 1440}


def timeframe_minutes(timeframe: str) -> int:
    """Minutes in one bar of `timeframe`; raises ValueError naming the bad value."""
    try:
        return _MINUTES[timeframe.upper()]
    except KeyError:
        raise ValueError(
            f"unknown timeframe {timeframe!r}; expected one of {', '.join(_MINUTES)}"
        ) from None


def timeframe_delta(timeframe: str) -> timedelta:
    return timedelta(minutes=timeframe_minutes(timeframe))


def timeframe_offset(timeframe: str) -> pd.Timedelta:
    return pd.Timedelta(minutes=timeframe_minutes(timeframe))


def known_timeframes() -> list[str]:
    return list(_MINUTES)
