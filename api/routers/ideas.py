"""Trade ideas: the active list, one idea in full, and the human acts approve and reject."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from api.auth.rate_limit import execution_rate_limit
from api.deps import DeskDep, SessionDep
from api.errors import ApiError
from api.routers.params import Actor, IdPath, Limit, not_found
from api.schemas.common import error_responses
from api.schemas.ideas import (
    ApproveRequest,
    DecisionPublic,
    IdeaActResult,
    IdeaDetail,
    IdeaList,
    IdeaSummary,
    OrderPublic,
    RejectRequest,
)
from store.models import TradeIdeaRow
from store.queries import decisions_for_idea, get_idea, list_ideas, orders_for_idea
from tools.lifecycle import IdeaStatus

router = APIRouter(prefix="/ideas", tags=["ideas"])

# Ideas a human may still act on or is waiting to see filled.
ACTIVE_STATUSES = (IdeaStatus.NEEDS_APPROVAL, IdeaStatus.APPROVED, IdeaStatus.EXECUTING)
_ACT_ERRORS = error_responses(404, 409, 429)
_APPROVE_ERRORS = error_responses(404, 409, 429, 502)


def _execution_failure(session: Session, idea_id: int) -> ApiError:
    """The approval went through but the order did not: say why, from the decision log."""
    failure = decisions_for_idea(session, idea_id)[-1]
    code = next(iter(failure.reason_codes), "BROKER_EXECUTION_FAILED")
    message = str(failure.details.get("message") or "the order was not filled")
    details = {"idea_id": idea_id, "status": IdeaStatus.EXECUTION_FAILED, **failure.details}
    if code == "AI_HALTED":  # halted between the claim and the broker call
        return ApiError(409, code, message, details)
    return ApiError(502, "BROKER_EXECUTION_FAILED", message, details)


def idea_detail(session: Session, idea: TradeIdeaRow) -> IdeaDetail:
    assert idea.id is not None
    return IdeaDetail(
        **IdeaSummary.model_validate(idea).model_dump(),
        rationale=idea.rationale,
        confidence_breakdown=idea.confidence_breakdown,
        checks=idea.checks,
        decisions=[DecisionPublic.model_validate(d) for d in decisions_for_idea(session, idea.id)],
        orders=[OrderPublic.model_validate(o) for o in orders_for_idea(session, idea.id)],
    )


@router.get("", summary="List ideas (active ones unless statuses are given)")
def list_ideas_route(
    session: SessionDep,
    status: Annotated[
        list[IdeaStatus] | None,
        Query(
            description="Repeat to ask for several; default: needs_approval, approved, executing"
        ),
    ] = None,
    limit: Limit = 50,
) -> IdeaList:
    rows = list_ideas(session, status or ACTIVE_STATUSES, limit=limit)
    return IdeaList(items=[IdeaSummary.model_validate(row) for row in rows])


@router.get(
    "/{idea_id}",
    summary="One idea with its checks, confidence, decisions and orders",
    responses=error_responses(404),
)
def get_idea_route(idea_id: IdPath, session: SessionDep) -> IdeaDetail:
    idea = get_idea(session, idea_id)
    if idea is None:
        raise not_found("idea", idea_id)
    return idea_detail(session, idea)


@router.post(
    "/{idea_id}/approve",
    summary="Approve a queued idea (re-validated on fresh state; at most one order)",
    dependencies=[Depends(execution_rate_limit)],
    responses=_APPROVE_ERRORS,
)
def approve_idea(
    idea_id: IdPath,
    desk: DeskDep,
    actor: Actor,
    session: SessionDep,
    body: ApproveRequest | None = None,
) -> IdeaActResult:
    """502 BROKER_EXECUTION_FAILED (or 409 AI_HALTED) when the approved order is not filled;
    the idea is then execution_failed and the log says why."""
    status = desk.approve(idea_id, lots=body.lots if body else None, actor=actor)
    if status is IdeaStatus.EXECUTION_FAILED:
        raise _execution_failure(session, idea_id)  # read after the desk's own transactions
    return IdeaActResult(idea_id=idea_id, status=status)


@router.post(
    "/{idea_id}/reject",
    summary="Reject a queued idea, with an optional reason",
    dependencies=[Depends(execution_rate_limit)],
    responses=_ACT_ERRORS,
)
def reject_idea(
    idea_id: IdPath, desk: DeskDep, actor: Actor, body: RejectRequest | None = None
) -> IdeaActResult:
    desk.reject(idea_id, reason=body.reason if body else None, actor=actor)
    return IdeaActResult(idea_id=idea_id, status=IdeaStatus.HUMAN_REJECTED)
