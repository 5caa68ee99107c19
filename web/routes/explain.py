"""The idea page's "explain this trade" chat and what-if, over ExplainService.

Asking stores the question and answers with the chat section, whose new turn opens a
server-sent event stream: the answer's text arrives in `chunk` events as the model writes it,
then a `done` event replaces the turn with the stored answer, its sources and its unmatched
numbers marked. Without htmx the form answers at once and goes back to the idea page.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from api.deps import DeskDep
from api.schemas.common import MAX_ID
from orchestrator.desk import Desk
from orchestrator.errors import DeskError
from orchestrator.explain import MAX_QUESTION_CHARS, ChatTurn, ExplainService
from orchestrator.explain_numbers import UNMATCHED_NOTE, segments
from orchestrator.explain_record import Subject
from orchestrator.what_if import PARAMETERS
from web.rendering import fragment, render, wants_partial
from web.routes.run_stream import sse_message
from web.views import describe

router = APIRouter()
log = logging.getLogger("countersign.explain")
IdeaId = Annotated[int, Path(ge=1, le=MAX_ID)]
SUGGESTIONS = (
    "Why was it rejected, queued or executed?",
    "Why this confidence?",
    "What did the news agent see?",
    "What were RSI, ATR and trend?",
    "Which checks came closest to failing?",
    "What happened after?",
)


def _service(desk: Desk) -> ExplainService:
    return ExplainService(desk.engine, desk.settings)


def _context(idea_id: int, service: ExplainService, **extra: Any) -> dict[str, Any]:
    return {
        "idea_id": idea_id,
        "turns": service.turns(Subject(idea_id=idea_id)),
        "segments": segments,
        "unmatched_note": UNMATCHED_NOTE,
        "suggestions": SUGGESTIONS,
        "parameters": PARAMETERS,
        "max_question": MAX_QUESTION_CHARS,
        **extra,
    }


def _missing(request: Request, idea_id: int) -> Response:
    return render(request, "missing.html", {"what": f"Idea #{idea_id}"}, status=404)


@router.get("/ideas/{idea_id}/explain")
async def explain_section(idea_id: IdeaId, request: Request, desk: DeskDep) -> Response:
    service = _service(desk)
    try:
        context = await asyncio.to_thread(_context, idea_id, service)
    except DeskError:
        return _missing(request, idea_id)
    return render(request, "_explain_chat.html", context)


@router.post("/ideas/{idea_id}/explain")
async def ask(
    idea_id: IdeaId,
    request: Request,
    desk: DeskDep,
    question: Annotated[str, Form(max_length=MAX_QUESTION_CHARS * 2)] = "",
) -> Response:
    service, subject = _service(desk), Subject(idea_id=idea_id)
    error = None
    try:
        if wants_partial(request):
            await asyncio.to_thread(service.post_question, subject, question)
        else:
            await service.ask(subject, question)
            return RedirectResponse(f"/ideas/{idea_id}#explain", status_code=303)
    except DeskError as exc:
        error = describe(exc)
    try:
        context = await asyncio.to_thread(_context, idea_id, service, error=error)
    except DeskError:
        return _missing(request, idea_id)
    return render(request, "_explain_chat.html", context)


async def _answer_events(
    service: ExplainService, idea_id: int, turn: ChatTurn
) -> AsyncIterator[str]:
    chunks: asyncio.Queue[str | None] = asyncio.Queue()

    async def answer() -> ChatTurn:
        try:
            assert turn.question.id is not None
            row = await service.answer(turn.question.id, on_chunk=chunks.put_nowait)
            return ChatTurn(turn.question, row, pending=False)
        finally:
            chunks.put_nowait(None)

    task = asyncio.ensure_future(answer())
    try:
        while (chunk := await chunks.get()) is not None:
            yield sse_message("chunk", escape(chunk))
        try:
            done, error = await task, None
        except DeskError as exc:  # replaced or answered meanwhile: show the turn as it is
            done, error = ChatTurn(turn.question, None, pending=False), describe(exc)
        except Exception:  # ending the stream without `done` would make the browser retry
            log.exception("explaining question %s failed", turn.question.id)
            done, error = ChatTurn(turn.question, None, pending=False), "The answer failed."
        context = {"idea_id": idea_id, "turn": done, "segments": segments, "error": error}
        yield sse_message("done", fragment("_explain_turn.html", context))
    finally:
        task.cancel()  # the browser left: stop the model call too


@router.get("/ideas/{idea_id}/explain/{question_id}/stream")
async def answer_stream(
    idea_id: IdeaId,
    question_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    desk: DeskDep,
) -> Response:
    service = _service(desk)
    try:
        turns = await asyncio.to_thread(service.turns, Subject(idea_id=idea_id))
    except DeskError:
        return _missing(request, idea_id)
    turn = next((t for t in turns if t.question.id == question_id), None)
    if turn is None:
        return render(request, "missing.html", {"what": f"Question #{question_id}"}, status=404)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    events = _answer_events(service, idea_id, turn)
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


@router.post("/ideas/{idea_id}/what-if")
async def what_if(
    idea_id: IdeaId,
    request: Request,
    desk: DeskDep,
    parameter: Annotated[str, Form(max_length=64)] = "",
    value: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    service = _service(desk)
    context: dict[str, Any] = {"parameter": parameter, "value": value}
    try:
        result = await asyncio.to_thread(
            service.what_if, Subject(idea_id=idea_id), parameter, value.strip()
        )
        context["result"] = result
    except DeskError as exc:
        context["error"] = describe(exc)
    return render(request, "_explain_what_if.html", context)
