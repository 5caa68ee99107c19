"""The desk's risk configuration (one row in the database) with validated ranges.

Zero means "no limit" for the count limits and the daily target. Money is in account currency.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Mode(StrEnum):
    ANALYSIS_ONLY = "ANALYSIS_ONLY"  # record ideas, never order
    SIMULATION = "SIMULATION"  # paper fills automatically
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"  # every passing idea waits for a human
    SEMI_AUTO = "SEMI_AUTO"  # auto at/above threshold, queue the rest
    FULL_AUTO = "FULL_AUTO"  # execute every passing idea


class Strictness(StrEnum):
    STRICT = "strict"  # block
    RELAXED = "relaxed"  # warn (kill zone) or reduce size (news)


class RiskConfig(BaseModel):
    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    ai_trading_enabled: bool = True
    mode: Mode = Mode.APPROVAL_REQUIRED
    min_confidence_threshold: float = Field(default=70.0, ge=0, le=100)
    risk_per_trade_pct: float = Field(default=1.0, gt=0, le=5)
    max_lot_size: float = Field(default=1.0, gt=0, le=100)
    max_concurrent_trades: int = Field(default=3, ge=1, le=50)
    max_same_direction_trades: int = Field(default=2, ge=1, le=50)
    daily_profit_target: float = Field(default=2000.0, ge=0)
    stop_after_target: bool = True
    max_daily_drawdown: float = Field(default=1000.0, gt=0)
    halt_on_drawdown: bool = True
    max_trades_per_session: int = Field(default=3, ge=0, le=100)
    max_trades_per_day: int = Field(default=10, ge=0, le=100)
    cooldown_after_loss_minutes: int = Field(default=30, ge=0, le=24 * 60)
    consecutive_loss_limit: int = Field(default=3, ge=0, le=20)
    kill_zone_mode: Strictness = Strictness.RELAXED
    news_filter_mode: Strictness = Strictness.STRICT
    news_blackout_minutes: int = Field(default=30, ge=0, le=24 * 60)
    news_size_factor: float = Field(
        default=0.5, gt=0, le=1, description="Lot multiplier in relaxed news mode"
    )
    min_rr: float = Field(default=1.5, ge=1, le=20)
    min_profit_pips: float = Field(default=5.0, ge=0, description="First target distance")
    approval_price_tolerance_pct: float = Field(
        default=0.1, ge=0, le=10, description="Max price move between proposal and approval"
    )
    idea_expiry_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    last_halt_reason: str | None = None
    halted_at: datetime | None = None
