"""An idea's page (chart, confidence, checks, story) and the owner's acts on it."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.auth import execution_rate_limit
from api.deps import DeskDep
from orchestrator.desk import Desk
from store.db import session_scope
from store.queries import decisions_for_idea, get_idea, orders_for_idea
from store.records import load_snapshot_payload
from tools.snapshot import Snapshot
from web.chart import chart_payload
from web.guard import PageUser, actor
from web.rendering import render, wants_partial
from web.runs_view import load_transcript
from web.views import approval_queue, attempt, control_panel

router = APIRouter()
QUEUE_REGION = "queue-live"


def _missing(request: Request, idea_id: int) -> Response:
    return render(request, "missing.html", {"what": f"Idea #{idea_id}"}, status=404)


@router.get("/ideas/{idea_id}")
def idea_page(idea_id: int, request: Request, desk: DeskDep) -> Response:
    with session_scope(desk.engine) as session:
        idea = get_idea(session, idea_id)
        if idea is None:
            return _missing(request, idea_id)
        decisions = decisions_for_idea(session, idea_id)
        orders = orders_for_idea(session, idea_id)
        payload = load_snapshot_payload(session, idea.snapshot_hash)
    chart = chart_payload(Snapshot.model_validate_json(payload), idea) if payload else None
    transcript = load_transcript(desk.engine, idea.run_id) if idea.run_id is not None else None
    context = {
        "idea": idea,
        "decisions": decisions,
        "orders": orders,
        "chart": chart,
        "transcript": transcript,
    }
    return render(request, "idea.html", {**context, "panel": control_panel(desk)})


def _after_act(request: Request, desk: Desk, idea_id: int, act: Callable[[], str]) -> Response:
    """Run the act, then answer the part of the screen that asked: the queue's live region, the
    idea's decision panel, or (without htmx) the idea page. Refusals show as `CODE: message`."""
    notice, error = attempt(act)
    with session_scope(desk.engine) as session:
        if request.headers.get("HX-Target") == QUEUE_REGION:
            errors = {idea_id: error} if error else {}
            queue = approval_queue(session, errors=errors, notice=notice)
            return render(request, "_queue_rows.html", {"queue": queue})
        idea = get_idea(session, idea_id)
        orders = orders_for_idea(session, idea_id)
    if idea is None:
        return _missing(request, idea_id)
    if not wants_partial(request):
        return RedirectResponse(f"/ideas/{idea_id}", status_code=303)
    context = {"idea": idea, "orders": orders, "error": error, "notice": notice}
    return render(request, "_idea_panel.html", context)


@router.post("/ideas/{idea_id}/approve")
def approve(
    idea_id: int,
    request: Request,
    desk: DeskDep,
    user: PageUser,
    lots: Annotated[float | None, Form(gt=0)] = None,
) -> Response:
    def act() -> str:
        execution_rate_limit(request)
        status = desk.approve(idea_id, lots=lots, actor=actor(user))
        return f"Idea #{idea_id} approved: {status}"

    return _after_act(request, desk, idea_id, act)


@router.post("/ideas/{idea_id}/reject")
def reject(
    idea_id: int,
    request: Request,
    desk: DeskDep,
    user: PageUser,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    def act() -> str:
        execution_rate_limit(request)
        desk.reject(idea_id, reason=reason.strip() or None, actor=actor(user))
        return f"Idea #{idea_id} rejected"

    return _after_act(request, desk, idea_id, act)
