"""Market structure: pivot swing detection and the trend the swings make."""

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from tools.errors import BarDataError
from tools.structure import Trend, market_structure

HALF_RANGE = 0.5  # each bar spans its mid price ± this
LEG = 5  # bars from one turning point to the next


def bars_from_highs_lows(highs: list[float], lows: list[float]) -> pd.DataFrame:
    index = pd.date_range("2024-03-04", periods=len(highs), freq="h", tz="UTC", name="time")
    mid = (np.array(highs) + np.array(lows)) / 2
    return pd.DataFrame(
        {"open": mid, "high": highs, "low": lows, "close": mid, "volume": 1.0}, index=index
    )


def zigzag_bars(turns: list[float]) -> pd.DataFrame:
    """Straight legs of LEG bars between turning prices, so every inner turn is a strict pivot."""
    mids = np.concatenate(
        [np.linspace(a, b, LEG, endpoint=False) for a, b in pairwise(turns)] + [[turns[-1]]]
    )
    return bars_from_highs_lows(list(mids + HALF_RANGE), list(mids - HALF_RANGE))


def inner_peaks(turns: list[float]) -> list[float]:
    inner = turns[1:-1]  # the first and last turn have no bars on one side
    return [t + HALF_RANGE for i, t in enumerate(inner) if t > turns[i] and t > turns[i + 2]]


def inner_troughs(turns: list[float]) -> list[float]:
    inner = turns[1:-1]
    return [t - HALF_RANGE for i, t in enumerate(inner) if t < turns[i] and t < turns[i + 2]]


RISING = [100, 104, 101, 106, 103, 108, 105, 110]
FALLING = [110, 106, 109, 104, 107, 102, 105, 100]
BROADENING = [105, 107, 103, 109, 101, 111, 99, 105]  # higher highs, lower lows
NARROWING = [105, 111, 99, 109, 101, 107, 103, 105]  # lower highs, higher lows


def test_structure_when_highs_and_lows_rise_then_trend_up() -> None:
    result = market_structure(zigzag_bars(RISING))
    assert result.trend is Trend.UP
    assert (result.higher_highs, result.higher_lows) == (True, True)
    assert (result.lower_highs, result.lower_lows) == (False, False)
    assert [p.price for p in result.swing_highs] == inner_peaks(RISING)
    assert [p.price for p in result.swing_lows] == inner_troughs(RISING)


def test_structure_when_highs_and_lows_fall_then_trend_down() -> None:
    result = market_structure(zigzag_bars(FALLING))
    assert result.trend is Trend.DOWN
    assert (result.lower_highs, result.lower_lows) == (True, True)
    assert (result.higher_highs, result.higher_lows) == (False, False)


@pytest.mark.parametrize(
    ("turns", "flags"),
    [
        (BROADENING, ("higher_highs", "lower_lows")),
        (NARROWING, ("lower_highs", "higher_lows")),
    ],
    ids=["broadening", "narrowing"],
)
def test_structure_when_highs_and_lows_disagree_then_range(
    turns: list[float], flags: tuple[str, str]
) -> None:
    result = market_structure(zigzag_bars(turns))
    assert result.trend is Trend.RANGE
    flag_names = ("higher_highs", "higher_lows", "lower_highs", "lower_lows")
    assert {name for name in flag_names if getattr(result, name)} == set(flags)


def test_structure_when_last_two_highs_equal_then_neither_higher_nor_lower_and_range() -> None:
    result = market_structure(zigzag_bars([100, 106, 101, 106, 103, 105]))  # double top
    assert (result.higher_highs, result.lower_highs, result.higher_lows) == (False, False, True)
    assert result.trend is Trend.RANGE


def test_last_swings_are_latest_confirmed_prices() -> None:
    result = market_structure(zigzag_bars(RISING))
    assert result.last_swing_high == inner_peaks(RISING)[-1]
    assert result.last_swing_low == inner_troughs(RISING)[-1]


