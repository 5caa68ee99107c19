"""The desk's controls: mode, kill switch (halt / resume) and the risk config.

Every change happens in the caller's transaction and writes a decision row; the risk config row
is locked first so two changes cannot interleave.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlmodel import Session

from orchestrator.errors import ConfirmationRequired, InvalidInput
from orchestrator.state_machines import MODE, TRADING_STATE, mode_change_needs_confirmation
from store.records import (
    append_decision,
    end_halt,
    get_risk_config,
    save_risk_config,
    start_halt,
)
from tools.lifecycle import DecisionAction, HaltSource, TradingState
from tools.risk_config import Mode, RiskConfig

# Changed only through their own acts, which carry confirmation rules and their own decision rows.
_GUARDED_FIELDS = {"mode", "ai_trading_enabled", "last_halt_reason", "halted_at"}


def trading_state(config: RiskConfig) -> TradingState:
    return TradingState.ACTIVE if config.ai_trading_enabled else TradingState.HALTED


def set_mode(session: Session, mode: Mode, *, confirm: bool, actor: str) -> RiskConfig:
    config = get_risk_config(session, lock=True)
    MODE.check(config.mode, mode)
    if mode_change_needs_confirmation(config.mode, mode) and not confirm:
        raise ConfirmationRequired(
            f"entering {mode} executes trades without a human: confirm to proceed",
            {"from": config.mode, "to": mode},
        )
    previous = config.mode
    config.mode = mode
    save_risk_config(session, config)
    append_decision(
        session,
        action=DecisionAction.MODE_CHANGED,
        actor=actor,
        mode=mode,
        human_override=actor.startswith("human:"),
        details={"from": previous, "to": mode, "confirmed": confirm},
    )
    return config


def halt(
    session: Session,
    reason: str,
    *,
    actor: str,
    source: HaltSource,
    at: datetime,
    details: Mapping[str, Any] | None = None,
) -> RiskConfig:
    """Stop all order submission. Halting an already-halted desk only adds the reason."""
    config = get_risk_config(session, lock=True)
    if config.ai_trading_enabled:
        TRADING_STATE.check(TradingState.ACTIVE, TradingState.HALTED)
        config.ai_trading_enabled = False
        config.last_halt_reason = reason
        config.halted_at = at
        save_risk_config(session, config)
        start_halt(session, source, reason, actor)
    append_decision(
        session,
        action=DecisionAction.AI_HALTED,
        actor=actor,
        mode=config.mode,
        reason_codes=[source.upper()],
        details={"reason": reason, **(details or {})},
    )
    return config


def resume(session: Session, *, actor: str) -> RiskConfig:
    """Resuming is a human act: it ends every active halt."""
    config = get_risk_config(session, lock=True)
    TRADING_STATE.check(trading_state(config), TradingState.ACTIVE)
    previous_reason = config.last_halt_reason
    config.ai_trading_enabled = True
    config.last_halt_reason = None
    config.halted_at = None
    save_risk_config(session, config)
    end_halt(session, actor)
    append_decision(
        session,
        action=DecisionAction.AI_RESUMED,
        actor=actor,
        mode=config.mode,
        human_override=True,
        details={"previous_halt_reason": previous_reason},
    )
    return config


def update_risk_config(session: Session, changes: Mapping[str, Any], *, actor: str) -> RiskConfig:
    guarded = sorted(set(changes) & _GUARDED_FIELDS)
    if guarded:
        raise InvalidInput(
            f"{', '.join(guarded)}: change these with the mode and kill-switch controls",
            {"fields": guarded},
        )
    current = get_risk_config(session, lock=True)
    try:
        updated = RiskConfig.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        problems = [
            {"path": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()
        ]
        raise InvalidInput(
            "; ".join(f"{p['path']}: {p['message']}" for p in problems), {"errors": problems}
        ) from None
    diff = {
        key: {"from": getattr(current, key), "to": getattr(updated, key)}
        for key in changes
        if getattr(current, key) != getattr(updated, key)
    }
    if diff:
        save_risk_config(session, updated)
        append_decision(
            session,
            action=DecisionAction.RISK_CONFIG_CHANGED,
            actor=actor,
            mode=updated.mode,
            details={"changes": to_jsonable_python(diff)},
        )
    return updated
