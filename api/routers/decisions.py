"""The decision log: filtered pages, one decision, the snapshot it was made on, and its
explanation tree (every rule with pass/fail and its numbers, grouped by category)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from api.deps import SessionDep
from api.errors import ApiError
from api.explanations import build_explanation
from api.routers.params import BeforeId, IdPath, Limit, MomentQuery, SymbolQuery, not_found
from api.schemas.common import error_responses
from api.schemas.decisions import DecisionPage, Explanation
from api.schemas.ideas import DecisionPublic
from store.models import DecisionRow
from store.queries import list_decisions
from store.records import load_snapshot_payload
from tools.lifecycle import DecisionAction
from tools.snapshot import Snapshot

router = APIRouter(prefix="/decisions", tags=["decisions"])


def _decision(session: Session, decision_id: int) -> DecisionRow:
    decision = session.get(DecisionRow, decision_id)
    if decision is None:
        raise not_found("decision", decision_id)
    return decision


@router.get("", summary="Decisions newest first, filtered, one keyset page at a time")
def list_decisions_route(
    session: SessionDep,
    symbol: SymbolQuery = None,
    action: Annotated[DecisionAction | None, Query()] = None,
    since: MomentQuery = None,
    until: MomentQuery = None,
    limit: Limit = 50,
    before_id: BeforeId = None,
) -> DecisionPage:
    rows = list_decisions(
        session,
        symbol=symbol,
        action=action,
        since=since,
        until=until,
        limit=limit,
        before_id=before_id,
    )
    return DecisionPage(
        items=[DecisionPublic.model_validate(row) for row in rows],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/{decision_id}", responses=error_responses(404))
def get_decision(decision_id: IdPath, session: SessionDep) -> DecisionPublic:
    return DecisionPublic.model_validate(_decision(session, decision_id))


@router.get(
    "/{decision_id}/snapshot",
    summary="The snapshot the decision was made on, exactly as stored (replay it)",
    response_model=Snapshot,
    responses=error_responses(404),
)
def get_decision_snapshot(decision_id: IdPath, session: SessionDep) -> Response:
    decision = _decision(session, decision_id)
    payload = (
        load_snapshot_payload(session, decision.snapshot_hash) if decision.snapshot_hash else None
    )
    if payload is None:
        raise ApiError(
            404,
            "SNAPSHOT_NOT_FOUND",
            f"decision {decision_id} has no stored snapshot",
            {"decision_id": decision_id, "snapshot_hash": decision.snapshot_hash},
        )
    # The stored text is what the content hash was computed over: send it untouched.
    return Response(payload, media_type="application/json")


@router.get(
    "/{decision_id}/explanation",
    summary="Why: every rule with pass/fail and its numbers, grouped by category",
    responses=error_responses(404),
)
def explain_decision(decision_id: IdPath, session: SessionDep) -> Explanation:
    return build_explanation(session, _decision(session, decision_id))
