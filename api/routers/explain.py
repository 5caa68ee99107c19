"""Explain this trade: the explanation tree of a decision, a grounded chat about an idea or a
decision (answers with their sources and the numbers not in the record), and what-if."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import DeskDep, SessionDep
from api.explanations import build_explanation
from api.routers.params import not_found
from api.schemas.common import MAX_ID, error_responses
from api.schemas.decisions import Explanation
from api.schemas.explain import (
    ChatAnswer,
    ChatRequest,
    Conversation,
    ExplainMessage,
    ExplainRequest,
    ThreadName,
    WhatIfRequest,
)
from orchestrator.explain import ExplainService
from orchestrator.explain_record import Subject
from orchestrator.what_if import WhatIfResult
from store.models import DecisionRow

router = APIRouter(prefix="/explain", tags=["explain"])
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _service(desk: DeskDep) -> ExplainService:
    return ExplainService(desk.engine, desk.settings)


ServiceDep = Annotated[ExplainService, Depends(_service)]


@router.post(
    "",
    summary="The explanation tree of a decision: every rule with pass/fail and its reasons",
    responses=error_responses(404),
)
def explain_decision_tree(body: ExplainRequest, session: SessionDep) -> Explanation:
    decision = session.get(DecisionRow, body.decision_id)
    if decision is None:
        raise not_found("decision", body.decision_id)
    return build_explanation(session, decision)


@router.post(
    "/chat",
    summary="Ask about an idea or a decision; the answer comes with its sources and the "
    "numbers that are not in the record",
    responses=error_responses(404),
)
async def ask(body: ChatRequest, service: ServiceDep) -> ChatAnswer:
    subject = Subject(idea_id=body.idea_id, decision_id=body.decision_id)
    turn = await service.ask(subject, body.question, body.conversation)
    return ChatAnswer(
        conversation=turn.question.conversation,
        question=ExplainMessage.model_validate(turn.question),
        answer=ExplainMessage.model_validate(turn.answer),
    )


@router.get("/chat", summary="A conversation, oldest message first", responses=error_responses(404))
def conversation(
    service: ServiceDep,
    idea_id: OptionalId = None,
    decision_id: OptionalId = None,
    conversation: Annotated[ThreadName | None, Query()] = None,
) -> Conversation:
    subject = Subject(idea_id=idea_id, decision_id=decision_id)
    turns = service.turns(subject, conversation)
    messages = [m for t in turns for m in (t.question, t.answer) if m is not None]
    return Conversation(
        conversation=subject.conversation(conversation),
        messages=[ExplainMessage.model_validate(m) for m in messages],
    )


@router.post(
    "/what-if",
    summary="Re-run the gate on the idea's snapshot with one parameter changed (records nothing)",
    responses=error_responses(404),
)
def what_if(body: WhatIfRequest, service: ServiceDep) -> WhatIfResult:
    return service.what_if(Subject(idea_id=body.idea_id), body.parameter, body.value)
