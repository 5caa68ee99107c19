"""Trade ideas, the decisions that tell their story, and their orders."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas.common import Lots, RequestModel
from tools.account import Direction
from tools.checks import CheckResult
from tools.confidence import ConfidenceScore
from tools.lifecycle import DecisionAction, IdeaStatus, OrderKind, OrderStatus
from tools.risk_config import Mode


class _FromRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DecisionPublic(_FromRow):
    id: int
    created_at: datetime
    idea_id: int | None
    symbol: str | None
    action: DecisionAction
    actor: str = Field(description='"ai", "system" or "human:<user>"')
    human_override: bool
    reason_codes: list[str]
    details: dict[str, Any]
    snapshot_hash: str | None = Field(description="The snapshot_ref, when there is one")
    confidence: float | None
    mode: Mode | None


class OrderPublic(_FromRow):
    id: int
    idea_id: int
    kind: OrderKind
    client_order_id: str
    symbol: str
    direction: Direction
    lots: float
    requested_price: float
    stop: float | None
    targets: list[float]
    status: OrderStatus
    broker: str
    broker_order_id: str | None
    fill_price: float | None
    filled_at: datetime | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class IdeaSummary(_FromRow):
    """One row of the approval queue or the idea list."""

    id: int
    created_at: datetime
    expires_at: datetime | None
    symbol: str
    timeframe: str
    strategy_name: str
    direction: str = Field(description="buy, sell or none")
    status: IdeaStatus
    mode: Mode = Field(description="Mode when the idea was created")
    entry: float | None
    stop: float | None
    targets: list[float]
    computed_lots: float | None = Field(description="What code sized")
    approved_lots: float | None = Field(description="At most computed_lots")
    rr: float | None
    confidence: float | None
    reason_codes: list[str]
    llm_unavailable: bool
    snapshot_hash: str
    run_id: int | None


class IdeaDetail(IdeaSummary):
    rationale: str
    confidence_breakdown: ConfidenceScore | None
    checks: list[CheckResult] = Field(description="Every rule the gate ran, in check order")
    decisions: list[DecisionPublic] = Field(description="The idea's story, oldest first")
    orders: list[OrderPublic]

    @field_validator("confidence_breakdown", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return value or None


class IdeaList(BaseModel):
    items: list[IdeaSummary]


class ApproveRequest(RequestModel):
    lots: Lots | None = Field(
        default=None, description="A smaller size than computed; never above it"
    )


class RejectRequest(RequestModel):
    reason: str | None = Field(default=None, max_length=500)


class IdeaActResult(BaseModel):
    idea_id: int
    status: IdeaStatus = Field(description="The idea's status after the act")
