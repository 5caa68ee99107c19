"""The paper account's state: settings, open positions, daily statistics and the whole
JSON-serialisable account that the orchestrator persists. The behaviour is in
tools.brokers.paper.PaperBroker."""

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, Field, NonNegativeFloat, PositiveFloat

from tools.account import Direction
from tools.brokers.base import ClosedTrade, OrderResult


class PaperSettings(BaseModel):
    slippage_pips: NonNegativeFloat = 0.5
    commission_per_lot: NonNegativeFloat = Field(default=7.0, description="Round turn, at fill")
    leverage: PositiveFloat = 100.0
    currency: str = "USD"


class PaperPosition(BaseModel):
    position_id: str
    client_order_id: str
    symbol: str
    direction: Direction
    lots: float
    entry_price: float
    stop_loss: float | None
    take_profits: list[float]
    initial_risk: float | None = Field(description="Money lost if the initial stop fills")
    margin: float
    commission: float
    opened_at: datetime
    last_price: float = Field(description="Latest mark; unrealized P/L is measured against it")
    idea_id: str | None = None


class DayStats(BaseModel):
    start_equity: float | None = Field(default=None, description="Equity before the first change")
    realized_pnl: float = 0.0
    trades_opened: int = 0


class PaperAccountState(BaseModel):
    currency: str
    starting_balance: PositiveFloat
    balance: float
    leverage: PositiveFloat
    positions: list[PaperPosition] = Field(default_factory=list)
    orders: dict[str, OrderResult] = Field(default_factory=dict, description="By client order id")
    closed_trades: list[ClosedTrade] = Field(default_factory=list)
    days: dict[date, DayStats] = Field(default_factory=dict, description="By UTC date")
    consecutive_losses: int = 0
    last_loss_at: datetime | None = None
    next_id: int = Field(default=1, description="Survives reset so broker ids never repeat")
    updated_at: datetime

    @classmethod
    def fresh(
        cls, starting_balance: float, settings: PaperSettings, now: datetime, next_id: int = 1
    ) -> Self:
        return cls(
            currency=settings.currency,
            starting_balance=starting_balance,
            balance=starting_balance,
            leverage=settings.leverage,
            next_id=next_id,
            updated_at=now,
        )
