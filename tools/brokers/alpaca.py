"""Alpaca (US stocks) through its Trading API v2, paper or live. One desk lot is one share.

Calls (headers APCA-API-KEY-ID / APCA-API-SECRET-KEY on each):
- POST /v2/orders {"symbol", "qty": "10", "side": "buy"|"sell", "type": "market",
  "time_in_force": "gtc"|"day", "client_order_id"} plus, with a stop and a target,
  "order_class": "bracket", "take_profit": {"limit_price": "..."}, "stop_loss": {"stop_price":
  "..."}; with only one of them "order_class": "oto". Alpaca brackets hold one target: the first.
- GET /v2/orders:by_client_order_id?client_order_id=... (404 code 40410000 = never received)
- DELETE /v2/orders/{id}; GET /v2/orders?status=open&symbols=...; DELETE /v2/positions/{symbol}
- GET /v2/account, GET /v2/positions, GET /v2/positions/{symbol}
- GET /v2/orders?status=closed&nested=true (history: bracket parents whose stop or target leg
  filled; the desk records its own closes from close_position)

What the desk should know:
- Orders are answered before they fill: place_order usually returns `submitted`; reconcile with
  find_order. `cancelled` with filled_lots > 0 means a partial fill left a position.
- time_in_force defaults to gtc so the stop and target legs outlive the trading day.
- Positions net by symbol: position_id is the symbol, and Alpaca does not say when a position
  opened, so opened_at is the time it was read.
- account(): daily_pnl is equity minus last_equity (yesterday's close, open P/L included);
  balance is equity minus open P/L, as on an FX account, not Alpaca's cash.
- close_position cancels the symbol's open orders (the bracket legs hold the shares, and a stop
  left behind would open a short) and waits for them to go before closing at market.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Literal, Self

import httpx
from pydantic import BaseModel, Field, SecretStr, model_validator

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
from tools.brokers.http import (
    BrokerHttp,
    HttpBrokerSettings,
    Refusal,
    cancel_via,
    clear_orders,
    closed_at_mark,
    message_of,
    parse,
    refusal_by_words,
)

PAPER_URL = "https://paper-api.alpaca.markets"
LIVE_URL = "https://api.alpaca.markets"
DUPLICATE_ID = "client_order_id must be unique"

_STATUSES = {
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELLED,
    "expired": OrderStatus.CANCELLED,
    "replaced": OrderStatus.CANCELLED,
    "rejected": OrderStatus.REJECTED,
}  # every other status (new, accepted, partially_filled, pending_*, held...) is still working

# (words in Alpaca's message, code), first match wins
_REFUSALS = (
    (("market hours", "market is closed"), RejectCode.MARKET_CLOSED),
    (("insufficient qty",), RejectCode.INVALID_VOLUME),
    (("buying power", "insufficient"), RejectCode.INSUFFICIENT_MARGIN),
    (("stop_price", "limit_price", "stop_loss", "take_profit"), RejectCode.INVALID_STOPS),
    (("not cancelable",), RejectCode.NOT_CANCELLABLE),
    (("qty",), RejectCode.INVALID_VOLUME),
)


class AlpacaSettings(HttpBrokerSettings):
    paper: bool = True
    key_id: SecretStr
    secret_key: SecretStr
    time_in_force: Literal["gtc", "day"] = "gtc"

    @model_validator(mode="before")
    @classmethod
    def _url_from_paper(cls, data: Any) -> Any:
        """Without a base_url, the paper or live endpoint follows `paper`."""
        if isinstance(data, dict) and not data.get("base_url"):
            return {**data, "base_url": PAPER_URL if data.get("paper", True) else LIVE_URL}
        return data


class _Order(BaseModel):
    id: str
    client_order_id: str
    symbol: str
    side: Direction
    type: str
    status: str
    filled_qty: float = 0.0
    filled_avg_price: float | None = None
    filled_at: datetime | None = None
    stop_price: float | None = None
    legs: list[Self] | None = None


class _Position(BaseModel):
    symbol: str
    side: Literal["long", "short"]
    qty: float
    avg_entry_price: float
    current_price: float
    unrealized_pl: float


class _Account(BaseModel):
    account_number: str
    status: str
    currency: str = "USD"
    equity: float
    last_equity: float
    initial_margin: float = 0.0
    multiplier: float = Field(default=1.0, gt=0)


class _NotFound(BaseModel):
    code: Literal[40410000]  # Alpaca's code for "no such order"


def _classify(body: Any) -> Refusal | None:
    if not (isinstance(body, dict) and "code" in body):
        return None  # a 403 without Alpaca's error code is an access refusal
    return refusal_by_words(message_of(body), _REFUSALS)


def _number(value: float) -> str:
    """Alpaca's decimal strings: plain notation, no trailing zeros."""
    return f"{value:f}".rstrip("0").rstrip(".")


