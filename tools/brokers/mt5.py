"""MetaTrader 5 through the MT5 connector: a REST bridge running beside a logged-in MT5 terminal
(blueprint §3.3, §6.6) that wraps order_send, positions_get, account_info and the deal history.
This module is the desk's side of the contract below; the bridge implements the other side.

Every request carries `Authorization: Bearer <token>`. Bodies are JSON; times ISO 8601 with a
zone; prices and money in the account currency; `lot_size` in MT5 lots.

POST /mt5/order
    {"client_order_id": "cs-42-entry", "comment": "cs-42-entry", "symbol": "XAUUSD",
     "direction": "buy", "lot_size": 0.5, "entry_type": "market", "stop_loss": 2378.5,
     "take_profit": [2398.0, 2402.0]}
    200 {"status": "ok", "mt5_order_id": 123456789, "filled_price": 2385.3,
         "position_id": 123456789, "filled_at": "2025-10-27T10:15:02Z", "commission": 3.5}
    The bridge is idempotent on client_order_id: a repeat answers with the first order and places
    nothing. `comment` is what MT5 keeps on the order and the position (31 characters at most).
    `filled_price` null means placed but not filled yet. Only "market" is sent: OrderRequest has
    no pending types. position_id, filled_at and commission are optional.
GET /mt5/orders?client_order_id=cs-42-entry
    200 {"orders": [ORDER]}, or {"orders": []} when the bridge never received that id
    ORDER = {"mt5_order_id": 123456789, "client_order_id": "cs-42-entry",
             "status": "placed" | "filled" | "rejected" | "cancelled", "lot_size": 0.5,
             "filled_price": 2385.3 | null, "position_id": 123456789 | null,
             "filled_at": "..." | null, "commission": 3.5, "message": "..."}
POST /mt5/order/cancel {"client_order_id": "cs-42-entry"}       200 ORDER
POST /mt5/position/close {"position_id": 123456789}             200 TRADE
GET /mt5/account
    200 {"currency": "USD", "leverage": 100, "balance": 12000.0, "equity": 12250.0,
         "margin_used": 4000.0, "margin_free": 8000.0, "open_pl": 250.0,
         "open_positions": [{"position_id": 123456789, "symbol": "XAUUSD", "direction": "buy",
                             "lot_size": 0.5, "entry_price": 2380.0, "stop_loss": 2370.0,
                             "take_profit": [2395.0], "unrealized_pl": 150.0,
                             "opened_at": "...", "comment": "cs-42-entry"}],
         "history": [TRADE, ...]}     newest first; at least every trade closed today (UTC)
    TRADE = {"position_id": 123456789, "symbol": "XAUUSD", "direction": "buy", "lot_size": 0.5,
             "entry_price": 2380.0, "exit_price": 2395.0, "commission": 3.5,
             "closed_pl": 746.5, "opened_at": "...", "closed_at": "...",
             "exit_reason": "sl" | "tp" | "manual", "comment": "cs-42-entry"}
    closed_pl is net of commission and swap.
Errors: 4xx {"status": "error", "retcode": 10019, "message": "No money"}, retcode being MT5's
TRADE_RETCODE_*: 10019 -> INSUFFICIENT_MARGIN, 10016 -> INVALID_STOPS, 10014 -> INVALID_VOLUME,
10018 -> MARKET_CLOSED, 10036 -> UNKNOWN_POSITION, any other -> REJECTED. 401/403: wrong token.
5xx: the terminal is disconnected or busy (temporary).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, SecretStr

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
    message_of,
    parse,
)

MAX_COMMENT = 31  # MT5 truncates longer order comments, which would break find-by-comment

_RETCODES = {
    10019: RejectCode.INSUFFICIENT_MARGIN,
    10016: RejectCode.INVALID_STOPS,
    10014: RejectCode.INVALID_VOLUME,
    10018: RejectCode.MARKET_CLOSED,
    10036: RejectCode.UNKNOWN_POSITION,
}
_STATUSES = {
    "placed": OrderStatus.SUBMITTED,
    "filled": OrderStatus.FILLED,
    "rejected": OrderStatus.REJECTED,
    "cancelled": OrderStatus.CANCELLED,
}
_EXIT_REASONS = {"sl": ExitReason.STOP, "tp": ExitReason.TARGET, "manual": ExitReason.MANUAL}


class Mt5Settings(HttpBrokerSettings):
    token: SecretStr = Field(description="Shared token the bridge expects (Bearer)")
    paper: bool = Field(default=False, description="The terminal is logged into a demo account")


class _Placed(BaseModel):
    status: Literal["ok"]
    mt5_order_id: int
    filled_price: float | None = None
    position_id: int | None = None
    filled_at: datetime | None = None
    commission: float = 0.0


class _Order(BaseModel):
    mt5_order_id: int
    client_order_id: str
    status: Literal["placed", "filled", "rejected", "cancelled"]
    lot_size: float = 0.0
    filled_price: float | None = None
    position_id: int | None = None
    filled_at: datetime | None = None
    commission: float = 0.0
    message: str = ""


class _Orders(BaseModel):
    orders: list[_Order]


class _Position(BaseModel):
    position_id: int
    symbol: str
    direction: Direction
    lot_size: float
    entry_price: float
    stop_loss: float | None = None
    take_profit: list[float] = Field(default_factory=list)
    unrealized_pl: float
    opened_at: datetime


class _Trade(BaseModel):
    position_id: int
    symbol: str
    direction: Direction
    lot_size: float
    entry_price: float
    exit_price: float
    commission: float = 0.0
    closed_pl: float
    opened_at: datetime
    closed_at: datetime
    exit_reason: Literal["sl", "tp", "manual"] = "manual"

    def closed_trade(self, reason: ExitReason | None = None) -> ClosedTrade:
        return ClosedTrade(
            position_id=str(self.position_id),
            symbol=self.symbol,
            direction=self.direction,
            lots=self.lot_size,
            entry_price=self.entry_price,
            exit_price=self.exit_price,
            opened_at=self.opened_at,
            closed_at=self.closed_at,
            commission=self.commission,
            pnl=self.closed_pl,
            r_multiple=None,  # the deal history does not keep the initial stop
            exit_reason=reason or _EXIT_REASONS[self.exit_reason],
        )


class _Account(BaseModel):
    currency: str = "USD"
    leverage: float = Field(default=100.0, gt=0)
    balance: float
    equity: float
    margin_used: float
    margin_free: float
    open_pl: float
    open_positions: list[_Position]
    history: list[_Trade]


def _classify(body: Any) -> Refusal | None:
    if not (isinstance(body, dict) and isinstance(body.get("retcode"), int)):
        return None
    retcode = body["retcode"]
    return Refusal(
        _RETCODES.get(retcode, RejectCode.REJECTED), f"{message_of(body)} (retcode {retcode})"
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Mt5Broker:
    """The Broker protocol over the MT5 bridge. Positions are MT5 positions (hedging accounts may
    hold several per symbol); their id is the MT5 position ticket."""

    name = "mt5"

    def __init__(
        self,
        settings: Mt5Settings,
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
            headers={"Authorization": f"Bearer {settings.token.get_secret_value()}"},
            secrets=[settings.token],
            client=client,
            sleep=sleep,
        )

    @property
    def is_paper(self) -> bool:
        return self._settings.paper

    def place_order(self, req: OrderRequest) -> OrderResult:
        if len(req.client_order_id) > MAX_COMMENT:
            raise BrokerRejectedError(
                RejectCode.REJECTED,
                f"client_order_id {req.client_order_id!r} is longer than the {MAX_COMMENT} "
                "characters an MT5 comment keeps; nothing was sent",
            )
        body = {
            "client_order_id": req.client_order_id,
            "comment": req.client_order_id,
            "symbol": req.symbol,
            "direction": req.direction.value,
            "lot_size": req.lots,
            "entry_type": "market",
            "stop_loss": req.stop_loss,
            "take_profit": list(req.take_profits),
        }
        placed = parse(_Placed, self._http.post("/mt5/order", body).body, "mt5 order")
        filled = placed.filled_price is not None
        return OrderResult(
            client_order_id=req.client_order_id,
            status=OrderStatus.FILLED if filled else OrderStatus.SUBMITTED,
            broker_order_id=str(placed.mt5_order_id),
            position_id=str(placed.position_id or placed.mt5_order_id) if filled else None,
            fill_price=placed.filled_price,
            filled_lots=req.lots if filled else 0.0,
            commission=placed.commission,
            filled_at=(placed.filled_at or self._clock()) if filled else None,
        )

    def find_order(self, client_order_id: str) -> OrderResult | None:
        reply = self._http.get("/mt5/orders", params={"client_order_id": client_order_id})
        found = parse(_Orders, reply.body, "mt5 orders").orders
        match = next((o for o in found if o.client_order_id == client_order_id), None)
        return None if match is None else _result(match)

    def cancel_order(self, client_order_id: str) -> OrderResult:
        def send(order: OrderResult) -> None:
            self._http.post("/mt5/order/cancel", {"client_order_id": order.client_order_id})

        return cancel_via(self.find_order, send, client_order_id)

    def close_position(
        self, position_id: str, price: float, reason: ExitReason = ExitReason.MANUAL
    ) -> ClosedTrade:
        if not position_id.isdigit():
            raise BrokerRejectedError(
                RejectCode.UNKNOWN_POSITION, f"{position_id!r} is not an MT5 position ticket"
            )
        reply = self._http.post("/mt5/position/close", {"position_id": int(position_id)})
        return parse(_Trade, reply.body, "mt5 close").closed_trade(reason)

    def account(self) -> AccountState:
        """daily_pnl: today's (UTC) closed trades, net, as the bridge's history reports them."""
        acc = self._read_account()
        today = self._clock().astimezone(UTC).date()
        closed_today = [t for t in acc.history if t.closed_at.astimezone(UTC).date() == today]
        return AccountState(
            currency=acc.currency,
            balance=acc.balance,
            equity=acc.equity,
            margin_used=acc.margin_used,
            free_margin=acc.margin_free,
            leverage=acc.leverage,
            open_pnl=acc.open_pl,
            daily_pnl=round(sum(t.closed_pl for t in closed_today), 2),
            positions=[_position(p) for p in acc.open_positions],
        )

    def positions(self) -> list[OpenPosition]:
        return [_position(p) for p in self._read_account().open_positions]

    def history(self, limit: int = 50) -> list[ClosedTrade]:
        return [t.closed_trade() for t in self._read_account().history[: max(limit, 0)]]

    def test_connection(self) -> str:
        """What the bridge says about the account; raises BrokerError when it cannot answer."""
        acc = self._read_account()
        return (
            f"MT5 bridge answered: balance {acc.balance:.2f} {acc.currency}, "
            f"equity {acc.equity:.2f}, {len(acc.open_positions)} open position(s)"
        )

    def close(self) -> None:
        self._http.close()

    def _read_account(self) -> _Account:
        return parse(_Account, self._http.get("/mt5/account").body, "mt5 account")


def _result(order: _Order) -> OrderResult:
    filled = order.filled_price is not None
    return OrderResult(
        client_order_id=order.client_order_id,
        status=_STATUSES[order.status],
        broker_order_id=str(order.mt5_order_id),
        position_id=str(order.position_id or order.mt5_order_id) if filled else None,
        fill_price=order.filled_price,
        filled_lots=order.lot_size if filled else 0.0,
        commission=order.commission,
        filled_at=order.filled_at,
        message=order.message,
    )


def _position(p: _Position) -> OpenPosition:
    return OpenPosition(
        position_id=str(p.position_id),
        symbol=p.symbol,
        direction=p.direction,
        lots=p.lot_size,
        entry_price=p.entry_price,
        stop_loss=p.stop_loss,
        take_profit=p.take_profit[0] if p.take_profit else None,
        opened_at=p.opened_at,
        unrealized_pnl=p.unrealized_pl,
    )
