"""The agent team's health, as honestly as the desk can tell without calling a model."""

from datetime import datetime

from pydantic import BaseModel, Field

from tools.lifecycle import TradingState
from tools.risk_config import Mode


class ModelStatus(BaseModel):
    offline: bool = Field(description="True when the offline rules model makes every decision")
    label: str = Field(description='The model name(s), e.g. "gpt-4o-mini"; never a key')
    endpoint: str | None = Field(description="The configured base URL, if any")
    problem: str | None = Field(description="Why the model settings cannot be used, if so")


class AgentsHealth(BaseModel):
    model: ModelStatus
    trading_state: TradingState
    halt_reason: str | None
    mode: Mode
    broker: str
    ideas_waiting: int = Field(description="Ideas waiting for a human")
    last_run_at: datetime | None = Field(description="When the last agent run started, if any")


class ConnectionCheck(BaseModel):
    ok: bool = Field(description="The endpoint answered (or none is set: the offline model)")
    message: str = Field(description='"AI online (model)" or why not, in plain words')
    model: str = Field(description="The default model's name; never a key")
    endpoint: str | None = Field(description="The configured base URL, without credentials")
