"""Strategy schema validation, condition checks, direction logic, session windows and seeds."""

import copy
from datetime import datetime
from typing import Any

import pytest

from tests.factories import AS_OF, make_snapshot, typical
from tools.account import Direction
from tools.snapshot import Snapshot
from tools.strategies import (
    ConditionResult,
    StrategyDefinition,
    StrategyDefinitionError,
    evaluate_strategy,
    parse_strategy,
    seed_strategies,
    window_open,
)
from tools.strategies.schema import SessionWindow

BUY, SELL = Direction.BUY, Direction.SELL
PRICE, ATR = typical("EURUSD")
SUPERTREND_WITH_TREND = {"type": "supertrend", "direction": "with_trend"}


def definition(**overrides: Any) -> dict[str, Any]:
    """A valid strategy as a page would post it."""
    return {
        "name": "Test strategy",
        "active": True,
        "allowed_symbols": ["eurusd", "GBPUSD"],
        "timeframe": "h1",
        "entry_conditions": [SUPERTREND_WITH_TREND],
        "exit": {
            "stop": {"type": "atr", "multiple": 2},
            "targets": [{"type": "r_multiple", "value": 2}],
        },
        "expected_rr": 2,
    } | overrides


def evaluate(conditions: list[dict[str, Any]], snapshot: Snapshot, **fields: Any):
    return evaluate_strategy(
        parse_strategy(definition(entry_conditions=conditions, **fields)), snapshot
    )


def first(condition: dict[str, Any], snapshot: Snapshot) -> ConditionResult:
    """The result of `condition`, evaluated beside a supertrend-with-trend voter."""
    return evaluate([condition, SUPERTREND_WITH_TREND], snapshot).conditions[0]


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(StrategyDefinitionError) as caught:
        parse_strategy(data)
    return {e["path"]: e["message"] for e in caught.value.errors}


# --- schema -----------------------------------------------------------------------------------


def test_parse_when_valid_then_symbols_and_timeframe_are_normalised() -> None:
    strategy = parse_strategy(definition())
    assert strategy.allowed_symbols == ["EURUSD", "GBPUSD"]
    assert strategy.timeframe == "H1"


def test_parse_when_rsi_bound_above_100_then_error_names_the_field_path() -> None:
    data = definition(entry_conditions=[SUPERTREND_WITH_TREND, {"type": "rsi", "below": 140}])
    errors = errors_of(data)
    assert errors == {"entry_conditions.1.rsi.below": "Input should be less than or equal to 100"}


def test_parse_when_condition_type_unknown_then_error_names_the_condition() -> None:
    errors = errors_of(definition(entry_conditions=[{"type": "moon_phase", "full": True}]))
    assert list(errors) == ["entry_conditions.0"]
    assert "moon_phase" in errors["entry_conditions.0"]


def test_parse_when_name_missing_then_error_names_name() -> None:
    data = definition()
    del data["name"]
    assert errors_of(data) == {"name": "Field required"}


def test_parse_when_name_blank_then_error_names_name() -> None:
    assert list(errors_of(definition(name="   "))) == ["name"]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (definition(expected_r=2), "expected_r"),
        (
            definition(entry_conditions=[SUPERTREND_WITH_TREND, {"type": "rsi", "belw": 30}]),
            "entry_conditions.1.rsi.belw",
        ),
        (
            definition(
                exit={
                    "stop": {"type": "atr", "multipel": 2},
                    "targets": [{"type": "r_multiple", "value": 2}],
                }
            ),
            "exit.stop.atr.multipel",
        ),
    ],
)
def test_parse_when_key_misspelled_then_error_names_the_typo(data: dict, path: str) -> None:
    assert errors_of(data)[path] == "Extra inputs are not permitted"


