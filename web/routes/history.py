"""Decision history: filters, keyset pages, and the replay drawer showing the snapshot a
decision was made on."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import DeskDep
from store.db import session_scope
from store.models import DecisionRow
from store.queries import list_decisions
from store.records import load_snapshot_payload
from tools.lifecycle import DecisionAction
from tools.snapshot import Snapshot
from web.filters import PageFilters
from web.rendering import page, render

router = APIRouter()
PAGE_SIZE = 25


class HistoryFilters(PageFilters):
    action: DecisionAction | None = None
    start: date | None = None
    end: date | None = None


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


@router.get("/history")
def history(
    request: Request, desk: DeskDep, filters: Annotated[HistoryFilters, Query()]
) -> Response:
    until = None if filters.end is None else filters.end + timedelta(days=1)  # end inclusive
    with session_scope(desk.engine) as session:
        rows = list_decisions(
            session,
            symbol=filters.symbol,
            action=filters.action,
            since=_midnight(filters.start),
            until=_midnight(until),
            before_id=filters.before_id,
            limit=PAGE_SIZE + 1,
        )
    shown = rows[:PAGE_SIZE]
    context = {
        "filters": filters,
        "rows": shown,
        "older": filters.query(before_id=shown[-1].id) if len(rows) > PAGE_SIZE else None,
        "newest": filters.query(before_id=None) if filters.before_id else None,
        "symbols": desk.settings.watchlist,
        "actions": list(DecisionAction),
    }
    return page(request, "history.html", "_history_rows.html", context)


@router.get("/history/{decision_id}/replay")
def replay(decision_id: int, request: Request, desk: DeskDep) -> Response:
    with session_scope(desk.engine) as session:
        decision = session.get(DecisionRow, decision_id)
        payload = (
            load_snapshot_payload(session, decision.snapshot_hash)
            if decision is not None and decision.snapshot_hash
            else None
        )
    snapshot = Snapshot.model_validate_json(payload) if payload else None
    context = {"decision": decision, "decision_id": decision_id, "snapshot": snapshot}
    return render(request, "_replay.html", context, status=404 if decision is None else 200)
