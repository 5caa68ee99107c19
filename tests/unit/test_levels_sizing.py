"""Trade levels (entry, stop, targets, R:R) and position sizing."""

import math
from typing import Any

import pytest

from tests.factories import instrument, make_snapshot, typical
from tools.account import Direction
from tools.levels import SWING_FALLBACK_ATR, compute_levels, validate_levels
from tools.sizing import floor_to_step, position_size
from tools.strategies import StrategyDefinition, parse_strategy

BUY, SELL = Direction.BUY, Direction.SELL
PRICE, ATR = typical("EURUSD")
EURUSD = instrument("EURUSD")


def strategy(stop: dict[str, Any], targets: list[dict[str, Any]]) -> StrategyDefinition:
    return parse_strategy(
        {
            "name": "Levels",
            "allowed_symbols": ["EURUSD", "USDJPY", "XAUUSD"],
            "timeframe": "H1",
            "entry_conditions": [{"type": "supertrend", "direction": "with_trend"}],
            "exit": {"stop": stop, "targets": targets},
            "expected_rr": 2,
        }
    )


R_TARGETS = [{"type": "r_multiple", "value": 2}, {"type": "r_multiple", "value": 3}]
ATR_STOP = {"type": "atr", "multiple": 2}
SWING_STOP = {"type": "swing", "buffer_pips": 5}


# --- levels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("side", "sign"), [(BUY, -1), (SELL, 1)])
def test_levels_when_atr_stop_then_stop_is_multiple_of_atr_beyond_entry(
    side: Direction, sign: int
) -> None:
    snap = make_snapshot()
    levels = compute_levels(strategy(ATR_STOP, R_TARGETS), snap, side)
    entry = EURUSD.round_price(snap.last_price)
    stop = EURUSD.round_price(entry + sign * 2 * ATR)
    risk = abs(entry - stop)
    assert (levels.entry, levels.stop) == (entry, stop)
    assert levels.targets == [EURUSD.round_price(entry - sign * r * risk) for r in (2, 3)]
    assert levels.risk_pips == round(risk / EURUSD.pip_size, 1)
    assert levels.rr == 2.0
    assert levels.problems == []


@pytest.mark.parametrize(
    ("side", "swing_args", "swing_name"),
    [
        (BUY, {"swing_low": PRICE - 0.0020}, "swing_low"),
        (SELL, {"swing_high": PRICE + 0.0020}, "swing_high"),
    ],
)
def test_levels_when_swing_stop_then_stop_is_buffer_beyond_the_swing(
    side: Direction, swing_args: dict, swing_name: str
) -> None:
    levels = compute_levels(strategy(SWING_STOP, R_TARGETS), make_snapshot(**swing_args), side)
    sign = -1 if side is BUY else 1
    assert levels.stop == EURUSD.round_price(swing_args[swing_name] + sign * 5 * EURUSD.pip_size)
    assert levels.risk_pips == 25.0  # 20 pips to the swing + 5 pips of buffer
    assert levels.reward_pips == [2 * levels.risk_pips, 3 * levels.risk_pips]
    assert "swing stop" in levels.stop_method


@pytest.mark.parametrize(
    "swing_args", [{"swing_low": None}, {"swing_low": PRICE + 0.0005}], ids=["none", "wrong_side"]
)
def test_levels_when_no_usable_swing_then_falls_back_to_atr_and_says_so(swing_args: dict) -> None:
    snap = make_snapshot(**swing_args)
    levels = compute_levels(strategy(SWING_STOP, R_TARGETS), snap, BUY)
    assert levels.stop == EURUSD.round_price(snap.last_price - SWING_FALLBACK_ATR * ATR)
    assert "fell back" in levels.stop_method


@pytest.mark.parametrize(
    ("stop", "snapshot_args"),
    [(ATR_STOP, {"atr": None}), (SWING_STOP, {"atr": None, "swing_low": None})],
)
def test_levels_when_no_atr_and_no_swing_then_value_error_says_why(
    stop: dict, snapshot_args: dict
) -> None:
    with pytest.raises(ValueError, match="atr_14"):
        compute_levels(strategy(stop, R_TARGETS), make_snapshot(**snapshot_args), BUY)


def test_levels_when_swing_stop_without_atr_then_swing_is_enough() -> None:
    levels = compute_levels(strategy(SWING_STOP, R_TARGETS), make_snapshot(atr=None), BUY)
    assert "swing stop" in levels.stop_method


def test_levels_when_level_target_then_rr_is_its_distance_over_risk() -> None:
    target = PRICE + 0.0033
    levels = compute_levels(
        strategy(ATR_STOP, [{"type": "level", "price": target}]), make_snapshot(), BUY
    )
    assert levels.targets == [target]
    assert levels.rr == round((target - levels.entry) / (levels.entry - levels.stop), 2)


def test_levels_when_level_target_on_the_wrong_side_then_problem_and_negative_rr() -> None:
    levels = compute_levels(
        strategy(ATR_STOP, [{"type": "level", "price": PRICE + 0.0030}]), make_snapshot(), SELL
    )
    assert levels.rr < 0
    assert levels.problems == [
        f"target 1 {PRICE + 0.0030:g} is not below entry {PRICE:g} for a sell"
    ]


@pytest.mark.parametrize("symbol", ["USDJPY", "XAUUSD"])
def test_levels_when_symbol_has_other_precision_then_prices_rounded_to_it(symbol: str) -> None:
    snap = make_snapshot(symbol=symbol, price=typical(symbol)[0] + 0.123456)
    levels = compute_levels(strategy(ATR_STOP, R_TARGETS), snap, BUY)
    digits = snap.instrument.precision
    for price in (levels.entry, levels.stop, *levels.targets):
        assert price == round(price, digits)