def test_parse_when_several_fields_bad_then_message_lists_each_with_its_path() -> None:
    data = definition(timeframe="H2", allowed_symbols=[], expected_rr=0.5)
    with pytest.raises(StrategyDefinitionError) as caught:
        parse_strategy(data)
    paths = [e["path"] for e in caught.value.errors]
    assert sorted(paths) == ["allowed_symbols", "expected_rr", "timeframe"]
    for error in caught.value.errors:
        assert f"{error['path']}: {error['message']}" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_parse_when_invalid_then_input_is_untouched_and_nothing_is_returned() -> None:
    data = definition(entry_conditions=[{"type": "rsi", "below": 400}])
    before = copy.deepcopy(data)
    result = None
    with pytest.raises(StrategyDefinitionError):
        result = parse_strategy(data)
    assert result is None
    assert data == before


@pytest.mark.parametrize(
    ("rsi", "message_part"),
    [({"type": "rsi"}, "at least one"), ({"type": "rsi", "below": 30, "above": 70}, "lower")],
)
def test_parse_when_rsi_bounds_make_no_sense_then_error_names_the_condition(
    rsi: dict, message_part: str
) -> None:
    errors = errors_of(definition(entry_conditions=[SUPERTREND_WITH_TREND, rsi]))
    assert message_part in errors["entry_conditions.1.rsi"]


def test_parse_when_no_condition_decides_a_direction_then_error_names_entry_conditions() -> None:
    conditions = [{"type": "rsi", "below": 30}, {"type": "near_swing_level", "max_atr": 1}]
    assert (
        "decides buy or sell"
        in errors_of(definition(entry_conditions=conditions))["entry_conditions"]
    )


@pytest.mark.parametrize(
    ("window", "path"),
    [
        ({"start": "7:00", "end": "12:00"}, "session_windows.0.start"),
        ({"start": "07:00", "end": "24:00"}, "session_windows.0.end"),
        ({"start": "07:00", "end": "12:00", "days": ["Funday"]}, "session_windows.0.days.0"),
        ({"start": "07:00", "end": "12:00", "days": []}, "session_windows.0.days"),
    ],
)
def test_parse_when_session_window_malformed_then_error_names_its_field(
    window: dict, path: str
) -> None:
    assert path in errors_of(definition(session_windows=[window]))


def test_news_currencies_when_empty_then_instrument_currencies_apply() -> None:
    snap = make_snapshot(symbol="USDJPY")
    assert parse_strategy(definition()).news_currencies_for(snap.instrument) == ("USD", "JPY")
    custom = parse_strategy(definition(forbidden={"news_currencies": ["usd"]}))
    assert custom.news_currencies_for(snap.instrument) == ("USD",)


# --- each condition type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "snapshot_args", "passed", "side"),
    [
        ({"direction": "bullish"}, {"trend": "up"}, True, BUY),
        ({"direction": "bullish"}, {"trend": "down"}, False, BUY),
        ({"direction": "bearish"}, {"trend": "down"}, True, SELL),
        ({"direction": "with_trend"}, {"trend": "down"}, True, SELL),
        ({"direction": "with_trend"}, {"trend": "range"}, False, None),
        ({"direction": "range"}, {"trend": "range"}, True, None),
        ({"direction": "range"}, {"trend": "up"}, False, None),
        (
            {"direction": "bearish", "timeframe": "H4"},
            {"trend": "up", "higher": {"H4": "down"}},
            True,
            SELL,
        ),
        ({"direction": "with_trend", "timeframe": "H4"}, {"higher": {"H4": "range"}}, False, None),
    ],
)
def test_trend_alignment_when_trend_given_then_passes_only_when_it_agrees(
    condition: dict, snapshot_args: dict, passed: bool, side: Direction | None
) -> None:
    result = first({"type": "trend_alignment", **condition}, make_snapshot(**snapshot_args))
    assert (result.passed, result.direction) == (passed, side)
    assert result.values["timeframe"] == condition.get("timeframe", "H1")


def test_trend_alignment_when_timeframe_view_missing_then_fails_saying_so() -> None:
    result = first(
        {"type": "trend_alignment", "direction": "bullish", "timeframe": "D1"},
        make_snapshot(higher={"H4": "up"}),
    )
    assert not result.passed
    assert "no D1 view" in result.detail


