"""The AI control panel: kill switch, mode, confidence threshold. Each act answers with the
panel itself, showing the desk's refusal (e.g. CONFIRMATION_REQUIRED) when there is one."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.deps import DeskDep
from orchestrator.desk import Desk
from store.db import session_scope
from store.queries import list_decisions
from tools.lifecycle import DecisionAction
from tools.risk_config import Mode
from web.guard import PageUser, actor
from web.rendering import render, wants_partial
from web.views import attempt, control_panel

router = APIRouter()
CONTROL_ACTIONS = (
    DecisionAction.AI_HALTED,
    DecisionAction.AI_RESUMED,
    DecisionAction.MODE_CHANGED,
    DecisionAction.RISK_CONFIG_CHANGED,
)
RECENT_CHANGES = 20


@router.get("/control")
def control_page(request: Request, desk: DeskDep) -> Response:
    with session_scope(desk.engine) as session:
        changes = [
            row
            for action in CONTROL_ACTIONS
            for row in list_decisions(session, action=action, limit=RECENT_CHANGES)
        ]
    changes.sort(key=lambda row: (row.created_at, row.id), reverse=True)
    context = {"panel": control_panel(desk), "changes": changes[:RECENT_CHANGES]}
    return render(request, "control.html", context)


def _panel_after(request: Request, desk: Desk, act: Callable[[], str]) -> Response:
    notice, error = attempt(act)
    if not wants_partial(request):
        return RedirectResponse("/control", status_code=303)
    return render(
        request, "_control_panel.html", {"panel": control_panel(desk, error=error, notice=notice)}
    )


@router.post("/control/halt")
def halt(
    request: Request, desk: DeskDep, user: PageUser, reason: Annotated[str, Form(max_length=200)]
) -> Response:
    def act() -> str:
        desk.halt(reason.strip() or "halted from the control panel", actor=actor(user))
        return "Trading halted: no order will be sent until you resume."

    return _panel_after(request, desk, act)


@router.post("/control/resume")
def resume(request: Request, desk: DeskDep, user: PageUser) -> Response:
    def act() -> str:
        desk.resume(actor=actor(user))
        return "Trading resumed."

    return _panel_after(request, desk, act)


@router.post("/control/mode")
def set_mode(
    request: Request,
    desk: DeskDep,
    user: PageUser,
    mode: Annotated[Mode, Form()],
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    def act() -> str:
        desk.set_mode(mode, confirm=confirm, actor=actor(user))
        return f"Mode is now {mode}."

    return _panel_after(request, desk, act)


@router.post("/control/threshold")
def set_threshold(
    request: Request,
    desk: DeskDep,
    user: PageUser,
    min_confidence_threshold: Annotated[str, Form()],
) -> Response:
    def act() -> str:
        config = desk.update_risk_config(
            {"min_confidence_threshold": min_confidence_threshold}, actor=actor(user)
        )
        return f"Confidence threshold is now {config.min_confidence_threshold:g}."

    return _panel_after(request, desk, act)
