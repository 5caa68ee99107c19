"""The approval queue: ideas waiting for the owner, recent outcomes, refreshed by polling."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import DeskDep
from store.db import session_scope
from web.rendering import render
from web.views import approval_queue, control_panel

router = APIRouter()


@router.get("/queue")
def queue_page(request: Request, desk: DeskDep) -> Response:
    with session_scope(desk.engine) as session:
        queue = approval_queue(session)
    return render(request, "queue.html", {"queue": queue, "panel": control_panel(desk)})


@router.get("/queue/rows")
def queue_rows(request: Request, desk: DeskDep, seen: str = "") -> Response:
    """The live region alone; 204 (htmx swaps nothing) while nothing changed since `seen`."""
    with session_scope(desk.engine) as session:
        queue = approval_queue(session)
    if seen == queue.fingerprint:
        return Response(status_code=204)
    return render(request, "_queue_rows.html", {"queue": queue})