def test_trend_when_structure_is_range_but_mas_aligned_then_mas_decide() -> None:
    snap = make_snapshot(
        trend="range", indicators={"ema_20": PRICE - ATR, "ema_50": PRICE - 2 * ATR}
    )
    result = first({"type": "trend_alignment", "direction": "bullish"}, snap)
    assert result.passed
    assert "aligned up" in result.detail


@pytest.mark.parametrize(
    ("condition", "rsi", "passed"),
    [
        ({"below": 40}, 38.2, True),
        ({"below": 40}, 40.0, False),
        ({"above": 60}, 61.5, True),
        ({"above": 60}, 59.0, False),
        ({"above": 40, "below": 60}, 50.0, True),
        ({"above": 40, "below": 60}, 65.0, False),
    ],
)
def test_rsi_when_value_against_bounds_then_passes_strictly_inside(
    condition: dict, rsi: float, passed: bool
) -> None:
    result = first({"type": "rsi", **condition}, make_snapshot(rsi=rsi))
    assert result.passed is passed
    assert result.values == {
        "rsi_14": rsi,
        "below": condition.get("below"),
        "above": condition.get("above"),
    }
    assert result.direction is None  # a plain RSI bound votes for no side


@pytest.mark.parametrize(
    ("bounds", "rsi", "passed"),
    [
        ({"below": 45}, 60.0, True),
        ({"below": 45}, 50.0, False),
        ({"above": 20, "below": 45}, 70.0, True),
        ({"above": 20, "below": 45}, 85.0, False),
    ],
)
def test_rsi_when_mirrored_for_a_sell_then_bounds_flip_around_50(
    bounds: dict, rsi: float, passed: bool
) -> None:
    result = first({"type": "rsi", "mirror": True, **bounds}, make_snapshot(trend="down", rsi=rsi))
    assert (result.passed, result.direction) == (passed, SELL)
    flipped_below = 100 - bounds["above"] if "above" in bounds else None
    assert (result.values["above"], result.values["below"]) == (
        100 - bounds["below"],
        flipped_below,
    )


@pytest.mark.parametrize(("rsi", "passed"), [(40.0, True), (50.0, False)])
def test_rsi_when_mirrored_for_a_buy_then_bounds_are_as_written(rsi: float, passed: bool) -> None:
    result = first({"type": "rsi", "below": 45, "mirror": True}, make_snapshot(trend="up", rsi=rsi))
    assert (result.passed, result.direction) == (passed, BUY)
    assert result.values["below"] == 45


@pytest.mark.parametrize(
    ("condition", "trend", "passed", "side"),
    [
        ({"ma": "sma_50", "relation": "above"}, "up", True, BUY),
        ({"ma": "sma_50", "relation": "below"}, "up", False, SELL),
        ({"ma": "ema_20", "relation": "with_trend"}, "down", True, SELL),
        ({"ma": "ema_20", "relation": "with_trend"}, "range", False, None),
    ],
)
def test_price_vs_ma_when_price_on_a_side_then_passes_on_the_wanted_side(
    condition: dict, trend: str, passed: bool, side: Direction | None
) -> None:
    snap = make_snapshot(trend=trend)
    result = first({"type": "price_vs_ma", **condition}, snap)
    assert (result.passed, result.direction) == (passed, side)
    assert result.values["last_price"] == snap.last_price
    assert result.values[condition["ma"]] == getattr(snap.indicators, condition["ma"])


