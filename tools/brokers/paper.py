"""Paper broker: fills market orders at the price the desk saw, tracks margin, stops, targets and
daily statistics in a JSON-serialisable state that the orchestrator persists (no database here).

Simplifications (a paper account, not an exchange simulator):
- Currency: an amount in the quote currency is taken as is when the quote is the account
  currency, divided by the price when the base is (USDJPY, USDCHF), and otherwise (EURGBP,
  GER40) treated as if it were already in the account currency.
- Margin is fixed at the fill: lots * contract_size * fill / leverage, converted as above.
- Commission (per lot, round turn) is charged in full at the fill, so daily P/L shows it on the
  day of the fill and the gross result on the day of the close: the daily P/Ls always add up to
  the change in balance. A closed trade's pnl is net of its commission.
- Market orders and manual closes slip against you by `slippage_pips`; stops and targets fill at
  their level, or at the bar's open when the bar gaps through them.
- With several targets the whole position closes at the first one: partial closes are not
  modelled. When one bar reaches both the stop and the target, the stop is assumed first.
- A bar is evaluated for a position only if it opened at or after the fill (an earlier bar's range
  holds prices from before the position existed); an exit is stamped with the bar's open time.
"""

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime

from tools.account import AccountState, Direction, OpenPosition
from tools.brokers.base import (
    BrokerRejectedError,
    ClosedTrade,
    ExitReason,
    OrderRequest,
    OrderResult,
    OrderStatus,
    RejectCode,
)
from tools.brokers.paper_state import DayStats, PaperAccountState, PaperPosition, PaperSettings
from tools.errors import BarDataError
from tools.instruments import Instrument

InstrumentLookup = Mapping[str, Instrument] | Callable[[str], Instrument]


# fields a paper position hands on unchanged to its public views
_OPEN_FIELDS = set(OpenPosition.model_fields) & set(PaperPosition.model_fields)
_TRADE_FIELDS = set(ClosedTrade.model_fields) & set(PaperPosition.model_fields)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _utc_date(moment: datetime) -> date:
    if moment.tzinfo is None:  # a naive time would silently be read as the host's local time
        raise ValueError(f"timezone-aware datetime required, got {moment.isoformat()}")
    return moment.astimezone(UTC).date()


def _sign(direction: Direction) -> int:
    return 1 if direction is Direction.BUY else -1


def _bar_exit(
    pos: PaperPosition, open: float, high: float, low: float
) -> tuple[float, ExitReason] | None:
    """Where and why a bar takes the position out, if it does. Prices are compared through the
    direction sign so one rule serves buys and sells."""
    sign = _sign(pos.direction)
    stop = pos.stop_loss
    target = pos.take_profits[0] if pos.take_profits else None
    adverse, favourable = (low, high) if sign > 0 else (high, low)
    if stop is not None and (open - stop) * sign <= 0:
        return open, ExitReason.STOP  # gapped through the stop
    if target is not None and (open - target) * sign >= 0:
        return open, ExitReason.TARGET  # gapped through the target: the open is the first price
    if stop is not None and (adverse - stop) * sign <= 0:
        return stop, ExitReason.STOP  # checked before the target: the conservative assumption
    if target is not None and (favourable - target) * sign >= 0:
        return target, ExitReason.TARGET
    return None


