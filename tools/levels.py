"""Entry, stop and targets for a strategy's trade, from a snapshot; and the sanity checks on them.

Prices are rounded to the instrument's precision before distances are measured, so R:R and
pips are those of the prices an order would carry.
"""

from pydantic import BaseModel, Field

from tools.account import Direction
from tools.snapshot import Snapshot
from tools.strategies.schema import AtrStop, RMultipleTarget, StrategyDefinition

SWING_FALLBACK_ATR = 1.5  # stop distance in ATRs when a swing stop has no usable swing


class TradeLevels(BaseModel):
    symbol: str
    direction: Direction
    entry: float = Field(description="The snapshot's last price")
    stop: float
    targets: list[float]
    stop_method: str = Field(description="How the stop was placed, with its numbers")
    risk_pips: float
    reward_pips: list[float] = Field(description="Per target; negative on the wrong side")
    rr: float = Field(description="Reward to the first target / risk")
    problems: list[str] = Field(description="From validate_levels; empty when sane")


def validate_levels(
    direction: Direction | str, entry: float, stop: float, targets: list[float]
) -> list[str]:
    """Everything wrong with a set of levels, one line each (empty when they are sane)."""
    side = Direction(direction)
    sign = 1 if side is Direction.BUY else -1  # targets sit above a buy's entry, its stop below
    toward, away = ("above", "below") if sign == 1 else ("below", "above")
    problems = [
        f"{name} {price:g} is not a positive price"
        for name, price in (("entry", entry), ("stop", stop))
        if price <= 0
    ]
    if (entry - stop) * sign <= 0:
        problems.append(f"stop {stop:g} is not {away} entry {entry:g} for a {side}")
    if not targets:
        problems.append("no target")
    for n, target in enumerate(targets, start=1):
        if (target - entry) * sign <= 0:
            problems.append(f"target {n} {target:g} is not {toward} entry {entry:g} for a {side}")
    return problems


def _stop(
    strategy: StrategyDefinition, snapshot: Snapshot, side: Direction, entry: float
) -> tuple[float, str]:
    """Raw stop price and how it was placed; raises ValueError when no stop can be placed."""
    rule, atr = strategy.exit.stop, snapshot.indicators.atr_14
    sign = -1 if side is Direction.BUY else 1  # the stop sits below a buy, above a sell
    usable_atr = atr is not None and atr > 0
    if isinstance(rule, AtrStop):
        if not usable_atr:
            raise ValueError(f"cannot place an ATR stop on {snapshot.symbol}: atr_14 is {atr}")
        return entry + sign * rule.multiple * atr, f"ATR stop: {rule.multiple:g} x atr_14 {atr:g}"
    name = "last_swing_low" if side is Direction.BUY else "last_swing_high"
    swing = getattr(snapshot.structure, name)
    if swing is not None and (swing - entry) * sign > 0:
        buffer = rule.buffer_pips * snapshot.instrument.pip_size
        return swing + sign * buffer, f"swing stop: {name} {swing:g} + {rule.buffer_pips:g} pips"
    if not usable_atr:
        raise ValueError(
            f"cannot place a stop on {snapshot.symbol}: no {name} beyond entry {entry:g} "
            f"and atr_14 is {atr}"
        )
    why = "missing" if swing is None else f"{swing:g} is on the wrong side of entry {entry:g}"
    return (
        entry + sign * SWING_FALLBACK_ATR * atr,
        f"swing stop fell back to {SWING_FALLBACK_ATR:g} x atr_14 {atr:g}: {name} {why}",
    )


def compute_levels(
    strategy: StrategyDefinition, snapshot: Snapshot, direction: Direction | str
) -> TradeLevels:
    """Levels for a `direction` trade under `strategy` at the snapshot's last price.

    Raises ValueError when no stop can be placed (no ATR, and no usable swing for a swing stop)
    or when the stop rounds onto the entry.
    """
    side = Direction(direction)
    inst = snapshot.instrument
    entry = inst.round_price(snapshot.last_price)
    raw_stop, stop_method = _stop(strategy, snapshot, side, entry)
    stop = inst.round_price(raw_stop)
    risk = abs(entry - stop)
    if risk == 0:
        raise ValueError(f"stop {stop:g} equals entry {entry:g} at {inst.precision} decimals")
    sign = 1 if side is Direction.BUY else -1  # targets sit above a buy, below a sell
    targets = [
        inst.round_price(
            entry + sign * t.value * risk if isinstance(t, RMultipleTarget) else t.price
        )
        for t in strategy.exit.targets
    ]
    return TradeLevels(
        symbol=snapshot.symbol,
        direction=side,
        entry=entry,
        stop=stop,
        targets=targets,
        stop_method=stop_method,
        risk_pips=round(risk / inst.pip_size, 1),
        reward_pips=[round(sign * (t - entry) / inst.pip_size, 1) for t in targets],
        rr=round(sign * (targets[0] - entry) / risk, 2),
        problems=validate_levels(side, entry, stop, targets),
    )
