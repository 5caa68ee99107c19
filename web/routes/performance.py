"""Performance: P/L over time, win rate, average R, counts by outcome and by reason code."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import DeskDep
from store.db import session_scope
from store.performance import performance as read_performance
from web.rendering import render

router = APIRouter()


@router.get("/performance")
def performance(request: Request, desk: DeskDep) -> Response:
    with session_scope(desk.engine) as session:
        stats = read_performance(session)
    # Bars in the P/L table are drawn relative to the largest cumulative swing.
    scale = max((abs(d.cumulative_pnl) for d in stats.pnl_by_day), default=0.0) or 1.0
    return render(request, "performance.html", {"stats": stats, "scale": scale})
