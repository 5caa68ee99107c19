"""Interactive Brokers through the Client Portal Gateway's REST API (/v1/api). The gateway holds
the brokerage session (a human logs in through its web page); a 401 means that session is gone.

Contracts: `contracts` maps each desk symbol to its IBKR contract id and how many units one desk
lot is, e.g. {"AAPL": {"conid": 265598}, "EURUSD": {"conid": 12087792, "units_per_lot":
100000}}. A symbol without an entry is refused before anything is sent.

Calls (the first use runs GET /iserver/accounts and GET /portfolio/accounts, which the gateway
requires before other calls, and checks that `account_id` is in this session):
- POST /iserver/account/{acct}/orders {"orders": [{"acctId", "conid", "orderType": "MKT",
  "side": "BUY"|"SELL", "quantity", "tif": "DAY", "cOID": client_order_id}, ...]} with the stop
  ("STP") and first target ("LMT") as GTC children carrying "parentId": cOID (an IBKR bracket:
  children have no cOID of their own). The gateway may answer with questions
  [{"id", "message": [...]}]; each is confirmed with POST /iserver/reply/{id} {"confirmed": true},
  at most `max_confirmations` times, then it answers [{"order_id", "order_status"}].
- GET /iserver/account/order/status/{orderId} right after placing, for the fill price.
- GET /iserver/account/orders (the session's live orders; matched on order_ref = cOID). The
  gateway may answer the first call after a restart with an empty list, so an id missing there is
  looked up once more before find_order says "never received". It only knows the current day.
- DELETE /iserver/account/{acct}/order/{orderId}
- GET /portfolio/{acct}/summary, /portfolio/{acct}/positions/0 (first 100 positions),
  /iserver/account/pnl/partitioned (daily P/L), /iserver/account/trades?days=7 (history)

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

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, HttpUrl

from tools.account import AccountState, Direction, OpenPosition
from tools.brokers.base import (
    BrokerAuthError,
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
    MARKET_CLOSED,
    REJECTED,
    BrokerHttp,
    BrokerProtocolError,
    HttpBrokerSettings,
    Refusal,
    cancel_via,
    clear_orders,
    closed_at_mark,
    message_of,
    parse,
    probe,
    refusal_by_words,
)

API = "/v1/api"
ALREADY_USED = "already registered"  # IBKR's words for a cOID it has seen before

_STATUSES = {
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELLED,
    "ApiCancelled": OrderStatus.CANCELLED,
    "Inactive": OrderStatus.REJECTED,
}  # PendingSubmit, PreSubmitted, Submitted, PendingCancel... are still working

_REFUSALS = (
    (("insufficient", "margin", "equity with loan"), RejectCode.INSUFFICIENT_MARGIN),
    (("stop price", "limit price", "trigger price"), RejectCode.INVALID_STOPS),
    (("quantity", "order size"), RejectCode.INVALID_VOLUME),
    (("market is closed", "trading hours"), MARKET_CLOSED),
)


class IbkrContract(BaseModel):
    conid: int
    units_per_lot: float = Field(default=1.0, gt=0, description="1 for a stock (lot = share)")


class IbkrSettings(HttpBrokerSettings):
    base_url: HttpUrl = HttpUrl("https://localhost:5000")
    # The gateway serves a self-signed certificate on localhost; verify when it sits elsewhere.
    verify_tls: bool = False
    account_id: str = Field(min_length=1)
    contracts: dict[str, IbkrContract] = Field(default_factory=dict)
    paper: bool = False
    leverage: float = Field(default=2.0, gt=0, description="2 for Reg T margin, 1 for cash")
    max_confirmations: int = Field(default=3, ge=1, le=10)


class _Amount(BaseModel):
    amount: float
    currency: str | None = None


class _Summary(BaseModel):
    netliquidation: _Amount
    availablefunds: _Amount
    initmarginreq: _Amount


class _PnlRow(BaseModel):
    dpl: float
    nl: float
    upl: float


class _Pnl(BaseModel):
    upnl: dict[str, _PnlRow]


class _Position(BaseModel):
    conid: int
    position: float
    avg_price: float = Field(alias="avgPrice")
    mkt_price: float = Field(alias="mktPrice")
    unrealized_pnl: float = Field(alias="unrealizedPnl")
    ticker: str | None = None


class _Answer(BaseModel):
    id: str | None = None
    message: list[str] = Field(default_factory=list)
    order_id: str | None = None
    order_status: str | None = None
    local_order_id: str | None = None


class _LiveOrder(BaseModel):
    """One entry of GET /iserver/account/orders."""

    order_id: int = Field(alias="orderId")
    order_ref: str | None = None
    conid: int
    status: str
    filled_units: float = Field(default=0.0, alias="filledQuantity")
    avg_price: float | None = Field(default=None, alias="avgPrice")
    last_execution_ms: int | None = Field(default=None, alias="lastExecutionTime_r")


class _LiveOrders(BaseModel):
    orders: list[_LiveOrder] = Field(default_factory=list)


class _OrderStatus(_LiveOrder):
    """GET /iserver/account/order/status/{id}: the same facts under other names."""

    order_id: int = Field(alias="order_id")
    status: str = Field(alias="order_status")
    filled_units: float = Field(default=0.0, alias="cum_fill")
    avg_price: float | None = Field(default=None, alias="average_price")


class _Execution(BaseModel):
    conid: int
    side: Literal["B", "S"]
    size: float
    price: float
    trade_time_r: int
    commission: float = 0.0
    order_ref: str | None = None


@dataclass
class _Lot:
    """Units still open from one entry execution (signed: short is negative)."""

    units: float
    fill: _Execution


def _classify(body: Any) -> Refusal | None:
    if not (isinstance(body, dict) and "error" in body):
        return None
    return refusal_by_words(message_of(body), _REFUSALS)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


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
        self._acct = settings.account_id
        self._clock = clock
        self._symbols = {c.conid: symbol for symbol, c in settings.contracts.items()}
        self._ready = False
        self._http = BrokerHttp(self.name, settings, _classify, client=client, sleep=sleep)

    @property
    def is_paper(self) -> bool:
        return self._settings.paper

    # --- orders -----------------------------------------------------------------------------

    def place_order(self, req: OrderRequest) -> OrderResult:
        contract = self._contract(req.symbol, RejectCode.UNKNOWN_SYMBOL)
        units = _quantity(req.lots * contract.units_per_lot)
        cid = req.client_order_id
        orders = [self._order(contract, req.direction, units, "MKT", "DAY", {"cOID": cid})]
        exit_side = Direction.SELL if req.direction is Direction.BUY else Direction.BUY
        exits = [("STP", req.stop_loss), ("LMT", req.take_profits[0] if req.take_profits else None)]
        for order_type, level in exits:
            if level is not None:
                link = {"parentId": cid, "price": level}
                orders.append(self._order(contract, exit_side, units, order_type, "GTC", link))
        try:
            answers = self._submit(orders)
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
            reply = self._http.get(f"{API}/iserver/account/order/status/{mine.order_id}")
            return self._result(cid, parse(_OrderStatus, reply.body, "ibkr order status"))
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
            match = next((o for o in self._live_orders() if o.order_ref == client_order_id), None)
            if match is not None:
                return self._result(client_order_id, match)
        return None

    def cancel_order(self, client_order_id: str) -> OrderResult:
        def send(order: OrderResult) -> None:
            self._cancel(str(order.broker_order_id))

        return cancel_via(self.find_order, send, client_order_id)

    def _order(
        self,
        contract: IbkrContract,
        side: Direction,
        units: float,
        order_type: str,
        tif: str,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "acctId": self._acct,
            "conid": contract.conid,
            "orderType": order_type,
            "side": side.value.upper(),
            "quantity": units,
            "tif": tif,
            **extra,
        }

    def _submit(self, orders: list[dict[str, Any]]) -> list[_Answer]:
        """Send orders and confirm the gateway's questions; the answers once none is left."""
        self._session()
        reply = self._http.post(f"{API}/iserver/account/{self._acct}/orders", {"orders": orders})
        for confirmations in range(self._settings.max_confirmations + 1):
            refusal = _classify(reply.body)  # IBKR also refuses with a 200
            if refusal is not None:
                raise self._http.rejected(refusal, reply.status, "ibkr orders")
            answers = parse(list[_Answer], reply.body, "ibkr orders")
            question = next((a for a in answers if a.id and a.message), None)
            if question is None and answers:
                return answers
            if question is None:
                raise BrokerProtocolError("ibkr orders: an empty answer")
            if confirmations == self._settings.max_confirmations:
                raise BrokerRejectedError(
                    REJECTED,
                    f"still asking after {confirmations} confirmations, so the order was not "
                    f"transmitted: {self._http.redact(' '.join(question.message))}",
                )
            reply = self._http.post(f"{API}/iserver/reply/{question.id}", {"confirmed": True})
        raise AssertionError("unreachable: the loop returns or raises")

    def _result(self, cid: str, order: _LiveOrder) -> OrderResult:
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
            filled_at=(_from_ms(at) if at else self._clock()) if filled else None,
            message=f"ibkr status {order.status}",
        )

    def _live_orders(self) -> list[_LiveOrder]:
        self._session()
        reply = self._http.get(f"{API}/iserver/account/orders")
        return parse(_LiveOrders, reply.body, "ibkr live orders").orders

    def _cancel(self, order_id: str) -> None:
        self._http.delete(f"{API}/iserver/account/{self._acct}/order/{order_id}", accept={404})

    # --- positions --------------------------------------------------------------------------

    def close_position(
        self, position_id: str, price: float, reason: ExitReason = ExitReason.MANUAL
    ) -> ClosedTrade:
        """Close the contract's whole position at market; the trade is valued at IBKR's mark
        (see http.closed_at_mark)."""
        contract = self._contract(position_id, RejectCode.UNKNOWN_POSITION)
        held = next((p for p in self._read_positions() if p.conid == contract.conid), None)
        if held is None:
            raise BrokerRejectedError(
                RejectCode.UNKNOWN_POSITION, f"no open IBKR position in {position_id!r}"
            )

        def working() -> list[str]:
            return [
                str(o.order_id)
                for o in self._live_orders()
                if o.conid == contract.conid
                and _STATUSES.get(o.status, OrderStatus.SUBMITTED) not in FINAL_STATUSES
            ]

        clear_orders(self._http, working, self._cancel, position_id)
        now = self._clock()
        side = Direction.SELL if held.position > 0 else Direction.BUY
        cid = f"close-{position_id}-{int(now.timestamp() * 1000)}"
        units = _quantity(abs(held.position))
        self._submit([self._order(contract, side, units, "MKT", "DAY", {"cOID": cid})])
        return closed_at_mark(self._open_position(held), held.mkt_price, now, reason)

    def positions(self) -> list[OpenPosition]:
        return [self._open_position(p) for p in self._read_positions()]

    def _read_positions(self) -> list[_Position]:
        self._session()
        reply = self._http.get(f"{API}/portfolio/{self._acct}/positions/0")
        return [p for p in parse(list[_Position], reply.body, "ibkr positions") if p.position]

    def _open_position(self, p: _Position) -> OpenPosition:
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
        self._session()
        reply = self._http.get(f"{API}/iserver/account/trades", params={"days": "7"})
        fills = parse(list[_Execution], reply.body, "ibkr trades")
        return self._round_trips(fills)[: max(limit, 0)]

    def _round_trips(self, fills: Iterable[_Execution]) -> list[ClosedTrade]:
        """Closed trades, newest first, pairing executions first in, first out per contract."""
        books: dict[int, list[_Lot]] = defaultdict(list)
        trades: list[ClosedTrade] = []
        for fill in sorted(fills, key=lambda f: f.trade_time_r):
            left = fill.size if fill.side == "B" else -fill.size
            book = books[fill.conid]
            while left and book and (book[0].units > 0) != (left > 0):
                lot = book[0]
                units = min(abs(left), abs(lot.units))
                trades.append(self._trade(lot, fill, units))
                lot.units += units if lot.units < 0 else -units
                left += units if left < 0 else -units
                if abs(lot.units) < 1e-9:
                    book.pop(0)
            if abs(left) > 1e-9:
                book.append(_Lot(left, fill))
        return trades[::-1]

    def _trade(self, lot: _Lot, exit_fill: _Execution, units: float) -> ClosedTrade:
        entry = lot.fill
        sign = 1 if lot.units > 0 else -1
        gross = (exit_fill.price - entry.price) * sign * units
        # each execution's commission, in proportion to the units this trade takes from it
        commission = sum(abs(f.commission) * units / f.size for f in (entry, exit_fill))
        if exit_fill.order_ref:
            reason = ExitReason.MANUAL
        else:
            reason = ExitReason.STOP if gross < 0 else ExitReason.TARGET
        symbol = self._symbol(entry.conid)
        return ClosedTrade(
            position_id=symbol,
            symbol=symbol,
            direction=Direction.BUY if sign > 0 else Direction.SELL,
            lots=units / self._units_per_lot(symbol),
            entry_price=entry.price,
            exit_price=exit_fill.price,
            opened_at=_from_ms(entry.trade_time_r),
            closed_at=_from_ms(exit_fill.trade_time_r),
            commission=round(commission, 2),
            pnl=round(gross - commission, 2),
            r_multiple=None,  # executions do not carry the initial stop
            exit_reason=reason,
        )

    # --- account ----------------------------------------------------------------------------

    def account(self) -> AccountState:
        summary = self._read_summary()
        reply = self._http.get(f"{API}/iserver/account/pnl/partitioned")
        rows = parse(_Pnl, reply.body, "ibkr pnl").upnl
        pnl = next((row for key, row in rows.items() if key.startswith(f"{self._acct}.")), None)
        if pnl is None:
            raise BrokerProtocolError(f"ibkr pnl: no row for account {self._acct}")
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

    def test_connection(self) -> tuple[bool, str]:
        def describe() -> str:
            net = self._read_summary().netliquidation
            return (
                f"IBKR gateway session is authenticated; account {self._acct}: "
                f"net liquidation {net.amount:.2f} {net.currency or 'USD'}"
            )

        return probe(describe)

    def close(self) -> None:
        self._http.close()

    def _read_summary(self) -> _Summary:
        self._session()
        reply = self._http.get(f"{API}/portfolio/{self._acct}/summary")
        return parse(_Summary, reply.body, "ibkr summary")

    # --- helpers ----------------------------------------------------------------------------

    def _session(self) -> None:
        """The gateway's required first calls, once; and the configured account must be in it."""
        if self._ready:
            return
        self._http.get(f"{API}/iserver/accounts")
        listed = parse(
            list[dict[str, Any]], self._http.get(f"{API}/portfolio/accounts").body, "ibkr accounts"
        )
        ids = {str(a.get("accountId") or a.get("id")) for a in listed}
        if self._acct not in ids:
            raise BrokerAuthError(
                f"ibkr: account {self._acct} is not in this gateway session (it has "
                f"{', '.join(sorted(ids)) or 'none'})"
            )
        self._ready = True

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