def test_swings_on_known_pattern_are_strict_pivots_with_their_bar_times() -> None:
    #        0  1  2  3  4  5  6  7  8  9  10 11 12
    highs = [1, 2, 3, 9, 3, 2, 4, 6, 6, 2, 1, 7, 1]
    # Bar 3 is a pivot high. The flat top at bars 7-8 is not: strictly greater is required.
    # Bar 11 tops the two bars before it but has only one bar after it: not yet confirmed.
    lows = [h - 1 for h in highs]
    lows[5] = -5  # a trough two bars clear of lower lows on both sides
    bars = bars_from_highs_lows([float(h) for h in highs], [float(v) for v in lows])
    result = market_structure(bars, pivot=2)
    assert [(p.time, p.price, p.kind) for p in result.swing_highs] == [
        (bars.index[3].to_pydatetime(), 9.0, "high")
    ]
    assert [(p.time, p.price, p.kind) for p in result.swing_lows] == [
        (bars.index[5].to_pydatetime(), -5.0, "low")
    ]


def test_swing_needs_pivot_bars_on_each_side() -> None:
    highs = [5.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0]  # bar 3 beats 2 neighbours each side, not 3
    bars = bars_from_highs_lows(highs, [h - 1 for h in highs])
    assert [p.price for p in market_structure(bars, pivot=2).swing_highs] == [3.0]
    assert market_structure(bars, pivot=3).swing_highs == []


def test_peak_in_the_last_pivot_bars_is_not_yet_a_swing() -> None:
    turns = [*RISING, RISING[-1] - 4]
    confirmed = zigzag_bars(turns)
    unconfirmed = confirmed.iloc[: -(LEG - 2)]  # only 2 bars after the final peak
    assert market_structure(confirmed).last_swing_high == RISING[-1] + HALF_RANGE
    assert market_structure(unconfirmed).last_swing_high == inner_peaks(RISING)[-1]


def test_keep_limits_each_list_to_the_most_recent_swings_oldest_first() -> None:
    turns = [100 + (i if i % 2 else -i) for i in range(1, 16)]  # many peaks and troughs
    result = market_structure(zigzag_bars(turns), keep=3)
    assert [p.price for p in result.swing_highs] == inner_peaks(turns)[-3:]
    assert [p.price for p in result.swing_lows] == inner_troughs(turns)[-3:]
    times = [p.time for p in result.swing_highs]
    assert times == sorted(times)


def test_structure_when_no_swings_then_range_with_flags_false_and_no_levels() -> None:
    steadily_rising = [float(i) for i in range(30)]
    result = market_structure(bars_from_highs_lows(steadily_rising, steadily_rising))
    assert result.trend is Trend.RANGE
    assert not any((result.higher_highs, result.higher_lows, result.lower_highs, result.lower_lows))
    assert (result.last_swing_high, result.last_swing_low) == (None, None)


def test_structure_when_one_swing_of_each_kind_then_range_with_flags_false() -> None:
    result = market_structure(zigzag_bars([100, 104, 101, 106]))
    assert (len(result.swing_highs), len(result.swing_lows)) == (1, 1)
    assert result.trend is Trend.RANGE
    assert not any((result.higher_highs, result.higher_lows, result.lower_highs, result.lower_lows))
    assert result.last_swing_high == 104 + HALF_RANGE


def test_structure_when_too_few_bars_for_a_pivot_then_empty() -> None:
    result = market_structure(zigzag_bars(RISING).iloc[:6])  # 2 * pivot + 1 = 7 needed
    assert (result.swing_highs, result.swing_lows) == ([], [])


@pytest.mark.parametrize(("pivot", "keep"), [(0, 5), (3, 0)])
def test_structure_when_pivot_or_keep_below_one_then_value_error(pivot: int, keep: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        market_structure(zigzag_bars(RISING), pivot=pivot, keep=keep)


def test_structure_when_low_column_missing_then_bar_data_error() -> None:
    with pytest.raises(BarDataError, match="low"):
        market_structure(zigzag_bars(RISING).drop(columns="low"))
