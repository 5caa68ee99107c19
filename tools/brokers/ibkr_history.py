"""IBKR executions paired into the desk's closed trades, first in, first out per contract (the
rules are listed in tools/brokers/ibkr.py, under "What the desk should know")."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tools.account import Direction
from tools.brokers.base import ClosedTrade, ExitReason
from tools.brokers.ibkr_shapes import Execution, from_ms


@dataclass
class _Lot:
    """Units still open from one entry execution (signed: short is negative)."""

    units: float
    fill: Execution


def round_trips(
    fills: Iterable[Execution],
    symbol: Callable[[int], str],
    units_per_lot: Callable[[str], float],
) -> list[ClosedTrade]:
    """Closed trades, newest first. `symbol` names a contract id, `units_per_lot` says how many
    of its units one desk lot is."""
    books: dict[int, list[_Lot]] = defaultdict(list)
    trades: list[ClosedTrade] = []
    for fill in sorted(fills, key=lambda f: f.trade_time_r):
        left = fill.size if fill.side == "B" else -fill.size
        book = books[fill.conid]
        while left and book and (book[0].units > 0) != (left > 0):
            lot = book[0]
            units = min(abs(left), abs(lot.units))
            name = symbol(lot.fill.conid)
            trades.append(_trade(lot, fill, units, name, units_per_lot(name)))
            lot.units += units if lot.units < 0 else -units
            left += units if left < 0 else -units
            if abs(lot.units) < 1e-9:
                book.pop(0)
        if abs(left) > 1e-9:
            book.append(_Lot(left, fill))
    return trades[::-1]


def _trade(
    lot: _Lot, exit_fill: Execution, units: float, symbol: str, units_per_lot: float
) -> ClosedTrade:
    entry = lot.fill
    sign = 1 if lot.units > 0 else -1
    gross = (exit_fill.price - entry.price) * sign * units
    # each execution's commission, in proportion to the units this trade takes from it
    commission = sum(abs(f.commission) * units / f.size for f in (entry, exit_fill))
    if exit_fill.order_ref:
        reason = ExitReason.MANUAL
    else:
        reason = ExitReason.STOP if gross < 0 else ExitReason.TARGET
    return ClosedTrade(
        position_id=symbol,
        symbol=symbol,
        direction=Direction.BUY if sign > 0 else Direction.SELL,
        lots=units / units_per_lot,
        entry_price=entry.price,
        exit_price=exit_fill.price,
        opened_at=from_ms(entry.trade_time_r),
        closed_at=from_ms(exit_fill.trade_time_r),
        commission=round(commission, 2),
        pnl=round(gross - commission, 2),
        r_multiple=None,  # executions do not carry the initial stop
        exit_reason=reason,
    )
