"""The dashboard: account, AI state, the day's P/L against its target, the broker in use with its
health and latest reconciliation, the watchlist, the queue, and when the agents last ran."""

from datetime import UTC

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import DeskDep
from store.db import session_scope
from store.queries import count_ideas_by_status
from store.queries_runs import run_activity
from tools.lifecycle import IdeaStatus
from web.broker_view import broker_card, read_account
from web.market import MarketBoardDep
from web.rendering import render
from web.views import control_panel

router = APIRouter()


@router.get("/")
def dashboard(request: Request, desk: DeskDep, board: MarketBoardDep) -> Response:
    midnight = desk.clock().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with session_scope(desk.engine) as session:
        waiting = count_ideas_by_status(session)[IdeaStatus.NEEDS_APPROVAL]
        activity = run_activity(session, since=midnight)
    account, account_error = read_account(desk)
    context = {
        "account": account,
        "account_error": account_error,
        "broker": broker_card(desk),
        "panel": control_panel(desk),
        "quotes": board.watchlist(),
        "waiting": waiting,
        "activity": activity,
    }
    return render(request, "dashboard.html", context)
