"""Runs: every agent run newest first (refreshing itself while cycles run), "run a cycle now",
and one run's transcript as a chat (followed live by run_stream while the run goes on)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.deps import DeskDep
from api.routers.runs import cycle_running, start_cycle
from api.schemas.common import MAX_ID
from web.filters import PageFilters
from web.rendering import page, render, wants_partial
from web.runs_view import load_transcript, run_list
from web.views import attempt, control_panel

router = APIRouter()
PANEL_REGION = "control-panel"


@router.get("/runs")
def runs_page(
    request: Request, desk: DeskDep, filters: Annotated[PageFilters, Query()], seen: str = ""
) -> Response:
    """The page, or its rows alone for htmx; 204 (nothing to swap) while nothing changed since
    the poll that sent `seen`."""
    runs = run_list(desk.engine, filters, cycle_running=cycle_running(request.app))
    if seen and seen == runs.fingerprint:
        return Response(status_code=204)
    context = {"runs": runs, "symbols": desk.settings.watchlist}
    return page(request, "runs.html", "_run_rows.html", context)


@router.post("/runs/start")
async def start_runs(request: Request, desk: DeskDep) -> Response:
    """Start a cycle over the watchlist. The control panel gets itself back with the notice (or
    the refusal: a cycle already running); the runs page gets the notice and refreshes its list."""
    notice, error = attempt(lambda: start_cycle(request.app).message)
    if not wants_partial(request):
        return RedirectResponse("/runs", status_code=303)
    if request.headers.get("HX-Target") == PANEL_REGION:
        panel = await run_in_threadpool(control_panel, desk, notice=notice, error=error)
        return render(request, "_control_panel.html", {"panel": panel})
    response = render(request, "_run_start.html", {"notice": notice, "error": error})
    response.headers["HX-Trigger"] = "runs-changed"
    return response


@router.get("/runs/{run_id}")
def run_page(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, desk: DeskDep
) -> Response:
    transcript = load_transcript(desk.engine, run_id)
    if transcript is None:
        return render(request, "missing.html", {"what": f"Run #{run_id}"}, status=404)
    return render(request, "run.html", {"transcript": transcript})