@pytest.mark.parametrize(
    ("signal", "prev", "hist", "passed", "side"),
    [
        ("cross_up", -0.0001, 0.0002, True, BUY),
        ("cross_up", 0.0, 0.0002, True, BUY),
        ("cross_up", 0.0001, 0.0002, False, BUY),
        ("cross_down", 0.0001, -0.0002, True, SELL),
        ("cross", 0.0001, -0.0002, True, SELL),
        ("cross", -0.0001, -0.0002, False, None),
        ("positive", 0.0001, 0.0002, True, BUY),
        ("negative", 0.0001, 0.0002, False, SELL),
        ("with_trend", -0.0001, 0.0002, True, BUY),
    ],
)
def test_macd_when_histogram_moves_then_signal_reads_prev_against_latest(
    signal: str, prev: float, hist: float, passed: bool, side: Direction | None
) -> None:
    snap = make_snapshot(trend="up", indicators={"macd_hist": hist, "macd_hist_prev": prev})
    result = first({"type": "macd", "signal": signal}, snap)
    assert (result.passed, result.direction) == (passed, side)
    assert (result.values["macd_hist"], result.values["macd_hist_prev"]) == (hist, prev)


@pytest.mark.parametrize(
    ("direction", "trend", "passed"),
    [("up", "up", True), ("down", "up", False), ("with_trend", "down", True)],
)
def test_supertrend_when_direction_given_then_passes_when_it_matches(
    direction: str, trend: str, passed: bool
) -> None:
    snap = make_snapshot(trend=trend)
    result = first({"type": "supertrend", "direction": direction}, snap)
    assert result.passed is passed
    assert result.values["supertrend_direction"] == snap.indicators.supertrend_direction


@pytest.mark.parametrize(
    ("trend", "max_atr", "passed"), [("up", 1.5, True), ("up", 1.0, False), ("down", 1.5, True)]
)
def test_near_swing_level_when_price_near_the_swing_then_passes_within_max_atr(
    trend: str, max_atr: float, passed: bool
) -> None:
    snap = make_snapshot(trend=trend)
    result = first({"type": "near_swing_level", "max_atr": max_atr}, snap)
    level_name = "last_swing_low" if trend == "up" else "last_swing_high"
    level = getattr(snap.structure, level_name)
    assert result.passed is passed
    assert result.values[level_name] == level
    assert result.values["distance_atr"] == round(abs(snap.last_price - level) / ATR, 2)


@pytest.mark.parametrize(
    ("touch", "band", "passed", "side"),
    [
        ("lower", {"bb_lower": PRICE}, True, BUY),
        ("upper", {"bb_lower": PRICE}, False, SELL),
        ("either", {"bb_upper": PRICE}, True, SELL),
        ("either", {}, False, None),
        ("with_trend", {"bb_lower": PRICE}, True, BUY),
    ],
)
def test_bollinger_when_bar_reaches_a_band_then_the_touch_is_faded(
    touch: str, band: dict, passed: bool, side: Direction | None
) -> None:
    snap = make_snapshot(trend="up", indicators=band)
    result = first({"type": "bollinger", "touch": touch}, snap)
    assert (result.passed, result.direction) == (passed, side)
    assert result.values["bb_lower"] == snap.indicators.bb_lower
    assert result.values["bar_low"] == min(snap.last_price, snap.bars[-1].low)


@pytest.mark.parametrize(
    ("condition", "missing"),
    [
        ({"type": "rsi", "below": 40}, {"rsi": None}),
        (
            {"type": "price_vs_ma", "ma": "sma_200", "relation": "above"},
            {"indicators": {"sma_200": None}},
        ),
        ({"type": "macd", "signal": "cross_up"}, {"indicators": {"macd_hist_prev": None}}),
        ({"type": "bollinger", "touch": "lower"}, {"indicators": {"bb_lower": None}}),
        ({"type": "near_swing_level", "max_atr": 2}, {"swing_low": None}),
        ({"type": "near_swing_level", "max_atr": 2}, {"atr": None}),
    ],
)
def test_condition_when_indicator_missing_then_fails_saying_so(
    condition: dict, missing: dict
) -> None:
    result = first(condition, make_snapshot(**missing))
    assert not result.passed
    assert "not available" in result.detail


def test_supertrend_when_missing_then_fails_and_no_direction() -> None:
    evaluation = evaluate(
        [SUPERTREND_WITH_TREND], make_snapshot(indicators={"supertrend_direction": None})
    )
    assert not evaluation.conditions[0].passed
    assert "not available" in evaluation.conditions[0].detail
    assert evaluation.direction is None


