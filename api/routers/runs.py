"""Agent runs: pages of runs, one run with its transcript, and "run a cycle now".

A cycle started here runs the whole watchlist at the desk's current moment, in the background on
the app's event loop; its runs appear in the list as they start, and their transcripts stream
live on the web desk. One manual cycle at a time: a second start while one runs is a 409.
"""

import asyncio
import logging

from fastapi import APIRouter, FastAPI, Request, status

from api.deps import SessionDep
from api.errors import ApiError
from api.routers.params import BeforeId, IdPath, Limit, MomentQuery, SymbolQuery, not_found
from api.schemas.common import error_responses
from api.schemas.runs import CycleStarted, RunDetail, RunPage, RunPublic, TranscriptEventPublic
from orchestrator.cycle import CycleRunner
from store.queries_runs import get_run, list_runs, run_events

router = APIRouter(prefix="/runs", tags=["runs"])
log = logging.getLogger("countersign.runs")


def cycle_running(app: FastAPI) -> bool:
    task: asyncio.Task | None = getattr(app.state, "cycle_task", None)
    return task is not None and not task.done()


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the cycle started by hand failed", exc_info=task.exception())


def start_cycle(app: FastAPI) -> CycleStarted:
    """Start `runner.run_watchlist(now)` as a background task (kept on app.state so it is not
    garbage-collected) and return at once. Call it on the app's event loop (an async route).
    Raises 409 CYCLE_RUNNING while the previous one runs."""
    if cycle_running(app):
        raise ApiError(
            409,
            "CYCLE_RUNNING",
            "a cycle is already running: wait for it to finish (its runs are on the runs page)",
        )
    runner: CycleRunner = app.state.runner
    at = runner.desk.clock()
    task = asyncio.create_task(runner.run_watchlist(at), name="cycle-now")
    task.add_done_callback(_log_failure)
    app.state.cycle_task = task
    symbols = list(runner.desk.settings.watchlist)
    return CycleStarted(
        at=at,
        symbols=symbols,
        message=f"Cycle started at {at:%H:%M} UTC for {', '.join(symbols)}.",
    )


@router.get("", summary="Runs newest first, filtered, one keyset page at a time")
def list_runs_route(
    session: SessionDep,
    symbol: SymbolQuery = None,
    since: MomentQuery = None,
    until: MomentQuery = None,
    limit: Limit = 50,
    before_id: BeforeId = None,
) -> RunPage:
    rows = list_runs(
        session, symbol=symbol, since=since, until=until, before_id=before_id, limit=limit
    )
    return RunPage(
        items=[RunPublic.model_validate(row) for row in rows],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )


@router.get(
    "/{run_id}", summary="One run with its whole transcript", responses=error_responses(404)
)
def get_run_route(run_id: IdPath, session: SessionDep) -> RunDetail:
    run = get_run(session, run_id)
    if run is None:
        raise not_found("run", run_id)
    events = [TranscriptEventPublic.model_validate(e) for e in run_events(session, run_id)]
    return RunDetail(**RunPublic.model_validate(run).model_dump(), events=events)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run a cycle over the watchlist now, in the background (409 while one runs)",
    responses=error_responses(409),
)
async def start_cycle_route(request: Request) -> CycleStarted:
    return start_cycle(request.app)
