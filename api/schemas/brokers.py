"""Brokers: how each configured one answered lately, which one is active, and reconciliations.

No credential is ever part of these shapes: they are built from `BrokerStatus` and
`ReconciliationRow`, which hold none.
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from api.schemas.common import RequestModel
from tools.lifecycle import BrokerHealth

# Names the settings can configure ("paper", "mt5", "alpaca", "ibkr"), bounded like the column.
BrokerName = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]


class BrokerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    is_paper: bool = Field(description="No real money: the paper broker or a broker's demo account")
    is_remote: bool = Field(description="Reached over the network; switching to it is confirmed")
    active: bool = Field(description="New orders go to this broker")
    health: BrokerHealth
    message: str = Field(description="The broker's last answer, or the last error")
    consecutive_failures: int
    last_ok_at: datetime | None
    last_failure_at: datetime | None


class ReconciliationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    broker: str
    started_at: datetime
    error: str | None = Field(description="Why the broker could not be compared; None when it was")
    settled: list[dict[str, Any]] = Field(description="In-flight orders settled")
    imported: list[dict[str, Any]] = Field(description="Broker positions the desk did not know")
    closed: list[dict[str, Any]] = Field(description="Desk positions the broker had closed")
    differences: list[dict[str, Any]] = Field(description="What a human must look at")


class BrokerList(BaseModel):
    items: list[BrokerPublic] = Field(description="Every configured broker, the active one first")
    last_reconciliation: ReconciliationPublic | None = Field(
        description="The latest reconciliation with the active broker; None before the first"
    )


class ReconciliationList(BaseModel):
    items: list[ReconciliationPublic] = Field(description="Newest first")


class BrokerChange(RequestModel):
    name: BrokerName
    # Strict: a safety confirmation is true or false, never a string that happens to parse.
    confirm: StrictBool = Field(
        default=False, description="Required to switch to a remote broker (MT5, Alpaca, IBKR)"
    )
