"""A run's transcript as it is said: server-sent events for the htmx SSE extension.

The stream first replays what the database holds (after the `after` cursor, or the browser's
Last-Event-ID when it reconnects), then follows the runner's live fan-out until the run is over,
and ends with a `done` event carrying the run's final summary. Every `transcript` event's data is
the same partial the static page renders (`_transcript_event.html`).
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from sqlalchemy.engine import Engine
from starlette.responses import Response, StreamingResponse

from api.deps import DeskDep
from api.schemas.common import MAX_ID
from api.schemas.runs import RunPublic, TranscriptEventPublic
from orchestrator.live import LiveRuns
from store.queries_runs import EventKey
from web.rendering import fragment, render
from web.runs_view import event_id, load_run, load_transcript, parse_event_id

router = APIRouter()
POLL_SECONDS = 0.5  # how often a quiet stream looks whether its run has ended
HEARTBEAT_SECONDS = 15.0  # a comment line now and then keeps proxies from closing the stream
START = (0, -1)  # before any event


def sse_message(event: str, html: str, message_id: str | None = None) -> str:
    """One server-sent event; every line of `html` becomes a data line."""
    lines = [f"id: {message_id}"] if message_id else []
    lines.append(f"event: {event}")
    lines += [f"data: {line}" for line in html.strip().splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


def _said(event: TranscriptEventPublic) -> str:
    html = fragment("_transcript_event.html", {"event": event})
    return sse_message("transcript", html, event_id(event.key))


def _done(run: RunPublic) -> str:
    return sse_message("done", fragment("_run_summary.html", {"run": run}))


async def follow_run(
    live: LiveRuns, engine: Engine, run_id: int, after: EventKey | None, limit_seconds: float
) -> AsyncIterator[str]:
    queue = live.watch(run_id)  # before reading the database: nothing said in between is lost
    try:
        replay = await asyncio.to_thread(load_transcript, engine, run_id, after=after)
        if replay is None:
            return
        cursor = after or START

        def fresh(payload: dict[str, Any]) -> TranscriptEventPublic | None:
            """The live event, unless the replay (or an earlier message) already sent it."""
            nonlocal cursor
            event = TranscriptEventPublic.model_validate(payload)
            if event.key <= cursor:
                return None
            cursor = event.key
            return event

        for event in replay.events:
            cursor = event.key
            yield _said(event)
        run = replay.run
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_seconds
        quiet_since = loop.time()
        while run.status == "running" and loop.time() < deadline:
            try:
                payload = await asyncio.wait_for(queue.get(), POLL_SECONDS)
            except TimeoutError:
                run = await asyncio.to_thread(load_run, engine, run_id) or run
                if loop.time() - quiet_since > HEARTBEAT_SECONDS:
                    quiet_since = loop.time()
                    yield ": still running\n\n"
                continue
            if (event := fresh(payload)) is not None:
                quiet_since = loop.time()
                yield _said(event)
        while not queue.empty():  # said just before the run was marked finished
            if (event := fresh(queue.get_nowait())) is not None:
                yield _said(event)
        yield _done(run)
    finally:
        live.unwatch(queue, run_id)


@router.get("/runs/{run_id}/stream")
async def run_stream(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    desk: DeskDep,
    after: str | None = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    if await asyncio.to_thread(load_run, desk.engine, run_id) is None:
        return render(request, "missing.html", {"what": f"Run #{run_id}"}, status=404)
    cursor = parse_event_id(last_event_id) or parse_event_id(after)
    # A run stuck as "running" (its process died) is not followed forever.
    limit = desk.settings.budget_max_seconds * 2 + 60
    events = follow_run(request.app.state.runner.live, desk.engine, run_id, cursor, limit)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)