def _price(value: float) -> str:
    # Alpaca refuses sub-penny prices at or above $1 (and finer than 1/100 cent below it).
    return _number(round(value, 2 if value >= 1 else 4))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AlpacaBroker:
    """The Broker protocol over Alpaca's REST API v2."""

    name = "alpaca"

    def __init__(
        self,
        settings: AlpacaSettings,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._http = BrokerHttp(
            self.name,
            settings,
            _classify,
            headers={
                "APCA-API-KEY-ID": settings.key_id.get_secret_value(),
                "APCA-API-SECRET-KEY": settings.secret_key.get_secret_value(),
            },
            secrets=[settings.key_id, settings.secret_key],
            client=client,
            sleep=sleep,
        )

    @property
    def is_paper(self) -> bool:
        return self._settings.paper

    # --- orders -----------------------------------------------------------------------------

    def place_order(self, req: OrderRequest) -> OrderResult:
        body: dict[str, Any] = {
            "symbol": req.symbol,
            "qty": _number(req.lots),
            "side": req.direction.value,
            "type": "market",
            "time_in_force": self._settings.time_in_force,
            "client_order_id": req.client_order_id,
        }
        if req.stop_loss is not None:
            body["stop_loss"] = {"stop_price": _price(req.stop_loss)}
        if req.take_profits:
            body["take_profit"] = {"limit_price": _price(req.take_profits[0])}
        if req.stop_loss is not None or req.take_profits:
            both = req.stop_loss is not None and bool(req.take_profits)
            body["order_class"] = "bracket" if both else "oto"
        try:
            reply = self._http.post("/v2/orders", body)
        except BrokerRejectedError as exc:
            # A repeat of a known id places nothing: answer with the order it already named.
            known = self.find_order(req.client_order_id) if DUPLICATE_ID in exc.message else None
            if known is None:
                raise
            return known
        return _result(parse(_Order, reply.body, "alpaca order"))

    def find_order(self, client_order_id: str) -> OrderResult | None:
        reply = self._http.get(
            "/v2/orders:by_client_order_id",
            params={"client_order_id": client_order_id},
            accept={404},
        )
        if reply.status == 404:
            parse(_NotFound, reply.body, "alpaca order lookup")  # a wrong URL is not "not found"
            return None
        return _result(parse(_Order, reply.body, "alpaca order"))

    def cancel_order(self, client_order_id: str) -> OrderResult:
        def send(order: OrderResult) -> None:
            self._http.delete(f"/v2/orders/{order.broker_order_id}")

        return cancel_via(self.find_order, send, client_order_id)

    # --- positions --------------------------------------------------------------------------

    def close_position(
        self, position_id: str, price: float, reason: ExitReason = ExitReason.MANUAL
    ) -> ClosedTrade:
        """Close the symbol's whole position at market; the trade is valued at Alpaca's mark
        (see http.closed_at_mark)."""
        reply = self._http.get(f"/v2/positions/{position_id}", accept={404})
        if reply.status == 404:
            raise BrokerRejectedError(
                RejectCode.UNKNOWN_POSITION, f"no open Alpaca position in {position_id!r}"
            )
        held = parse(_Position, reply.body, "alpaca position")
        clear_orders(
            self._http,
            lambda: self._working_orders(held.symbol),
            # 404/422: the order finished on its own meanwhile
            lambda order_id: self._http.delete(f"/v2/orders/{order_id}", accept={404, 422}),
            held.symbol,
        )
        self._http.delete(f"/v2/positions/{held.symbol}")
        return closed_at_mark(self._position(held), held.current_price, self._clock(), reason)

    def _working_orders(self, symbol: str) -> list[str]:
        params = {"status": "open", "symbols": symbol}
        reply = self._http.get("/v2/orders", params=params)
        return [o.id for o in parse(list[_Order], reply.body, "alpaca orders")]

    def positions(self) -> list[OpenPosition]:
        reply = self._http.get("/v2/positions")
        return [self._position(p) for p in parse(list[_Position], reply.body, "alpaca positions")]

    def _position(self, p: _Position) -> OpenPosition:
        return OpenPosition(
            position_id=p.symbol,
            symbol=p.symbol,
            direction=Direction.BUY if p.side == "long" else Direction.SELL,
            lots=abs(p.qty),
            entry_price=p.avg_entry_price,
            opened_at=self._clock(),
            unrealized_pnl=p.unrealized_pl,
        )

    def history(self, limit: int = 50) -> list[ClosedTrade]:
        params = {"status": "closed", "nested": "true", "direction": "desc", "limit": "500"}
        closed = parse(list[_Order], self._http.get("/v2/orders", params=params).body, "orders")
        trades = (t for t in map(_trade, closed) if t is not None)
        return list(islice(trades, max(limit, 0)))

    # --- account ----------------------------------------------------------------------------

    def account(self) -> AccountState:
        acc = self._read_account()
        positions = self.positions()
        open_pnl = round(sum(p.unrealized_pnl for p in positions), 2)
        return AccountState(
            currency=acc.currency,
            balance=round(acc.equity - open_pnl, 2),
            equity=acc.equity,
            margin_used=acc.initial_margin,
            free_margin=round(acc.equity - acc.initial_margin, 2),
            leverage=acc.multiplier,
            open_pnl=open_pnl,
            daily_pnl=round(acc.equity - acc.last_equity, 2),
            start_of_day_equity=acc.last_equity,
            positions=positions,
        )

    def test_connection(self) -> str:
        """What Alpaca says about the account; raises BrokerError when it cannot answer."""
        acc = self._read_account()
        kind = "paper" if self.is_paper else "live"
        return (
            f"Alpaca {kind} account {acc.account_number} is {acc.status}: "
            f"equity {acc.equity:.2f} {acc.currency}"
        )

    def close(self) -> None:
        self._http.close()

    def _read_account(self) -> _Account:
        return parse(_Account, self._http.get("/v2/account").body, "alpaca account")


def _result(order: _Order) -> OrderResult:
    filled = order.filled_qty > 0
    return OrderResult(
        client_order_id=order.client_order_id,
        status=_STATUSES.get(order.status, OrderStatus.SUBMITTED),
        broker_order_id=order.id,
        position_id=order.symbol if filled else None,
        fill_price=order.filled_avg_price,
        filled_lots=order.filled_qty,
        filled_at=order.filled_at,
        message=f"alpaca status {order.status}",
    )


def _trade(parent: _Order) -> ClosedTrade | None:
    """The round trip of a bracket/OTO parent whose stop or target leg filled, else None."""
    legs = parent.legs or []
    exit_leg = next((leg for leg in legs if leg.status == "filled"), None)
    entry, opened = parent.filled_avg_price, parent.filled_at
    if exit_leg is None or entry is None or opened is None:
        return None
    if exit_leg.filled_avg_price is None or exit_leg.filled_at is None:
        return None
    sign = 1 if parent.side is Direction.BUY else -1
    lots = exit_leg.filled_qty
    pnl = round((exit_leg.filled_avg_price - entry) * sign * lots, 2)
    stop = next((leg.stop_price for leg in legs if leg.stop_price is not None), None)
    risk = None if stop is None else abs(entry - stop) * lots
    return ClosedTrade(
        position_id=parent.symbol,
        symbol=parent.symbol,
        direction=parent.side,
        lots=lots,
        entry_price=entry,
        exit_price=exit_leg.filled_avg_price,
        opened_at=opened,
        closed_at=exit_leg.filled_at,
        commission=0.0,
        pnl=pnl,
        r_multiple=pnl / risk if risk else None,
        exit_reason=ExitReason.TARGET if exit_leg.type == "limit" else ExitReason.STOP,
    )
