"""The desk's controls: risk config, mode and the kill switch."""

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, create_model, model_validator

from api.schemas.common import RequestModel
from tools.lifecycle import TradingState
from tools.risk_config import Mode, RiskConfig

# Changed only through /mode and /kill-switch, which carry their own rules and decision rows.
CONTROL_FIELDS = frozenset({"mode", "ai_trading_enabled", "last_halt_reason", "halted_at"})


class RiskConfigPublic(RiskConfig):
    trading_state: TradingState


def _optional(name: str) -> tuple[Any, Any]:
    field = RiskConfig.model_fields[name]
    annotated = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
    return annotated | None, Field(default=None, description=field.description)


class _Patch(BaseModel):
    # Fields it does not declare still reach the desk, which refuses them naming each one.
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


RiskConfigUpdate = create_model(
    "RiskConfigUpdate",
    __base__=_Patch,
    __doc__=(
        "Any subset of the risk config. Mode and kill-switch fields are refused here (use "
        "/mode and /kill-switch); every change is validated as a whole and logged."
    ),
    **{name: _optional(name) for name in RiskConfig.model_fields if name not in CONTROL_FIELDS},
)


class ModeOption(BaseModel):
    mode: Mode
    needs_confirmation: bool


class ModePublic(BaseModel):
    mode: Mode
    trading_state: TradingState
    next_modes: list[ModeOption] = Field(description="Where the mode may go from here")


class ModeChange(RequestModel):
    mode: Mode
    # Strict: a safety confirmation is true or false, never a string that happens to parse.
    confirm: StrictBool = Field(default=False, description="Required to enter FULL_AUTO")


class KillSwitchPublic(BaseModel):
    ai_trading_enabled: bool
    trading_state: TradingState
    halt_reason: str | None
    halted_at: datetime | None


class KillSwitchChange(RequestModel):
    ai_trading_enabled: StrictBool = Field(
        description="false halts all order submission; true resumes"
    )
    reason: str | None = Field(default=None, max_length=500, description="Required to halt")

    @model_validator(mode="after")
    def _halting_needs_reason(self) -> Self:
        if not self.ai_trading_enabled and not (self.reason and self.reason.strip()):
            raise ValueError("say why trading is halted: reason is required")
        return self
