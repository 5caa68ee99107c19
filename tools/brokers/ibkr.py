"""Interactive Brokers through the Client Portal Gateway's REST API (/v1/api). The gateway holds
the brokerage session (a human logs in through its web page); a 401 means that session is gone.
The calls this adapter makes are listed in ibkr_gateway.py; the answers' shapes are in
ibkr_shapes.py.

Contracts: `contracts` maps each desk symbol to its IBKR contract id and how many units one desk
lot is, e.g. {"AAPL": {"conid": 265598}, "EURUSD": {"conid": 12087792, "units_per_lot":
100000}}. A symbol without an entry is refused before anything is sent.

What the desk should know:
- place_order usually returns `submitted` (IBKR answers before the fill); reconcile with
  find_order.
- Positions net by contract: position_id is the desk symbol; opened_at is the time it was read.
- history() pairs the last 7 days of executions first in, first out. An exit placed by this
  adapter's close_position carries an order reference and is `manual`; an exit without one is a
  bracket child: `stop` when it lost money, `target` when it made some. P/L is in the contract's
  currency.
- close_position cancels the contract's working orders (the bracket children) before closing.
"""

from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from tools.account import AccountState, Direction, OpenPosition
from tools.brokers.base import (
    BrokerRejectedError,
    BrokerTemporaryError,
    ClosedTrade,
    ExitReason,
    OrderRequest,
    OrderResult,
    OrderStatus,
    RejectCode,
)
from tools.brokers.http import (
    FINAL_STATUSES,
    BrokerProtocolError,
    cancel_via,
    clear_orders,
    closed_at_mark,
)
from tools.brokers.ibkr_gateway import ALREADY_USED, IbkrGateway
from tools.brokers.ibkr_history import round_trips
from tools.brokers.ibkr_shapes import IbkrContract, IbkrSettings, LiveOrder, Position, from_ms

__all__ = ["IbkrBroker", "IbkrContract", "IbkrSettings"]

_STATUSES = {
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELLED,
    "ApiCancelled": OrderStatus.CANCELLED,
    "Inactive": OrderStatus.REJECTED,
}  # PendingSubmit, PreSubmitted, Submitted, PendingCancel... are still working


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _quantity(units: float) -> float:
    return int(units) if units.is_integer() else units  # whole shares go out as integers


