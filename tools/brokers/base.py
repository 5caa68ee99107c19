"""The broker interface every adapter (paper now, real HTTP brokers later) follows: the order it
takes, the results it returns and the errors whose class tells the caller what to do next."""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field, PositiveFloat

from tools.account import AccountState, Direction, OpenPosition
from tools.errors import ToolError
from tools.lifecycle import OrderStatus


class OrderType(StrEnum):
    MARKET = "market"


class ExitReason(StrEnum):
    STOP = "stop"
    TARGET = "target"
    MANUAL = "manual"
    TIME = "time"


class RejectCode(StrEnum):
    """Codes the brokers reject with; the paper broker uses a subset. Real adapters map their
    broker's codes onto these."""

    INSUFFICIENT_MARGIN = "INSUFFICIENT_MARGIN"
    INVALID_STOPS = "INVALID_STOPS"
    INVALID_VOLUME = "INVALID_VOLUME"
    UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    UNKNOWN_POSITION = "UNKNOWN_POSITION"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"
    MARKET_CLOSED = "MARKET_CLOSED"
    REJECTED = "REJECTED"  # a refusal that fits none of the codes above


class OrderRequest(BaseModel):
    client_order_id: str = Field(
        min_length=1, description="Idempotency key, written by the desk before the broker is called"
    )
    symbol: str = Field(min_length=1)
    direction: Direction
    lots: PositiveFloat
    order_type: OrderType = OrderType.MARKET
    price: PositiveFloat = Field(description="Reference price the desk saw when it decided")
    stop_loss: PositiveFloat | None = None
    take_profits: list[PositiveFloat] = Field(default_factory=list)
    idea_id: str | None = None


class OrderResult(BaseModel):
    client_order_id: str
    status: OrderStatus
    broker_order_id: str | None = None
    position_id: str | None = Field(default=None, description="Set when a fill opened a position")
    fill_price: float | None = None
    filled_lots: float = 0.0
    commission: float = 0.0
    filled_at: datetime | None = None
    message: str = ""


class ClosedTrade(BaseModel):
    position_id: str
    symbol: str
    direction: Direction
    lots: float
    entry_price: float
    exit_price: float
    opened_at: datetime
    closed_at: datetime
    commission: float
    pnl: float = Field(description="Account currency, after commission")
    r_multiple: float | None = Field(
        description="pnl / money at risk between entry and the initial stop; None without a stop"
    )
    exit_reason: ExitReason
    idea_id: str | None = None


class BrokerError(ToolError):
    """Base of every broker failure; the subclass decides what the caller does."""


class BrokerTemporaryError(BrokerError):
    """Timeout or lost connection: the outcome is unknown. Reads may retry with backoff; a
    placement is never retried blindly: ask `find_order(client_order_id)` first."""


class BrokerRejectedError(BrokerError):
    """The broker refused the request (margin, stops, volume, market closed...): sending the same
    request again gets the same answer. `details` holds the numbers behind the refusal."""

    def __init__(
        self, code: str, message: str, details: Mapping[str, float | str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = dict(details or {})


class BrokerAuthError(BrokerError):
    """Credentials refused or expired: halt and tell a human, retrying cannot help."""


class Broker(Protocol):
    """What the desk needs from any broker. Prices and money are in the account currency."""

    @property
    def name(self) -> str: ...

    @property
    def is_paper(self) -> bool: ...

    def place_order(self, req: OrderRequest) -> OrderResult:
        """Place an order. A client_order_id seen before returns the stored result (whatever its
        status) and places nothing. Raises BrokerRejectedError when refused."""
        ...

    def find_order(self, client_order_id: str) -> OrderResult | None:
        """The order placed under this id, or None when the broker never received it."""
        ...

    def cancel_order(self, client_order_id: str) -> OrderResult:
        """Cancel an order not yet filled; raises BrokerRejectedError when unknown or final."""
        ...

    def close_position(
        self, position_id: str, price: float, reason: ExitReason = ExitReason.MANUAL
    ) -> ClosedTrade:
        """Close a whole position at market; `price` is the reference price the desk saw."""
        ...

    def account(self) -> AccountState: ...

    def positions(self) -> list[OpenPosition]: ...

    def history(self, limit: int = 50) -> list[ClosedTrade]:
        """The most recent closed trades, newest first."""
        ...