class PaperBroker:
    """The Broker protocol over a PaperAccountState. Every changing call stamps `updated_at`;
    persist `state` after it."""

    name = "paper"
    is_paper = True

    def __init__(
        self,
        state: PaperAccountState,
        settings: PaperSettings,
        instruments: InstrumentLookup,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._state = state
        self._settings = settings
        self._lookup = instruments.__getitem__ if isinstance(instruments, Mapping) else instruments
        self._clock = clock

    @property
    def state(self) -> PaperAccountState:
        return self._state

    # --- orders -----------------------------------------------------------------------------

    def place_order(self, req: OrderRequest) -> OrderResult:
        known = self._state.orders.get(req.client_order_id)
        if known is not None:
            return known
        now = self._begin_change()
        try:
            result = self._fill(req, now)
        except BrokerRejectedError as exc:
            result = OrderResult(
                client_order_id=req.client_order_id, status=OrderStatus.REJECTED, message=str(exc)
            )
            self._state.orders[req.client_order_id] = result
            raise
        self._state.orders[req.client_order_id] = result
        return result

    def find_order(self, client_order_id: str) -> OrderResult | None:
        return self._state.orders.get(client_order_id)

    def cancel_order(self, client_order_id: str) -> OrderResult:
        order = self.find_order(client_order_id)
        if order is None:
            raise BrokerRejectedError(
                RejectCode.UNKNOWN_ORDER, f"no order with client_order_id {client_order_id!r}"
            )
        raise BrokerRejectedError(
            RejectCode.NOT_CANCELLABLE,
            f"order {client_order_id!r} is already {order.status}: paper market orders are final",
            {"status": order.status},
        )

    def _fill(self, req: OrderRequest, now: datetime) -> OrderResult:
        inst = self._instrument(req.symbol)
        _check_volume(inst, req.lots)
        sign = _sign(req.direction)
        fill = inst.round_price(req.price + sign * self._settings.slippage_pips * inst.pip_size)
        _check_levels(req, fill)
        notional = req.lots * inst.contract_size * fill / self._state.leverage
        margin = self._to_account(inst, notional, fill)
        commission = round(req.lots * self._settings.commission_per_lot, 2)
        free = self._equity() - self._margin_used()
        if margin + commission > free:
            raise BrokerRejectedError(
                RejectCode.INSUFFICIENT_MARGIN,
                f"needs {margin + commission:.2f} {self._state.currency} (margin {margin:.2f} + "
                f"commission {commission:.2f}), free margin is {free:.2f}",
                {"required_margin": margin, "commission": commission, "free_margin": free},
            )
        position_id = f"paper-{self._state.next_id}"
        self._state.next_id += 1
        stop = req.stop_loss
        risk = None if stop is None else -self._gross(inst, req.direction, req.lots, fill, stop)
        self._state.positions.append(
            PaperPosition(
                position_id=position_id,
                client_order_id=req.client_order_id,
                symbol=inst.symbol,
                direction=req.direction,
                lots=req.lots,
                entry_price=fill,
                stop_loss=stop,
                take_profits=list(req.take_profits),
                initial_risk=risk,
                margin=margin,
                commission=commission,
                opened_at=now,
                last_price=fill,
                idea_id=req.idea_id,
            )
        )
        self._state.balance = round(self._state.balance - commission, 2)
        day = self._day(_utc_date(now))
        day.realized_pnl = round(day.realized_pnl - commission, 2)
        day.trades_opened += 1
        return OrderResult(
            client_order_id=req.client_order_id,
            status=OrderStatus.FILLED,
            broker_order_id=position_id,
            position_id=position_id,
            fill_price=fill,
            filled_lots=req.lots,
            commission=commission,
            filled_at=now,
        )

    # --- positions --------------------------------------------------------------------------

    def close_position(
        self, position_id: str, price: float, reason: ExitReason = ExitReason.MANUAL
    ) -> ClosedTrade:
        pos = next((p for p in self._state.positions if p.position_id == position_id), None)
        if pos is None:
            raise BrokerRejectedError(
                RejectCode.UNKNOWN_POSITION, f"no open position {position_id!r}"
            )
        now = self._begin_change()
        inst = self._instrument(pos.symbol)
        # closing trades the other way, so the slippage sign flips
        slip = _sign(pos.direction) * self._settings.slippage_pips * inst.pip_size
        return self._close(pos, inst, inst.round_price(price - slip), now, reason)

    def mark_to_market(self, prices: Mapping[str, float]) -> None:
        """Mark open positions at these prices; symbols not given keep their last mark."""
        self._begin_change()
        for pos in self._state.positions:
            if pos.symbol in prices:
                pos.last_price = prices[pos.symbol]

    def on_bar(
        self, symbol: str, bar_time: datetime, open: float, high: float, low: float, close: float
    ) -> list[ClosedTrade]:
        """Exit the symbol's positions whose stop or first target this bar reached (bar_time is
        its open time); mark the others at the close."""
        if not low <= min(open, close) <= max(open, close) <= high:
            raise BarDataError(
                f"{symbol} bar at {bar_time.isoformat()}: open {open}, high {high}, low {low}, "
                f"close {close} are not inside low..high"
            )
        _utc_date(bar_time)  # reject a naive bar time before comparing it with fill times
        self._begin_change()
        closed: list[ClosedTrade] = []
        for pos in [p for p in self._state.positions if p.symbol == symbol]:
            if bar_time < pos.opened_at:
                continue
            hit = _bar_exit(pos, open, high, low)
            if hit is None:
                pos.last_price = close
                continue
            inst = self._instrument(pos.symbol)
            price, reason = hit
            closed.append(self._close(pos, inst, inst.round_price(price), bar_time, reason))
        return closed

    def _close(
        self,
        pos: PaperPosition,
        inst: Instrument,
        exit_price: float,
        at: datetime,
        reason: ExitReason,
    ) -> ClosedTrade:
        gross = round(self._gross(inst, pos.direction, pos.lots, pos.entry_price, exit_price), 2)
        pnl = round(gross - pos.commission, 2)
        trade = ClosedTrade(
            **pos.model_dump(include=_TRADE_FIELDS),
            exit_price=exit_price,
            closed_at=at,
            pnl=pnl,
            r_multiple=pnl / pos.initial_risk if pos.initial_risk else None,
            exit_reason=reason,
        )
        state = self._state
        state.positions.remove(pos)
        state.closed_trades.append(trade)
        state.balance = round(state.balance + gross, 2)
        day = self._day(_utc_date(at))
        day.realized_pnl = round(day.realized_pnl + gross, 2)
        if pnl < 0:
            state.consecutive_losses += 1
            state.last_loss_at = at
        else:  # a win or a scratch ends the losing streak
            state.consecutive_losses = 0
        return trade

    # --- reads ------------------------------------------------------------------------------

    def account(self) -> AccountState:
        """Money rounded to cents; daily_pnl is today's realized P/L including commissions."""
        state = self._state
        today = state.days.get(_utc_date(self._now()))
        equity = self._equity()
        margin = self._margin_used()
        start = today.start_equity if today and today.start_equity is not None else equity
        return AccountState(
            currency=state.currency,
            balance=state.balance,
            equity=round(equity, 2),
            margin_used=round(margin, 2),
            free_margin=round(equity - margin, 2),
            leverage=state.leverage,
            open_pnl=round(equity - state.balance, 2),
            daily_pnl=today.realized_pnl if today else 0.0,
            start_of_day_equity=round(start, 2),
            trades_today=today.trades_opened if today else 0,
            consecutive_losses=state.consecutive_losses,
            last_loss_at=state.last_loss_at,
            positions=self.positions(),
        )

    def positions(self) -> list[OpenPosition]:
        return [
            OpenPosition(
                **p.model_dump(include=_OPEN_FIELDS),
                take_profit=p.take_profits[0] if p.take_profits else None,
                unrealized_pnl=round(self._unrealized(p), 2),
            )
            for p in self._state.positions
        ]

    def history(self, limit: int = 50) -> list[ClosedTrade]:
        return self._state.closed_trades[::-1][: max(limit, 0)]

    def reset(self, starting_balance: float | None = None) -> None:
        """Start a fresh account (same balance unless given) as a new `state` object, so persist
        `state` again afterwards; broker ids keep counting so they never repeat."""
        now = self._now()
        balance = self._state.starting_balance if starting_balance is None else starting_balance
        self._state = PaperAccountState.fresh(balance, self._settings, now, self._state.next_id)

    # --- helpers ----------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        _utc_date(now)
        return now

    def _begin_change(self) -> datetime:
        """Stamp the change and, on the first change of a UTC day, remember the equity before it."""
        now = self._now()
        day = self._day(_utc_date(now))
        if day.start_equity is None:
            day.start_equity = self._equity()
        self._state.updated_at = now
        return now

    def _day(self, day: date) -> DayStats:
        return self._state.days.setdefault(day, DayStats())

    def _instrument(self, symbol: str) -> Instrument:
        try:
            return self._lookup(symbol)
        except KeyError:  # also UnknownInstrumentError from InstrumentRegistry.get
            raise BrokerRejectedError(
                RejectCode.UNKNOWN_SYMBOL, f"no instrument definition for {symbol!r}"
            ) from None

    def _to_account(self, inst: Instrument, amount: float, price: float) -> float:
        """Quote-currency amount in the account currency (see the module docstring)."""
        currency = self._state.currency
        if inst.quote_currency != currency and inst.base_currency == currency:
            return amount / price
        return amount

    def _gross(
        self, inst: Instrument, direction: Direction, lots: float, entry: float, exit: float
    ) -> float:
        quote = (exit - entry) * _sign(direction) * lots * inst.contract_size
        return self._to_account(inst, quote, exit)

    def _unrealized(self, pos: PaperPosition) -> float:
        inst = self._instrument(pos.symbol)
        return self._gross(inst, pos.direction, pos.lots, pos.entry_price, pos.last_price)

    def _equity(self) -> float:
        return self._state.balance + sum(self._unrealized(p) for p in self._state.positions)

    def _margin_used(self) -> float:
        return sum(p.margin for p in self._state.positions)


def _check_volume(inst: Instrument, lots: float) -> None:
    steps = lots / inst.lot_step
    if not inst.min_lot <= lots <= inst.max_lot or abs(steps - round(steps)) > 1e-9:
        raise BrokerRejectedError(
            RejectCode.INVALID_VOLUME,
            f"{lots} lots of {inst.symbol}: allowed {inst.min_lot}..{inst.max_lot} "
            f"in steps of {inst.lot_step}",
            {"lots": lots, "min_lot": inst.min_lot, "max_lot": inst.max_lot},
        )


def _check_levels(req: OrderRequest, fill: float) -> None:
    """A buy's stop sits below the fill and its targets above; a sell's the other way round."""
    sign = _sign(req.direction)
    side = ("below", "above") if sign > 0 else ("above", "below")
    if req.stop_loss is not None and (fill - req.stop_loss) * sign <= 0:
        raise BrokerRejectedError(
            RejectCode.INVALID_STOPS,
            f"a {req.direction} stop must be {side[0]} the fill {fill}, got {req.stop_loss}",
            {"fill_price": fill, "stop_loss": req.stop_loss},
        )
    wrong = [t for t in req.take_profits if (t - fill) * sign <= 0]
    if wrong:
        raise BrokerRejectedError(
            RejectCode.INVALID_STOPS,
            f"a {req.direction} target must be {side[1]} the fill {fill}, got {wrong[0]}",
            {"fill_price": fill, "take_profit": wrong[0]},
        )
