"""The IBKR adapter's settings and the Client Portal Gateway's JSON answers, in the shapes IBKR
documents (field names are IBKR's; aliases map its camelCase onto ours)."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, HttpUrl

from tools.brokers.http import HttpBrokerSettings


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


class Summary(BaseModel):
    """GET /portfolio/{acct}/summary (the fields the desk reads)."""

    netliquidation: _Amount
    availablefunds: _Amount
    initmarginreq: _Amount


class PnlRow(BaseModel):
    dpl: float
    nl: float
    upl: float


class Pnl(BaseModel):
    """GET /iserver/account/pnl/partitioned: one row per account, its key starting "{acct}."."""

    upnl: dict[str, PnlRow]


class Position(BaseModel):
    conid: int
    position: float
    avg_price: float = Field(alias="avgPrice")
    mkt_price: float = Field(alias="mktPrice")
    unrealized_pnl: float = Field(alias="unrealizedPnl")
    ticker: str | None = None


class Answer(BaseModel):
    """One entry of the answer to an order post: a question (id, message) or a placed order."""

    id: str | None = None
    message: list[str] = Field(default_factory=list)
    order_id: str | None = None
    order_status: str | None = None
    local_order_id: str | None = None


class LiveOrder(BaseModel):
    """One entry of GET /iserver/account/orders."""

    order_id: int = Field(alias="orderId")
    order_ref: str | None = None
    conid: int
    status: str
    filled_units: float = Field(default=0.0, alias="filledQuantity")
    avg_price: float | None = Field(default=None, alias="avgPrice")
    last_execution_ms: int | None = Field(default=None, alias="lastExecutionTime_r")


class LiveOrders(BaseModel):
    orders: list[LiveOrder] = Field(default_factory=list)


class LiveOrderStatus(LiveOrder):
    """GET /iserver/account/order/status/{id}: the same facts under other names."""

    order_id: int = Field(alias="order_id")
    status: str = Field(alias="order_status")
    filled_units: float = Field(default=0.0, alias="cum_fill")
    avg_price: float | None = Field(default=None, alias="average_price")


class Execution(BaseModel):
    """One entry of GET /iserver/account/trades."""

    conid: int
    side: Literal["B", "S"]
    size: float
    price: float
    trade_time_r: int
    commission: float = 0.0
    order_ref: str | None = None


def from_ms(ms: int) -> datetime:
    """An IBKR time (milliseconds since the epoch) as a UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, UTC)
