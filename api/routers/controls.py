"""The desk's controls: risk config (read, partial update), mode and the kill switch.

Every change goes through the Desk, which validates it, refuses illegal moves (409) and writes a
decision row signed by the user.
"""

from fastapi import APIRouter

from api.deps import DeskDep
from api.routers.params import Actor
from api.schemas.common import error_responses
from api.schemas.controls import (
    KillSwitchChange,
    KillSwitchPublic,
    ModeChange,
    ModeOption,
    ModePublic,
    RiskConfigPublic,
    RiskConfigUpdate,
)
from orchestrator.controls import trading_state
from orchestrator.state_machines import MODE, mode_change_needs_confirmation
from tools.risk_config import Mode, RiskConfig

router = APIRouter(tags=["controls"])


def _risk_config(config: RiskConfig) -> RiskConfigPublic:
    return RiskConfigPublic(**config.model_dump(), trading_state=trading_state(config))


def _mode(config: RiskConfig) -> ModePublic:
    options = [
        ModeOption(mode=mode, needs_confirmation=mode_change_needs_confirmation(config.mode, mode))
        for mode in Mode
        if MODE.can(config.mode, mode)
    ]
    return ModePublic(mode=config.mode, trading_state=trading_state(config), next_modes=options)


def _kill_switch(config: RiskConfig) -> KillSwitchPublic:
    return KillSwitchPublic(
        ai_trading_enabled=config.ai_trading_enabled,
        trading_state=trading_state(config),
        halt_reason=config.last_halt_reason,
        halted_at=config.halted_at,
    )


@router.get("/risk-config", summary="The risk config in force")
def get_risk_config(desk: DeskDep) -> RiskConfigPublic:
    return _risk_config(desk.risk_config())


@router.patch("/risk-config", summary="Change some risk settings (validated as a whole, logged)")
def update_risk_config(body: RiskConfigUpdate, desk: DeskDep, actor: Actor) -> RiskConfigPublic:
    changes = body.model_dump(exclude_unset=True)
    return _risk_config(desk.update_risk_config(changes, actor=actor))


@router.get("/mode", summary="The mode, and the modes it may change to")
def get_mode(desk: DeskDep) -> ModePublic:
    return _mode(desk.risk_config())


@router.put(
    "/mode",
    summary="Change the mode (FULL_AUTO needs confirm: true)",
    responses=error_responses(409),
)
def set_mode(body: ModeChange, desk: DeskDep, actor: Actor) -> ModePublic:
    return _mode(desk.set_mode(body.mode, confirm=body.confirm, actor=actor))


@router.get("/kill-switch", summary="Whether the AI may trade, and why not when halted")
def get_kill_switch(desk: DeskDep) -> KillSwitchPublic:
    return _kill_switch(desk.risk_config())


@router.post(
    "/kill-switch",
    summary="Halt (ai_trading_enabled: false, with a reason) or resume trading",
    responses=error_responses(409),
)
def set_kill_switch(body: KillSwitchChange, desk: DeskDep, actor: Actor) -> KillSwitchPublic:
    if body.ai_trading_enabled:
        return _kill_switch(desk.resume(actor=actor))
    assert body.reason is not None
    return _kill_switch(desk.halt(body.reason.strip(), actor=actor))
