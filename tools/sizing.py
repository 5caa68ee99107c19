"""Position size from risk: lots = (equity x risk%) / (stop distance in pips x pip value per lot),
rounded down to the lot step and never above any cap.
"""

import math
from decimal import Decimal

from pydantic import BaseModel, Field

from tools.instruments import Instrument


class SizeResult(BaseModel):
    lots: float = Field(description="0 when the trade cannot be sized; see reasons")
    raw_lots: float = Field(description="Before the lot step, caps and minimum")
    risk_amount: float = Field(description="Money risk_pct of equity allows")
    actual_risk: float = Field(description="Money lost at the stop with `lots`")
    pip_value: float = Field(description="Account money per pip per 1.0 lot")
    stop_pips: float
    capped_by: float | None = Field(description="The cap (lots) that bound the size, if any")
    reasons: list[str]


def _step_decimals(step: float) -> int:
    return max(0, -int(Decimal(str(step)).as_tuple().exponent))


def floor_to_step(lots: float, step: float) -> float:
    """Round down to a multiple of `step` (the epsilon keeps 0.3/0.1 from flooring to 0.2)."""
    return round(math.floor(lots / step + 1e-9) * step, _step_decimals(step))


def quote_to_account_rate(instrument: Instrument, price: float, account_currency: str) -> float:
    """Account money per unit of the quote currency, when the instrument itself tells it."""
    if instrument.quote_currency == account_currency:
        return 1.0
    if instrument.base_currency == account_currency:
        return 1.0 / price
    raise ValueError(
        f"{instrument.symbol} is quoted in {instrument.quote_currency}: pass quote_to_account "
        f"({instrument.quote_currency}->{account_currency}) to size it in {account_currency}"
    )


def position_size(
    equity: float,
    risk_pct: float,
    entry: float,
    stop: float,
    instrument: Instrument,
    caps: list[float],
    *,
    account_currency: str = "USD",
    quote_to_account: float | None = None,
) -> SizeResult:
    """Lots risking `risk_pct` % of `equity` between entry and stop, within every cap.

    Raises ValueError on inputs that cannot describe a trade (risk_pct <= 0, stop == entry,
    a cap <= 0, a quote currency it cannot convert); a trade too small to place gives 0 lots.
    """
    if risk_pct <= 0:
        raise ValueError(f"risk_pct must be positive, got {risk_pct}")
    if any(cap <= 0 for cap in caps):
        raise ValueError(f"caps must be positive, got {caps}")
    stop_pips = round(abs(entry - stop) / instrument.pip_size, 1)
    if stop_pips == 0:
        raise ValueError(f"stop {stop} is less than 0.1 pip from entry {entry}")
    rate = (
        quote_to_account
        if quote_to_account is not None
        else quote_to_account_rate(instrument, entry, account_currency)
    )
    pip_value = instrument.pip_value_per_lot(rate)
    risk_amount = max(equity, 0.0) * risk_pct / 100
    raw = risk_amount / (stop_pips * pip_value)
    reasons = [
        f"{risk_pct:g}% of equity {equity:.2f} = {risk_amount:.2f} {account_currency} over "
        f"{stop_pips:g} pips x {pip_value:.4g} per pip per lot = {raw:.4f} lots"
    ]
    limit = min([*caps, instrument.max_lot])
    capped_by = limit if raw > limit else None
    lots = floor_to_step(min(raw, limit), instrument.lot_step)
    if capped_by is not None:
        source = "instrument max_lot" if limit == instrument.max_lot else "cap"
        reasons.append(f"capped by {source} {limit:g} lots")
    if lots < instrument.min_lot:
        reasons.append(
            f"{lots:g} lots after rounding to step {instrument.lot_step:g} is below the "
            f"{instrument.symbol} minimum {instrument.min_lot:g}: no trade"
        )
        lots = 0.0
    return SizeResult(
        lots=lots,
        raw_lots=round(raw, 6),
        risk_amount=round(risk_amount, 2),
        actual_risk=round(lots * stop_pips * pip_value, 2),
        pip_value=round(pip_value, 6),
        stop_pips=stop_pips,
        capped_by=capped_by,
        reasons=reasons,
    )
