"""What the executor agent proposes. The LLM fills it; code checks every number in it."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ProposalDirection(StrEnum):
    BUY = "buy"
    SELL = "sell"
    NONE = "none"  # the team decided not to trade


class TradeProposal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=32)
    direction: ProposalDirection
    strategy: str | None = Field(default=None, description="Name of the strategy it follows")
    entry: float | None = Field(default=None, gt=0)
    stop: float | None = Field(default=None, gt=0)
    targets: list[float] = Field(default_factory=list, max_length=5)
    lots: float | None = Field(
        default=None, gt=0, description="Optional smaller size; never above the computed size"
    )
    expected_hold_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    rationale: str = Field(default="", max_length=4000)
