"""Shapes and input types every endpoint group shares: the error body, bounded numbers, symbols
and moments."""

from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import Gt, Le
from pydantic import (
    AfterValidator,
    AllowInfNan,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

# Moments the desk can reason about: market data, sessions and calendars outside these years are
# either not there or past what date arithmetic can hold.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_ID = 2**31 - 1
MAX_PRICE = 1e9
MAX_LOTS = 1_000.0


class ErrorDetail(BaseModel):
    code: str = Field(description="e.g. INVALID_INPUT, AI_HALTED, SNAPSHOT_NOT_FOUND")
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorResponse(BaseModel):
    """Every REST failure: {"error": {"code", "message", "details"}}."""

    error: ErrorDetail


class RequestModel(BaseModel):
    """A request body: unknown fields and non-finite numbers are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _in_range(moment: datetime) -> datetime:
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return moment.astimezone(UTC)


Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]
# No FieldInfo in these aliases, so they work for query parameters and body fields alike.
Symbol = Annotated[
    str, StringConstraints(to_upper=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$")
]
Price = Annotated[float, Gt(0), Le(MAX_PRICE), AllowInfNan(False)]
Lots = Annotated[float, Gt(0), Le(MAX_LOTS), AllowInfNan(False)]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries saying these statuses answer with the error body."""
    return {status: {"model": ErrorResponse} for status in statuses}
