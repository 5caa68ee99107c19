"""Account state as the desk sees it at one moment (from the paper or a real broker)."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Direction(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OpenPosition(BaseModel):
    position_id: str
    symbol: str
    direction: Direction
    lots: float
    entry_price: float
    stop_loss: float | None = None
    take_profit: float | None = None
    opened_at: datetime
    unrealized_pnl: float = 0.0
    idea_id: str | None = None


class AccountState(BaseModel):
    currency: str = "USD"
    balance: float
    equity: float
    margin_used: float = 0.0
    free_margin: float
    leverage: float = Field(default=100.0, gt=0)
    open_pnl: float = 0.0
    daily_pnl: float = 0.0
    start_of_day_equity: float | None = None
    trades_today: int = 0
    consecutive_losses: int = 0
    last_loss_at: datetime | None = None
    positions: list[OpenPosition] = Field(default_factory=list)

    @property
    def margin_level_pct(self) -> float | None:
        """Equity / used margin in percent; None when no margin is in use."""
        return None if self.margin_used <= 0 else 100.0 * self.equity / self.margin_used
