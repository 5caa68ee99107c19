"""The gate's risk checks: each rule's pass, fail, boundary and severity, with its numbers.

Every case starts from one passing baseline (a valid EURUSD buy) and changes one thing.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from tools.calendar import CalendarEvent, Impact
from tools.checks import CheckResult, Severity
from tools.risk_checks import (
    RULES,
    GateInputs,
    blocking,
    news_size_factor,
    reason_codes,
    run_checks,
)
from tools.risk_config import Mode, RiskConfig

BLOCK, WARN, HALT = Severity.BLOCK, Severity.WARN, Severity.HALT
AS_OF = datetime(2025, 3, 12, 8, 0, tzinfo=UTC)  # a Wednesday, in the London kill zone

CHECK_ORDER = [
    "STRATEGY_ACTIVE",
    "STRATEGY_SYMBOL",
    "STRATEGY_SESSION",
    "STRATEGY_CONDITIONS",
    "STRATEGY_DIRECTION",
    "ENTRY_NEAR_MARKET",
    "STOP_SIDE",
    "MIN_RR",
    "MIN_PROFIT",
    "LOT_SIZE",
    "MARGIN",
    "MAX_CONCURRENT_TRADES",
    "SAME_DIRECTION_EXPOSURE",
    "DAILY_PROFIT_TARGET",
    "MAX_DAILY_DRAWDOWN",
    "MAX_TRADES_PER_SESSION",
    "MAX_TRADES_PER_DAY",
    "LOSS_COOLDOWN",
    "CONSECUTIVE_LOSSES",
    "KILL_ZONE",
    "NEWS_BLACKOUT",
    "CALENDAR_AVAILABLE",
    "TRADING_STATE",
    "MODE",
    "CONFIDENCE_THRESHOLD",
]


def event(minutes: float, currency: str = "USD", impact: Impact = Impact.HIGH) -> CalendarEvent:
    return CalendarEvent(
        title="Non-Farm Payrolls",
        currency=currency,
        time=AS_OF + timedelta(minutes=minutes),
        impact=impact,
    )


BASELINE: dict[str, Any] = {
    "symbol": "EURUSD",
    "direction": "buy",
    "entry": 1.085,
    "stop": 1.083,
    "targets": [1.089, 1.093],
    "rr": 2.0,
    "computed_lots": 0.5,
    "requested_lots": 0.5,
    "market_price": 1.0851,
    "pip_size": 0.0001,
    "contract_size": 100_000,
    "leverage": 100,
    "news_currencies": ["EUR", "USD"],
    "strategy_name": "london_trend",
    "strategy_found": True,
    "strategy_active": True,
    "strategy_symbol_allowed": True,
    "strategy_session_open": True,
    "strategy_conditions_passed": True,
    "strategy_failed_conditions": [],
    "strategy_direction": "buy",
    "strategy_expected_rr": 1.5,
    "strategy_max_lots": 1.0,
    "strategy_max_concurrent": 3,
    "strategy_news_blackout_minutes": 15,
    "open_positions_count": 1,
    "same_direction_count": 0,
    "free_margin": 10_000.0,
    "daily_pnl": 150.0,
    "trades_today": 2,
    "trades_this_session": 1,
    "consecutive_losses": 1,
    "minutes_since_last_loss": 120.0,
    "kill_zone_active": True,
    "kill_zone_name": "london_kz",
    # Near-misses the news filter must ignore: outside the window, low impact, other currency.
    "events": [event(270), event(10, "EUR", Impact.LOW), event(5, "JPY")],
    "calendar_ok": True,
    "as_of": AS_OF,
    "trading_enabled": True,
    "halt_reason": None,
    "mode": Mode.APPROVAL_REQUIRED,
    "confidence": 80.0,
}


def gate_inputs(config: dict[str, Any] | None = None, **overrides: Any) -> GateInputs:
    """The passing baseline with `overrides`; `config` holds RiskConfig fields to change."""
    return GateInputs(**{**BASELINE, **overrides, "config": RiskConfig(**(config or {}))})


def result_of(check: str, inputs: GateInputs) -> CheckResult:
    return next(r for r in run_checks(inputs) if r.id == check)


def case(
    check: str,
    when: str,
    passed: bool,
    severity: Severity,
    detail: str,
    numbers: dict[str, Any],
    config: dict[str, Any] | None = None,
    **overrides: Any,
) -> pytest.ParameterSet:
    """One row: `check` under `when` passes or fails with `severity`, showing `detail` and
    holding at least `numbers`."""
    then = "passes" if passed else f"fails_{severity}"
    inputs = gate_inputs(config, **overrides)
    return pytest.param(
        check, inputs, passed, severity, detail, numbers, id=f"{check}-when_{when}-then_{then}"
    )


# A table: one row per line of thought reads better than one argument per line.
# fmt: off
CASES = [
    # Strategy obedience
    case("STRATEGY_ACTIVE", "active", True, BLOCK,
         "strategy=london_trend found=true active=true", {"active": True}),
    case("STRATEGY_ACTIVE", "switched_off", False, BLOCK,
         "strategy=london_trend found=true active=false", {"active": False},
         strategy_active=False),
    case("STRATEGY_ACTIVE", "not_found", False, BLOCK,
         "strategy=ghost found=false active=false", {"strategy": "ghost", "found": False},
         strategy_name="ghost", strategy_found=False, strategy_active=False),
    case("STRATEGY_ACTIVE", "name_has_spaces", True, BLOCK,
         "strategy='London trend' found=true active=true", {"strategy": "London trend"},
         strategy_name="London trend"),
    case("STRATEGY_SYMBOL", "allowed", True, BLOCK,
         "symbol=EURUSD strategy=london_trend allowed=true", {"allowed": True}),
    case("STRATEGY_SYMBOL", "not_allowed", False, BLOCK,
         "symbol=EURUSD strategy=london_trend allowed=false", {"symbol": "EURUSD"},
         strategy_symbol_allowed=False),
    case("STRATEGY_SESSION", "open", True, BLOCK,
         "strategy=london_trend session_open=true", {"session_open": True}),
    case("STRATEGY_SESSION", "closed", False, BLOCK,
         "strategy=london_trend session_open=false", {"session_open": False},
         strategy_session_open=False),
    case("STRATEGY_CONDITIONS", "all_pass", True, BLOCK, "failed=0", {"failed": 0}),
    case("STRATEGY_CONDITIONS", "two_fail", False, BLOCK,
         "failed=2 (rsi_14 below 30: 41.2; macd cross_up: no cross)", {"failed": 2},
         strategy_conditions_passed=False,
         strategy_failed_conditions=["rsi_14 below 30: 41.2", "macd cross_up: no cross"]),
    case("STRATEGY_CONDITIONS", "verdict_and_failures_disagree", False, BLOCK,
         "failed=1 (supertrend: missing)", {"failed": 1},
         strategy_failed_conditions=["supertrend: missing"]),
    case("STRATEGY_DIRECTION", "same_side", True, BLOCK,
         "direction=buy strategy_direction=buy", {"direction": "buy"}),
    case("STRATEGY_DIRECTION", "strategy_says_sell", False, BLOCK,
         "direction=buy strategy_direction=sell", {"strategy_direction": "sell"},
         strategy_direction="sell"),
    case("STRATEGY_DIRECTION", "strategy_has_no_side", False, BLOCK,
         "direction=buy strategy_direction=none", {"strategy_direction": None},
         strategy_direction=None),
    # Levels
    case("ENTRY_NEAR_MARKET", "one_pip_away", True, BLOCK,
         "entry=1.085 market=1.0851 distance=0.0001 max=0.0010851",
         {"distance": 0.0001, "max": 0.0010851}),
    case("ENTRY_NEAR_MARKET", "exactly_0.1pct_away", True, BLOCK,
         "entry=1.086085 market=1.085 distance=0.001085 max=0.001085",
         {"distance": 0.001085}, entry=1.086085, market_price=1.085),
    case("ENTRY_NEAR_MARKET", "beyond_0.1pct_below", False, BLOCK,
         "entry=1.0838 market=1.085 distance=0.0012 max=0.001085",
         {"entry": 1.0838, "market": 1.085}, entry=1.0838, market_price=1.085),
    case("ENTRY_NEAR_MARKET", "exactly_2_pips_on_cheap_stock", True, BLOCK,
         "entry=5.02 market=5 distance=0.02 max=0.02", {"max": 0.02},
         entry=5.02, stop=4.9, targets=[5.5], market_price=5.0, pip_size=0.01),
    case("ENTRY_NEAR_MARKET", "beyond_2_pips_on_cheap_stock", False, BLOCK,
         "entry=5.03 market=5 distance=0.03 max=0.02", {"distance": 0.03},
         entry=5.03, stop=4.9, targets=[5.5], market_price=5.0, pip_size=0.01),
    case("STOP_SIDE", "buy_levels_sane", True, BLOCK,
         "direction=buy entry=1.085 stop=1.083 targets=1.089,1.093",
         {"stop": 1.083, "targets": [1.089, 1.093]}),
    case("STOP_SIDE", "buy_stop_above_entry", False, BLOCK,
         "direction=buy entry=1.085 stop=1.087 targets=1.089,1.093", {"stop": 1.087},
         stop=1.087),
    case("STOP_SIDE", "stop_equals_entry", False, BLOCK,
         "direction=buy entry=1.085 stop=1.085 targets=1.089,1.093", {"stop": 1.085},
         stop=1.085),
    case("STOP_SIDE", "second_target_below_buy_entry", False, BLOCK,
         "direction=buy entry=1.085 stop=1.083 targets=1.089,1.084",
         {"targets": [1.089, 1.084]}, targets=[1.089, 1.084]),
    case("STOP_SIDE", "sell_levels_mirrored", True, BLOCK,
         "direction=sell entry=1.085 stop=1.087 targets=1.081", {"direction": "sell"},
         direction="sell", stop=1.087, targets=[1.081]),
    case("STOP_SIDE", "sell_with_buy_levels", False, BLOCK,
         "direction=sell entry=1.085 stop=1.083 targets=1.089,1.093", {"direction": "sell"},
         direction="sell"),
    case("MIN_RR", "above_minimum", True, BLOCK, "rr=2 min=1.5", {"rr": 2.0, "min": 1.5}),
    case("MIN_RR", "exactly_minimum", True, BLOCK, "rr=1.5 min=1.5", {"rr": 1.5}, rr=1.5),
    case("MIN_RR", "below_config_minimum", False, BLOCK, "rr=1.49 min=1.5", {"rr": 1.49},
         rr=1.49),
    case("MIN_RR", "strategy_expects_more", False, BLOCK, "rr=2 min=2.5", {"min": 2.5},
         strategy_expected_rr=2.5),
    case("MIN_RR", "config_expects_more", False, BLOCK, "rr=2 min=3", {"min": 3.0},
         config={"min_rr": 3.0}),
    case("MIN_RR", "no_strategy_so_config_decides", True, BLOCK, "rr=1.5 min=1.5",
         {"min": 1.5}, rr=1.5, strategy_expected_rr=None),
    case("MIN_PROFIT", "40_pips", True, BLOCK, "target_pips=40 min=5",
         {"target_pips": 40.0, "min": 5.0}),
    case("MIN_PROFIT", "exactly_minimum", True, BLOCK, "target_pips=5 min=5",
         {"target_pips": 5.0}, targets=[1.0855]),
    case("MIN_PROFIT", "below_minimum", False, BLOCK, "target_pips=4 min=5",
         {"target_pips": 4.0}, targets=[1.0854]),
    case("MIN_PROFIT", "sell_below_minimum", False, BLOCK, "target_pips=4 min=5",
         {"target_pips": 4.0}, direction="sell", stop=1.087, targets=[1.0846]),
    case("MIN_PROFIT", "target_on_loss_side", False, BLOCK, "target_pips=-50 min=5",
         {"target_pips": -50.0}, targets=[1.08]),
    # Size
    case("LOT_SIZE", "exactly_computed_size", True, BLOCK,
         "lots=0.5 max=0.5 computed=0.5 config_max=1 strategy_max=1", {"lots": 0.5, "max": 0.5}),
    case("LOT_SIZE", "reduced_below_computed", True, BLOCK,
         "lots=0.2 max=0.5 computed=0.5 config_max=1 strategy_max=1", {"lots": 0.2},
         requested_lots=0.2),
    case("LOT_SIZE", "above_computed", False, BLOCK,
         "lots=0.6 max=0.5 computed=0.5 config_max=1 strategy_max=1", {"lots": 0.6},
         requested_lots=0.6),
    case("LOT_SIZE", "zero", False, BLOCK,
         "lots=0 max=0.5 computed=0.5 config_max=1 strategy_max=1", {"lots": 0.0},
         requested_lots=0.0),
    case("LOT_SIZE", "computed_size_zero", False, BLOCK,
         "lots=0.5 max=0 computed=0 config_max=1 strategy_max=1", {"max": 0.0},
         computed_lots=0.0),
    case("LOT_SIZE", "above_config_cap", False, BLOCK,
         "lots=1.5 max=1 computed=2 config_max=1 strategy_max=3", {"max": 1.0},
         computed_lots=2.0, requested_lots=1.5, strategy_max_lots=3.0),
    case("LOT_SIZE", "above_strategy_cap", False, BLOCK,
         "lots=0.5 max=0.3 computed=0.5 config_max=1 strategy_max=0.3", {"max": 0.3},
         strategy_max_lots=0.3),
    case("LOT_SIZE", "no_strategy_cap", True, BLOCK,
         "lots=0.5 max=0.5 computed=0.5 config_max=1 strategy_max=none",
         {"strategy_max": None}, strategy_max_lots=None),
    case("MARGIN", "plenty_free", True, BLOCK, "required=542.5 free=10000",
         {"required": 542.5, "free": 10_000.0}),
    case("MARGIN", "exactly_free_margin", True, BLOCK, "required=542.5 free=542.5",
         {"free": 542.5}, free_margin=542.5),
    case("MARGIN", "above_free_margin", False, BLOCK, "required=542.5 free=542.4",
         {"free": 542.4}, free_margin=542.4),
    case("MARGIN", "jpy_quote_converted_to_account", False, BLOCK, "required=500 free=499",
         {"required": 500.0}, symbol="USDJPY", entry=150.0, stop=149.8, targets=[150.4],
         market_price=150.0, pip_size=0.01, quote_to_account=1 / 150, free_margin=499.0),
    # Exposure
    case("MAX_CONCURRENT_TRADES", "below_limit", True, BLOCK, "open=2 max=3",
         {"open": 2, "max": 3}, open_positions_count=2),
    case("MAX_CONCURRENT_TRADES", "at_limit", False, BLOCK, "open=3 max=3",
         {"open": 3, "max": 3}, open_positions_count=3),
    case("MAX_CONCURRENT_TRADES", "at_strategy_limit", False, BLOCK, "open=1 max=1",
         {"max": 1}, strategy_max_concurrent=1),
    case("MAX_CONCURRENT_TRADES", "no_strategy_cap", True, BLOCK, "open=2 max=3",
         {"max": 3}, open_positions_count=2, strategy_max_concurrent=None),
    case("SAME_DIRECTION_EXPOSURE", "below_limit", True, BLOCK, "same_direction=1 max=2",
         {"same_direction": 1, "max": 2}, same_direction_count=1),
    case("SAME_DIRECTION_EXPOSURE", "at_limit", False, BLOCK, "same_direction=2 max=2",
         {"same_direction": 2}, same_direction_count=2),
    # Account
    case("DAILY_PROFIT_TARGET", "just_below_target", True, HALT,
         "daily_pnl=1999.99 target=2000", {"daily_pnl": 1999.99, "target": 2000.0},
         daily_pnl=1999.99),
    case("DAILY_PROFIT_TARGET", "target_reached", False, HALT, "daily_pnl=2000 target=2000",
         {"daily_pnl": 2000.0}, daily_pnl=2000.0),
    case("DAILY_PROFIT_TARGET", "target_reached_without_stop_after_target", False, BLOCK,
         "daily_pnl=2500 target=2000", {"daily_pnl": 2500.0},
         config={"stop_after_target": False}, daily_pnl=2500.0),
    case("DAILY_PROFIT_TARGET", "target_zero_is_off", True, HALT,
         "daily_pnl=5000 target=0 (no limit)", {"target": 0.0},
         config={"daily_profit_target": 0}, daily_pnl=5000.0),
    case("MAX_DAILY_DRAWDOWN", "in_profit", True, HALT, "loss=0 max=1000",
         {"loss": 0.0, "max": 1000.0}),
    case("MAX_DAILY_DRAWDOWN", "just_below_limit", True, HALT, "loss=999.99 max=1000",
         {"loss": 999.99}, daily_pnl=-999.99),
    case("MAX_DAILY_DRAWDOWN", "limit_reached", False, HALT, "loss=1000 max=1000",
         {"loss": 1000.0}, daily_pnl=-1000.0),
    case("MAX_DAILY_DRAWDOWN", "limit_passed_without_halt_on_drawdown", False, BLOCK,
         "loss=1200 max=1000", {"loss": 1200.0}, config={"halt_on_drawdown": False},
         daily_pnl=-1200.0),
    # Frequency
    case("MAX_TRADES_PER_SESSION", "below_limit", True, BLOCK, "session_trades=2 max=3",
         {"session_trades": 2}, trades_this_session=2),
    case("MAX_TRADES_PER_SESSION", "at_limit", False, BLOCK, "session_trades=3 max=3",
         {"session_trades": 3, "max": 3}, trades_this_session=3),
    case("MAX_TRADES_PER_SESSION", "zero_is_unlimited", True, BLOCK,
         "session_trades=50 max=0 (no limit)", {"max": 0},
         config={"max_trades_per_session": 0}, trades_this_session=50),
    case("MAX_TRADES_PER_DAY", "below_limit", True, BLOCK, "trades_today=9 max=10",
         {"trades_today": 9}, trades_today=9),
    case("MAX_TRADES_PER_DAY", "at_limit", False, BLOCK, "trades_today=10 max=10",
         {"trades_today": 10, "max": 10}, trades_today=10),
    case("MAX_TRADES_PER_DAY", "zero_is_unlimited", True, BLOCK,
         "trades_today=100 max=0 (no limit)", {"max": 0},
         config={"max_trades_per_day": 0}, trades_today=100),
    case("LOSS_COOLDOWN", "long_after_loss", True, BLOCK,
         "since_loss_minutes=120 cooldown=30", {"since_loss_minutes": 120.0, "cooldown": 30}),
    case("LOSS_COOLDOWN", "exactly_cooldown", True, BLOCK,
         "since_loss_minutes=30 cooldown=30", {"since_loss_minutes": 30.0},
         minutes_since_last_loss=30.0),
    case("LOSS_COOLDOWN", "inside_cooldown", False, BLOCK,
         "since_loss_minutes=29.5 cooldown=30", {"since_loss_minutes": 29.5},
         minutes_since_last_loss=29.5),
    case("LOSS_COOLDOWN", "never_lost", True, BLOCK,
         "since_loss_minutes=none cooldown=30 (no loss yet)", {"since_loss_minutes": None},
         minutes_since_last_loss=None),
    case("LOSS_COOLDOWN", "zero_is_off", True, BLOCK,
         "since_loss_minutes=0 cooldown=0 (no cooldown)", {"cooldown": 0},
         config={"cooldown_after_loss_minutes": 0}, minutes_since_last_loss=0.0),
    case("CONSECUTIVE_LOSSES", "below_limit", True, HALT, "losses=2 limit=3",
         {"losses": 2, "limit": 3}, consecutive_losses=2),
    case("CONSECUTIVE_LOSSES", "limit_reached", False, HALT, "losses=3 limit=3",
         {"losses": 3}, consecutive_losses=3),
    case("CONSECUTIVE_LOSSES", "zero_is_off", True, HALT, "losses=10 limit=0 (no limit)",
         {"limit": 0}, config={"consecutive_loss_limit": 0}, consecutive_losses=10),
    # Session and news
    case("KILL_ZONE", "inside_relaxed", True, WARN, "kill_zone=london_kz mode=relaxed",
         {"kill_zone": "london_kz"}),
    case("KILL_ZONE", "outside_relaxed", False, WARN, "kill_zone=none mode=relaxed",
         {"kill_zone": None}, kill_zone_active=False, kill_zone_name=None),
    case("KILL_ZONE", "inside_strict", True, BLOCK, "kill_zone=london_kz mode=strict",
         {"mode": "strict"}, config={"kill_zone_mode": "strict"}),
    case("KILL_ZONE", "outside_strict", False, BLOCK, "kill_zone=none mode=strict",
         {"mode": "strict"}, config={"kill_zone_mode": "strict"}, kill_zone_active=False,
         kill_zone_name=None),
    case("NEWS_BLACKOUT", "only_far_low_or_other_currency_events", True, BLOCK,
         "events=0 window_minutes=30 currencies=EUR,USD", {"events": 0, "window_minutes": 30}),
    case("NEWS_BLACKOUT", "high_impact_in_window_strict", False, BLOCK,
         "events=1 window_minutes=30 currencies=EUR,USD "
         "(USD Non-Farm Payrolls 2025-03-12 08:20Z)", {"events": 1},
         events=[event(20)]),
    case("NEWS_BLACKOUT", "high_impact_in_window_relaxed", False, WARN,
         "events=1 window_minutes=30 currencies=EUR,USD "
         "(USD Non-Farm Payrolls 2025-03-12 08:20Z)", {"events": 1},
         config={"news_filter_mode": "relaxed"}, events=[event(20)]),
    case("NEWS_BLACKOUT", "event_exactly_on_window_edge", False, BLOCK,
         "events=1 window_minutes=30 currencies=EUR,USD "
         "(USD Non-Farm Payrolls 2025-03-12 08:30Z)", {"events": 1}, events=[event(30)]),
    case("NEWS_BLACKOUT", "event_just_past_window_edge", True, BLOCK,
         "events=0 window_minutes=30 currencies=EUR,USD", {"events": 0}, events=[event(31)]),
    case("NEWS_BLACKOUT", "event_just_released", False, BLOCK,
         "events=1 window_minutes=30 currencies=EUR,USD "
         "(EUR Non-Farm Payrolls 2025-03-12 07:40Z)", {"events": 1},
         events=[event(-20, "EUR")]),
    case("NEWS_BLACKOUT", "strategy_window_longer", False, BLOCK,
         "events=1 window_minutes=60 currencies=EUR,USD "
         "(USD Non-Farm Payrolls 2025-03-12 08:45Z)", {"window_minutes": 60},
         strategy_news_blackout_minutes=60, events=[event(45)]),
    case("CALENDAR_AVAILABLE", "loaded", True, BLOCK, "calendar_ok=true news_mode=strict",
         {"calendar_ok": True}),
    case("CALENDAR_AVAILABLE", "down_strict", False, BLOCK,
         "calendar_ok=false news_mode=strict (news blackout cannot be verified)",
         {"calendar_ok": False}, calendar_ok=False),
    case("CALENDAR_AVAILABLE", "down_relaxed", False, WARN,
         "calendar_ok=false news_mode=relaxed (news blackout cannot be verified)",
         {"news_mode": "relaxed"}, config={"news_filter_mode": "relaxed"}, calendar_ok=False),
    # State, mode and confidence
    case("TRADING_STATE", "active", True, HALT, "trading_enabled=true",
         {"trading_enabled": True}),
    case("TRADING_STATE", "halted_with_reason", False, HALT,
         "trading_enabled=false (halted: daily drawdown 1000 reached)",
         {"trading_enabled": False}, trading_enabled=False,
         halt_reason="daily drawdown 1000 reached"),
    case("TRADING_STATE", "halted_without_reason", False, HALT,
         "trading_enabled=false (halted: no reason recorded)", {"trading_enabled": False},
         trading_enabled=False),
    case("MODE", "analysis_only", False, WARN, "mode=ANALYSIS_ONLY (orders disabled)",
         {"mode": "ANALYSIS_ONLY"}, mode=Mode.ANALYSIS_ONLY),
    *(
        case("MODE", mode.lower(), True, WARN, f"mode={mode}", {"mode": mode}, mode=mode)
        for mode in Mode
        if mode is not Mode.ANALYSIS_ONLY
    ),
    case("CONFIDENCE_THRESHOLD", "above_threshold", True, WARN, "confidence=80 min=70",
         {"confidence": 80.0, "min": 70.0}),
    case("CONFIDENCE_THRESHOLD", "exactly_threshold", True, WARN, "confidence=70 min=70",
         {"confidence": 70.0}, confidence=70.0),
    case("CONFIDENCE_THRESHOLD", "below_threshold", False, WARN, "confidence=69.9 min=70",
         {"confidence": 69.9}, confidence=69.9),
]
# fmt: on


@pytest.mark.parametrize(("check", "inputs", "passed", "severity", "detail", "numbers"), CASES)
def test_check_when_state_then_result(
    check: str,
    inputs: GateInputs,
    passed: bool,
    severity: Severity,
    detail: str,
    numbers: dict[str, Any],
) -> None:
    result = result_of(check, inputs)
    assert (result.id, result.passed, result.severity) == (check, passed, severity)
    assert result.detail == detail
    assert {name: result.numbers[name] for name in numbers} == numbers


def test_cases_when_listed_then_every_check_has_a_passing_and_a_failing_case() -> None:
    covered = {(param.values[0], param.values[2]) for param in CASES}
    assert covered == {(check, passed) for check in CHECK_ORDER for passed in (True, False)}


def test_run_checks_when_baseline_then_every_check_passes() -> None:
    results = run_checks(gate_inputs())
    assert [r.line() for r in results if not r.passed] == []


def test_rules_when_listed_then_ids_match_run_checks_one_to_one_in_order() -> None:
    results = run_checks(gate_inputs())
    assert [r.id for r in RULES] == [r.id for r in results] == CHECK_ORDER
    assert [r.category for r in RULES] == [r.category for r in results]


def test_rules_when_listed_then_each_has_a_one_line_description() -> None:
    assert all(rule.description and "\n" not in rule.description for rule in RULES)


def everything_failing() -> GateInputs:
    return gate_inputs(
        config={"kill_zone_mode": "strict"},
        strategy_name=None, strategy_found=False, strategy_active=False,
        strategy_symbol_allowed=False, strategy_session_open=False,
        strategy_conditions_passed=False, strategy_failed_conditions=["rsi: missing"],
        strategy_direction=None, entry=1.2, stop=1.3, targets=[1.1], rr=0.5,
        requested_lots=0.0, free_margin=-1.0, open_positions_count=3, same_direction_count=2,
        daily_pnl=-1000.0, trades_today=10, trades_this_session=3, consecutive_losses=3,
        minutes_since_last_loss=1.0, kill_zone_active=False, kill_zone_name=None,
        events=[event(0)], calendar_ok=False, trading_enabled=False, mode=Mode.ANALYSIS_ONLY,
        confidence=0.0,
    )  # fmt: skip


def test_run_checks_when_every_check_fails_then_order_is_unchanged() -> None:
    results = run_checks(everything_failing())
    assert [r.id for r in results] == CHECK_ORDER
    # One day's P&L cannot reach the profit target and the drawdown limit at once.
    assert reason_codes(results) == [c for c in CHECK_ORDER if c != "DAILY_PROFIT_TARGET"]


def test_run_checks_when_run_twice_then_results_are_identical() -> None:
    assert run_checks(everything_failing()) == run_checks(everything_failing())


@pytest.mark.parametrize("inputs", [gate_inputs(), everything_failing()], ids=["pass", "fail"])
def test_detail_when_any_result_then_one_line_naming_every_number(inputs: GateInputs) -> None:
    for result in run_checks(inputs):
        assert "\n" not in result.detail
        assert all(f"{name}=" in result.detail for name in result.numbers), result.line()


def test_blocking_when_block_halt_and_warn_fail_then_only_block_and_halt_returned() -> None:
    results = run_checks(gate_inputs(rr=1.0, trading_enabled=False, confidence=10.0))
    assert [r.id for r in blocking(results)] == ["MIN_RR", "TRADING_STATE"]


def test_blocking_when_only_warnings_fail_then_empty() -> None:
    results = run_checks(gate_inputs(kill_zone_active=False, confidence=10.0))
    assert blocking(results) == []


def test_reason_codes_when_checks_fail_then_failed_ids_in_check_order_warnings_included() -> None:
    results = run_checks(gate_inputs(confidence=10.0, open_positions_count=3, rr=1.0))
    assert reason_codes(results) == ["MIN_RR", "MAX_CONCURRENT_TRADES", "CONFIDENCE_THRESHOLD"]


def test_reason_codes_when_all_pass_then_empty() -> None:
    assert reason_codes(run_checks(gate_inputs())) == []


RELAXED_NEWS = {"news_filter_mode": "relaxed", "news_size_factor": 0.25}


@pytest.mark.parametrize(
    ("config", "overrides", "factor"),
    [
        pytest.param(RELAXED_NEWS, {"events": [event(10)]}, 0.25, id="relaxed_blackout"),
        pytest.param(RELAXED_NEWS, {"calendar_ok": False}, 0.25, id="relaxed_calendar_down"),
        pytest.param(RELAXED_NEWS, {}, 1.0, id="relaxed_no_news"),
        pytest.param({"news_size_factor": 0.25}, {"events": [event(10)]}, 1.0, id="strict"),
    ],
)
def test_news_size_factor_when_news_check_state_then_factor(
    config: dict[str, Any], overrides: dict[str, Any], factor: float
) -> None:
    inputs = gate_inputs(config, **overrides)
    assert news_size_factor(run_checks(inputs), inputs.config) == factor


def test_gate_inputs_when_as_of_is_naive_then_rejected() -> None:
    with pytest.raises(ValidationError, match="as_of"):
        gate_inputs(as_of=datetime(2025, 3, 12, 8, 0))


def test_gate_inputs_when_no_target_then_rejected() -> None:
    with pytest.raises(ValidationError, match="targets"):
        gate_inputs(targets=[])
