"""Checks on the trade itself: strategy obedience, sane levels and size."""

import math

from tools.account import Direction
from tools.checks import Category
from tools.risk_checks.base import CheckList, GateInputs, Verdict, at_least, clean

CHECKS = CheckList()

# The LLM copies the entry from the snapshot; it may not invent one. 0.1% of price covers the
# spread and a tick of drift between snapshot and proposal on any instrument; the 2-pip floor
# keeps low-priced instruments (a $5 stock) from getting a tolerance smaller than their spread.
ENTRY_TOLERANCE_PCT = 0.1
ENTRY_TOLERANCE_PIPS = 2.0
# Never risk more than the trade can win, whatever a config or strategy says.
MIN_RR_FLOOR = 1.0


@CHECKS.rule("STRATEGY_ACTIVE", Category.STRATEGY, "The named strategy exists and is switched on.")
def strategy_active(i: GateInputs) -> Verdict:
    return Verdict(
        i.strategy_found and i.strategy_active,
        {"strategy": i.strategy_name, "found": i.strategy_found, "active": i.strategy_active},
    )


@CHECKS.rule("STRATEGY_SYMBOL", Category.STRATEGY, "The strategy allows this symbol.")
def strategy_symbol(i: GateInputs) -> Verdict:
    return Verdict(
        i.strategy_symbol_allowed,
        {"symbol": i.symbol, "strategy": i.strategy_name, "allowed": i.strategy_symbol_allowed},
    )


@CHECKS.rule("STRATEGY_SESSION", Category.STRATEGY, "The strategy's session windows are open now.")
def strategy_session(i: GateInputs) -> Verdict:
    return Verdict(
        i.strategy_session_open,
        {"strategy": i.strategy_name, "session_open": i.strategy_session_open},
    )


@CHECKS.rule(
    "STRATEGY_CONDITIONS",
    Category.STRATEGY,
    "Every entry condition of the strategy passes; the detail lists the failed ones.",
)
def strategy_conditions(i: GateInputs) -> Verdict:
    failed = i.strategy_failed_conditions
    # Fail closed when the evaluation's verdict and its list of failures disagree.
    return Verdict(
        i.strategy_conditions_passed and not failed, {"failed": len(failed)}, note="; ".join(failed)
    )


@CHECKS.rule(
    "STRATEGY_DIRECTION",
    Category.STRATEGY,
    "The proposal's side is the one the strategy's conditions agree on (none fails).",
)
def strategy_direction(i: GateInputs) -> Verdict:
    return Verdict(
        i.direction == i.strategy_direction,
        {"direction": i.direction, "strategy_direction": i.strategy_direction},
    )


@CHECKS.rule(
    "ENTRY_NEAR_MARKET",
    Category.LEVELS,
    f"|entry - last price| <= max({ENTRY_TOLERANCE_PCT:g}% of price, "
    f"{ENTRY_TOLERANCE_PIPS:g} pips); the limit itself passes.",
)
def entry_near_market(i: GateInputs) -> Verdict:
    tolerance = max(i.market_price * ENTRY_TOLERANCE_PCT / 100, ENTRY_TOLERANCE_PIPS * i.pip_size)
    distance, tolerance = clean(abs(i.entry - i.market_price)), clean(tolerance)
    return Verdict(
        distance <= tolerance,
        {"entry": i.entry, "market": i.market_price, "distance": distance, "max": tolerance},
    )


@CHECKS.rule(
    "STOP_SIDE",
    Category.LEVELS,
    "Buy: stop below entry, every target above it; sell mirrored. Equal prices fail.",
)
def stop_side(i: GateInputs) -> Verdict:
    sign = _side(i.direction)
    sane = sign * (i.entry - i.stop) > 0 and all(sign * (t - i.entry) > 0 for t in i.targets)
    return Verdict(
        sane,
        {"direction": i.direction, "entry": i.entry, "stop": i.stop, "targets": i.targets},
    )


@CHECKS.rule(
    "MIN_RR",
    Category.LEVELS,
    f"R:R to the first target >= max({MIN_RR_FLOOR:g}, config min_rr, strategy expected_rr); "
    "exactly the minimum passes.",
)
def min_rr(i: GateInputs) -> Verdict:
    minimum = max(MIN_RR_FLOOR, i.config.min_rr, i.strategy_expected_rr or 0)
    return at_least("rr", i.rr, minimum)


@CHECKS.rule(
    "MIN_PROFIT",
    Category.LEVELS,
    "The first target is >= min_profit_pips from entry on the profit side; exactly the minimum "
    "passes.",
)
def min_profit(i: GateInputs) -> Verdict:
    pips = _side(i.direction) * (i.targets[0] - i.entry) / i.pip_size
    return at_least("target_pips", pips, i.config.min_profit_pips)


@CHECKS.rule(
    "LOT_SIZE",
    Category.SIZE,
    "0 < lots <= min(computed size, config max_lot_size, strategy max_lots); the cap passes.",
)
def lot_size(i: GateInputs) -> Verdict:
    cap = min(i.computed_lots, i.config.max_lot_size, i.strategy_max_lots or math.inf)
    lots, cap = clean(i.requested_lots), clean(cap)
    return Verdict(
        0 < lots <= cap,
        {
            "lots": lots,
            "max": cap,
            "computed": i.computed_lots,
            "config_max": i.config.max_lot_size,
            "strategy_max": i.strategy_max_lots,
        },
    )


@CHECKS.rule(
    "MARGIN",
    Category.SIZE,
    "Required margin (lots * contract size * entry / leverage, in account currency) <= free "
    "margin; equal passes.",
)
def margin(i: GateInputs) -> Verdict:
    required = i.requested_lots * i.contract_size * i.entry / i.leverage * i.quote_to_account
    required, free = clean(required), clean(i.free_margin)
    return Verdict(required <= free, {"required": required, "free": free})


def _side(direction: Direction) -> int:
    """+1 for a buy, -1 for a sell: multiplying a price difference by it mirrors a sell into a
    buy, so one comparison covers both sides."""
    return 1 if direction is Direction.BUY else -1