# --- direction, matching, sessions ------------------------------------------------------------


def test_direction_when_passing_votes_agree_then_that_side_and_matched() -> None:
    conditions = [
        SUPERTREND_WITH_TREND,
        {"type": "price_vs_ma", "ma": "sma_50", "relation": "above"},
    ]
    evaluation = evaluate(conditions, make_snapshot(trend="up"))
    assert evaluation.direction is BUY
    assert evaluation.matched
    assert evaluation.reasons == []
    assert evaluation.match_ratio == 1.0


def test_direction_when_passing_votes_disagree_then_none_and_not_matched() -> None:
    conditions = [{"type": "supertrend", "direction": "up"}, {"type": "macd", "signal": "negative"}]
    snap = make_snapshot(trend="up", indicators={"macd_hist": -0.0001})
    evaluation = evaluate(conditions, snap)
    assert [c.passed for c in evaluation.conditions] == [True, True]
    assert evaluation.direction is None
    assert "disagree" in evaluation.direction_detail
    assert not evaluation.matched


def test_direction_when_a_voter_fails_then_its_vote_is_ignored_but_no_match() -> None:
    conditions = [
        {"type": "supertrend", "direction": "down"},
        {"type": "price_vs_ma", "ma": "sma_50", "relation": "above"},
    ]
    evaluation = evaluate(conditions, make_snapshot(trend="up"))
    assert evaluation.direction is BUY
    assert not evaluation.matched
    assert evaluation.match_ratio == 0.5
    assert any("condition 0 (supertrend) failed" in r for r in evaluation.reasons)


def test_direction_when_no_voter_passes_then_followers_fail_for_want_of_a_side() -> None:
    conditions = [
        {"type": "supertrend", "direction": "down"},
        {"type": "rsi", "below": 45, "mirror": True},
    ]
    evaluation = evaluate(conditions, make_snapshot(trend="up", rsi=30))
    assert evaluation.direction is None
    assert not evaluation.conditions[1].passed
    assert "no agreed direction" in evaluation.conditions[1].detail


def test_evaluate_when_symbol_not_allowed_then_not_matched_with_reason() -> None:
    evaluation = evaluate([SUPERTREND_WITH_TREND], make_snapshot(symbol="USDJPY"))
    assert not evaluation.symbol_allowed
    assert not evaluation.matched
    assert "USDJPY" in evaluation.reasons[0]


def test_evaluate_when_outside_every_session_window_then_not_matched() -> None:
    windows = [{"start": "07:00", "end": "12:00"}]
    evaluation = evaluate([SUPERTREND_WITH_TREND], make_snapshot(), session_windows=windows)
    assert not evaluation.session_open
    assert not evaluation.matched
    assert "Tue 14:00 UTC" in evaluation.session_detail


def test_evaluate_when_inactive_then_matched_is_reported_with_active_false() -> None:
    evaluation = evaluate([SUPERTREND_WITH_TREND], make_snapshot(), active=False)
    assert evaluation.matched
    assert evaluation.active is False


def test_evaluate_when_called_twice_then_same_result() -> None:
    strategy, snap = seed_strategies()[0], make_snapshot(rsi=40)
    assert evaluate_strategy(strategy, snap) == evaluate_strategy(strategy, snap.model_copy())


def window(start: str, end: str, days: list[str]) -> SessionWindow:
    return SessionWindow(start=start, end=end, days=days)


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (datetime(2024, 3, 15, 23, 0), True),  # Fri 23:00, the window's own day
        (datetime(2024, 3, 16, 1, 59), True),  # Sat 01:59, carried over from Friday
        (datetime(2024, 3, 16, 2, 0), False),  # Sat 02:00, the end is exclusive
        (datetime(2024, 3, 15, 1, 0), False),  # Fri 01:00 belongs to Thursday's window
        (datetime(2024, 3, 16, 23, 0), False),  # Sat 23:00, Saturday is not listed
    ],
)
def test_window_when_crossing_midnight_then_belongs_to_the_day_it_starts(
    at: datetime, is_open: bool
) -> None:
    assert window_open(window("22:00", "02:00", ["Fri"]), at) is is_open


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (AS_OF, True),  # Tuesday 14:00
        (AS_OF.replace(hour=17), False),
        (AS_OF.replace(day=16), False),  # a Saturday
    ],
)
def test_window_when_same_day_then_open_between_start_and_end_on_listed_days(
    at: datetime, is_open: bool
) -> None:
    assert window_open(window("12:00", "17:00", ["Mon", "Tue", "Wed", "Thu", "Fri"]), at) is is_open