class IbkrBroker:
    """The Broker protocol over the IBKR Client Portal Gateway."""

    name = "ibkr"

    def __init__(
        self,
        settings: IbkrSettings,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._symbols = {c.conid: symbol for symbol, c in settings.contracts.items()}
        self._gateway = IbkrGateway(self.name, settings, client=client, sleep=sleep)
        self._http = self._gateway.http

    @property
    def is_paper(self) -> bool:
        return self._settings.paper

    # --- orders -----------------------------------------------------------------------------

    def place_order(self, req: OrderRequest) -> OrderResult:
        contract = self._contract(req.symbol, RejectCode.UNKNOWN_SYMBOL)
        units = _quantity(req.lots * contract.units_per_lot)
        cid = req.client_order_id
        ticket = self._gateway.ticket
        orders = [ticket(contract, req.direction, units, "MKT", "DAY", {"cOID": cid})]
        exit_side = Direction.SELL if req.direction is Direction.BUY else Direction.BUY
        exits = [("STP", req.stop_loss), ("LMT", req.take_profits[0] if req.take_profits else None)]
        for order_type, level in exits:
            if level is not None:
                link = {"parentId": cid, "price": level}
                orders.append(ticket(contract, exit_side, units, order_type, "GTC", link))
        try:
            answers = self._gateway.submit(orders)
        except BrokerRejectedError as exc:
            # A repeat of a known cOID places nothing: answer with the order it already named.
            known = self.find_order(cid) if ALREADY_USED in exc.message else None
            if known is None:
                raise
            return known
        mine = next((a for a in answers if a.local_order_id == cid), answers[0])
        if mine.order_id is None:
            raise BrokerProtocolError(f"ibkr orders: no order_id in the answer for {cid!r}")
        try:
            return self._result(cid, self._gateway.order_status(mine.order_id))
        except BrokerTemporaryError:  # placed for sure: the fill will show in find_order
            return OrderResult(
                client_order_id=cid,
                status=_STATUSES.get(mine.order_status or "", OrderStatus.SUBMITTED),
                broker_order_id=mine.order_id,
                message=f"ibkr status {mine.order_status}",
            )

    def find_order(self, client_order_id: str) -> OrderResult | None:
        for attempt in range(2):  # the first call after a gateway restart may list nothing
            if attempt:
                self._http.sleep(self._http.backoff(0))
            live = self._gateway.live_orders()
            match = next((o for o in live if o.order_ref == client_order_id), None)
            if match is not None:
                return self._result(client_order_id, match)
        return None

    def cancel_order(self, client_order_id: str) -> OrderResult:
        def send(order: OrderResult) -> None:
            self._gateway.cancel(str(order.broker_order_id))

        return cancel_via(self.find_order, send, client_order_id)

    def _result(self, cid: str, order: LiveOrder) -> OrderResult:
        symbol = self._symbol(order.conid)
        filled = order.filled_units > 0
        at = order.last_execution_ms
        return OrderResult(
            client_order_id=cid,
            status=_STATUSES.get(order.status, OrderStatus.SUBMITTED),
            broker_order_id=str(order.order_id),
            position_id=symbol if filled else None,
            fill_price=order.avg_price if filled else None,
            filled_lots=order.filled_units / self._units_per_lot(symbol),
            filled_at=(from_ms(at) if at else self._clock()) if filled else None,
            message=f"ibkr status {order.status}",
        )

    # --- positions --------------------------------------------------------------------------

    def close_position(
        self, position_id: str, price: float, reason: ExitReason = ExitReason.MANUAL
    ) -> ClosedTrade:
        """Close the contract's whole position at market; the trade is valued at IBKR's mark
        (see http.closed_at_mark)."""
        contract = self._contract(position_id, RejectCode.UNKNOWN_POSITION)
        held = next((p for p in self._gateway.positions() if p.conid == contract.conid), None)
        if held is None:
            raise BrokerRejectedError(
                RejectCode.UNKNOWN_POSITION, f"no open IBKR position in {position_id!r}"
            )

        def working() -> list[str]:
            return [
                str(o.order_id)
                for o in self._gateway.live_orders()
                if o.conid == contract.conid
                and _STATUSES.get(o.status, OrderStatus.SUBMITTED) not in FINAL_STATUSES
            ]

        clear_orders(self._http, working, self._gateway.cancel, position_id)
        now = self._clock()
        side = Direction.SELL if held.position > 0 else Direction.BUY
        cid = f"close-{position_id}-{int(now.timestamp() * 1000)}"
        units = _quantity(abs(held.position))
        self._gateway.submit(
            [self._gateway.ticket(contract, side, units, "MKT", "DAY", {"cOID": cid})]
        )
        return closed_at_mark(self._open_position(held), held.mkt_price, now, reason)

    def positions(self) -> list[OpenPosition]:
        return [self._open_position(p) for p in self._gateway.positions()]

    def _open_position(self, p: Position) -> OpenPosition:
        symbol = self._symbol(p.conid, p.ticker)
        return OpenPosition(
            position_id=symbol,
            symbol=symbol,
            direction=Direction.BUY if p.position > 0 else Direction.SELL,
            lots=abs(p.position) / self._units_per_lot(symbol),
            entry_price=p.avg_price,
            opened_at=self._clock(),
            unrealized_pnl=p.unrealized_pnl,
        )

    def history(self, limit: int = 50) -> list[ClosedTrade]:
        trades = round_trips(self._gateway.trades(), self._symbol, self._units_per_lot)
        return trades[: max(limit, 0)]

    # --- account ----------------------------------------------------------------------------

    def account(self) -> AccountState:
        summary = self._gateway.summary()
        pnl = self._gateway.pnl()
        equity = summary.netliquidation.amount
        return AccountState(
            currency=summary.netliquidation.currency or "USD",
            balance=round(equity - pnl.upl, 2),
            equity=equity,
            margin_used=summary.initmarginreq.amount,
            free_margin=summary.availablefunds.amount,
            leverage=self._settings.leverage,
            open_pnl=pnl.upl,
            daily_pnl=pnl.dpl,
            start_of_day_equity=round(pnl.nl - pnl.dpl, 2),
            positions=self.positions(),
        )

    def test_connection(self) -> str:
        """What the gateway says about the account; raises BrokerError when it cannot answer."""
        net = self._gateway.summary().netliquidation
        return (
            f"IBKR gateway session is authenticated; account {self._settings.account_id}: "
            f"net liquidation {net.amount:.2f} {net.currency or 'USD'}"
        )

    def close(self) -> None:
        self._gateway.close()

    # --- helpers ----------------------------------------------------------------------------

    def _contract(self, symbol: str, code: RejectCode) -> IbkrContract:
        contract = self._settings.contracts.get(symbol)
        if contract is None:
            raise BrokerRejectedError(
                code, f"no IBKR contract configured for {symbol!r} (settings: contracts)"
            )
        return contract

    def _symbol(self, conid: int, fallback: str | None = None) -> str:
        return self._symbols.get(conid) or fallback or f"conid:{conid}"

    def _units_per_lot(self, symbol: str) -> float:
        contract = self._settings.contracts.get(symbol)
        return contract.units_per_lot if contract else 1.0