def test_validate_levels_when_sane_then_no_problem() -> None:
    assert validate_levels(BUY, 1.0850, 1.0830, [1.0890]) == []
    assert validate_levels("sell", 1.0850, 1.0870, [1.0810, 1.0790]) == []


@pytest.mark.parametrize(
    ("side", "stop", "targets", "expected"),
    [
        (BUY, 1.0870, [1.0890], ["stop 1.087 is not below entry 1.085 for a buy"]),
        (SELL, 1.0830, [1.0810], ["stop 1.083 is not above entry 1.085 for a sell"]),
        (BUY, 1.0830, [1.0850], ["target 1 1.085 is not above entry 1.085 for a buy"]),
        (BUY, 1.0830, [], ["no target"]),
    ],
)
def test_validate_levels_when_a_level_is_on_the_wrong_side_then_names_it(
    side: Direction, stop: float, targets: list[float], expected: list[str]
) -> None:
    assert validate_levels(side, 1.0850, stop, targets) == expected


# --- sizing -----------------------------------------------------------------------------------


def test_size_when_risk_fits_then_lots_follow_the_formula() -> None:
    # 1% of 10,000 = 100 USD; 20 pips x 10 USD per pip per lot = 200 USD per lot -> 0.5 lots
    result = position_size(10_000, 1.0, 1.0850, 1.0830, EURUSD, [5.0])
    pip_value = EURUSD.pip_size * EURUSD.contract_size
    assert result.stop_pips == 20.0
    assert result.pip_value == pip_value
    assert result.risk_amount == 100.0
    assert result.lots == 10_000 * 0.01 / (20 * pip_value)
    assert result.capped_by is None


def test_size_when_raw_lots_between_steps_then_rounded_down() -> None:
    result = position_size(10_000, 1.0, 1.0850, 1.0827, EURUSD, [5.0])  # 23 pips
    raw = 100 / (23 * 10)
    assert result.raw_lots == round(raw, 6)
    assert result.lots == math.floor(raw * 100) / 100
    assert result.actual_risk <= result.risk_amount


def test_size_when_index_lot_step_is_a_tenth_then_rounded_down_to_it() -> None:
    us30 = instrument("US30")
    result = position_size(10_000, 1.0, 39_000, 38_925, us30, [10.0])  # 75 points, 1 USD each
    assert result.lots == math.floor(100 / 75 / us30.lot_step) * us30.lot_step


def test_size_when_quote_is_not_the_account_currency_then_pip_value_converted() -> None:
    usdjpy = instrument("USDJPY")
    result = position_size(10_000, 1.0, 150.00, 149.70, usdjpy, [5.0])  # 30 pips
    pip_value = usdjpy.pip_size * usdjpy.contract_size / 150.00
    assert result.pip_value == round(pip_value, 6)
    assert result.lots == math.floor(100 / (30 * pip_value) * 100) / 100


def test_size_when_cross_without_a_rate_then_value_error_names_it() -> None:
    with pytest.raises(ValueError, match="quote_to_account"):
        position_size(10_000, 1.0, 0.8550, 0.8530, instrument("EURGBP"), [5.0])
    given = position_size(
        10_000, 1.0, 0.8550, 0.8530, instrument("EURGBP"), [5.0], quote_to_account=1.25
    )
    assert given.pip_value == 12.5


@pytest.mark.parametrize(("caps", "expected"), [([0.2, 1.0], 0.2), ([0.257], 0.25)])
def test_size_when_a_cap_is_below_the_risk_size_then_cap_binds(
    caps: list[float], expected: float
) -> None:
    result = position_size(10_000, 1.0, 1.0850, 1.0830, EURUSD, caps)  # 0.5 lots by risk
    assert result.lots == expected
    assert result.capped_by == min(caps)
    assert any("capped" in r for r in result.reasons)


def test_size_when_instrument_max_lot_is_lowest_then_it_binds() -> None:
    result = position_size(10_000_000, 5.0, 1.0850, 1.0840, EURUSD, [1_000.0])
    assert result.lots == EURUSD.max_lot
    assert result.capped_by == EURUSD.max_lot


def test_size_when_below_min_lot_then_zero_with_reason() -> None:
    result = position_size(100, 1.0, 1.0850, 1.0800, EURUSD, [1.0])  # 1 USD over 50 pips
    assert result.lots == 0.0
    assert result.actual_risk == 0.0
    assert "below" in result.reasons[-1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"risk_pct": 0}, "risk_pct"),
        ({"stop": 1.0850}, "pip from entry"),
        ({"caps": [0.0]}, "caps"),
    ],
)
def test_size_when_inputs_describe_no_trade_then_value_error(kwargs: dict, match: str) -> None:
    args = {
        "equity": 10_000,
        "risk_pct": 1.0,
        "entry": 1.0850,
        "stop": 1.0830,
        "instrument": EURUSD,
        "caps": [1.0],
    } | kwargs
    with pytest.raises(ValueError, match=match):
        position_size(**args)


@pytest.mark.parametrize(
    ("lots", "step", "expected"),
    [(0.3, 0.1, 0.3), (0.299, 0.1, 0.2), (7.0, 1, 7), (0.4399, 0.01, 0.43)],
)
def test_floor_to_step_when_float_noise_then_exact_multiples_kept(
    lots: float, step: float, expected: float
) -> None:
    assert floor_to_step(lots, step) == expected
