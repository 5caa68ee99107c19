"""Brokers: their status, a connection test, choosing the active one, and reconciliation.

Switching to a remote broker needs `confirm: true` and a passing connection test (409 and 503
otherwise); switching back to paper needs neither. Every switch writes a decision row.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import DeskDep, SessionDep
from api.routers.params import Actor, Limit
from api.schemas.brokers import (
    BrokerChange,
    BrokerList,
    BrokerName,
    BrokerPublic,
    ReconciliationList,
    ReconciliationPublic,
)
from api.schemas.common import error_responses
from store.queries_brokers import list_reconciliations

router = APIRouter(prefix="/brokers", tags=["brokers"])


@router.get("", summary="Every configured broker and the latest reconciliation with the active one")
def list_brokers(desk: DeskDep, session: SessionDep) -> BrokerList:
    statuses = desk.broker_statuses()
    active = next(status.name for status in statuses if status.active)
    latest = list_reconciliations(session, broker=active, limit=1)
    return BrokerList(
        items=[BrokerPublic.model_validate(status) for status in statuses],
        last_reconciliation=ReconciliationPublic.model_validate(latest[0]) if latest else None,
    )


@router.get("/reconciliations", summary="Reconciliation reports, newest first")
def list_reconciliations_route(
    session: SessionDep,
    broker: Annotated[BrokerName | None, Query(description="Only this broker's")] = None,
    limit: Limit = 20,
) -> ReconciliationList:
    rows = list_reconciliations(session, broker=broker, limit=limit)
    return ReconciliationList(items=[ReconciliationPublic.model_validate(row) for row in rows])


@router.post(
    "/{name}/test",
    summary="Ask the broker for its account now and record the answer",
    responses=error_responses(404),
)
def check_broker(name: Annotated[BrokerName, Path()], desk: DeskDep) -> BrokerPublic:
    """A failing test answers 200 with the failure in `health` and `message`."""
    return BrokerPublic.model_validate(desk.check_broker(name))


@router.post(
    "/active",
    summary="Send new orders to this broker (a remote one needs confirm: true and a passing test)",
    responses=error_responses(404, 409, 503),
)
def use_broker(body: BrokerChange, desk: DeskDep, actor: Actor) -> BrokerPublic:
    return BrokerPublic.model_validate(
        desk.use_broker(body.name, confirm=body.confirm, actor=actor)
    )


@router.post(
    "/reconcile",
    summary="Settle in-flight orders and compare positions with the broker now",
)
def reconcile(desk: DeskDep) -> ReconciliationList:
    """A broker that cannot be reached answers 200 with the report's `error` set."""
    return ReconciliationList(
        items=[ReconciliationPublic.model_validate(report) for report in desk.reconcile()]
    )