def test_window_when_start_equals_end_then_open_all_day() -> None:
    w = window("00:00", "00:00", ["Tue"])
    assert window_open(w, AS_OF.replace(hour=0)) and window_open(w, AS_OF.replace(hour=23))
    assert not window_open(w, AS_OF.replace(day=13, hour=0))


# --- seeds ------------------------------------------------------------------------------------


def test_seeds_when_loaded_then_valid_active_and_cover_the_demo_desk() -> None:
    seeds = seed_strategies()
    assert len({s.name for s in seeds}) == len(seeds) == 3
    for seed in seeds:
        assert parse_strategy(seed.model_dump()) == seed
        assert seed.active and seed.timeframe == "H1"
        assert {"EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30"} <= set(seed.allowed_symbols)
        london, new_york = AS_OF.replace(hour=8), AS_OF.replace(hour=15)
        assert any(window_open(w, london) for w in seed.session_windows)
        assert any(window_open(w, new_york) for w in seed.session_windows)


@pytest.mark.parametrize("symbol", ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30"])
@pytest.mark.parametrize("trend", ["up", "down", "range"])
def test_seeds_when_evaluated_on_any_demo_market_then_every_condition_is_reported(
    symbol: str, trend: str
) -> None:
    snap = make_snapshot(symbol=symbol, trend=trend)
    for seed in seed_strategies():
        evaluation = evaluate_strategy(seed, snap)
        assert evaluation.total == len(seed.entry_conditions)
        assert evaluation.symbol_allowed and evaluation.session_open
        assert evaluation.match_ratio == round(evaluation.passed / evaluation.total, 4)


def seed(name: str) -> StrategyDefinition:
    return next(s for s in seed_strategies() if s.name == name)


@pytest.mark.parametrize(("trend", "rsi", "side"), [("up", 40, BUY), ("down", 60, SELL)])
def test_trend_pullback_when_trend_pulls_back_then_matches_with_the_trend(
    trend: str, rsi: float, side: Direction
) -> None:
    evaluation = evaluate_strategy(seed("Trend pullback"), make_snapshot(trend=trend, rsi=rsi))
    assert (evaluation.matched, evaluation.direction) == (True, side)


def test_trend_pullback_when_rsi_not_pulled_back_then_no_match() -> None:
    evaluation = evaluate_strategy(seed("Trend pullback"), make_snapshot(trend="up", rsi=58))
    assert not evaluation.matched


@pytest.mark.parametrize(
    ("band", "rsi", "side"), [({"bb_lower": PRICE}, 25, BUY), ({"bb_upper": PRICE}, 75, SELL)]
)
def test_mean_reversion_when_range_band_touched_and_rsi_stretched_then_fades_it(
    band: dict, rsi: float, side: Direction
) -> None:
    snap = make_snapshot(trend="range", rsi=rsi, indicators=band)
    evaluation = evaluate_strategy(seed("Range mean reversion"), snap)
    assert (evaluation.matched, evaluation.direction) == (True, side)


def test_breakout_when_macd_crosses_with_the_trend_then_matches() -> None:
    snap = make_snapshot(trend="up", indicators={"macd_hist_prev": -0.00002, "macd_hist": 0.0001})
    evaluation = evaluate_strategy(seed("Momentum breakout"), snap)
    assert (evaluation.matched, evaluation.direction) == (True, BUY)
