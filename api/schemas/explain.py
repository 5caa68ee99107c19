"""Explain this trade: the explanation tree request, the chat and what-if."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
)

from api.schemas.common import MAX_ID, RequestModel
from orchestrator.explain import MAX_QUESTION_CHARS
from orchestrator.explain_numbers import UNMATCHED_NOTE, marked

IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
ThreadName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]


class ExplainRequest(RequestModel):
    decision_id: IdField


class _Subject(RequestModel):
    idea_id: IdField | None = Field(default=None, description="Ask about an idea...")
    decision_id: IdField | None = Field(default=None, description="...or about one decision")

    @model_validator(mode="after")
    def _one_subject(self) -> "_Subject":
        if (self.idea_id is None) == (self.decision_id is None):
            raise ValueError("give either idea_id or decision_id")
        return self


class ChatRequest(_Subject):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    conversation: ThreadName | None = Field(
        default=None, description="A named thread; default: the subject's one thread"
    )


class WhatIfRequest(RequestModel):
    idea_id: IdField
    parameter: str = Field(
        min_length=1,
        max_length=64,
        description="A risk config field (e.g. min_confidence_threshold) or lots",
    )
    value: bool | float | Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description='e.g. 80, "relaxed", 0.05'
    )


class UnmatchedNumber(BaseModel):
    text: str
    start: int = Field(description="Offset in content")
    end: int


class SourcePublic(BaseModel):
    tool: str = Field(description="The record view the answer rests on, e.g. checks")
    arguments: dict[str, Any]
    result: Any = Field(description="What the view returned")


class ExplainMessage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    idea_id: int | None
    decision_id: int | None
    conversation: str
    role: str = Field(description="user or assistant")
    content: str
    sources: list[SourcePublic]
    unmatched_numbers: list[UnmatchedNumber] = Field(
        description=f"Numbers in content that are {UNMATCHED_NOTE}"
    )
    model: str = Field(description="Who answered; empty for questions")

    @computed_field(description=f'content with "[{UNMATCHED_NOTE}]" after each unmatched number')
    def marked_content(self) -> str:
        return marked(self.content, [n.model_dump() for n in self.unmatched_numbers])


class ChatAnswer(BaseModel):
    conversation: str
    question: ExplainMessage
    answer: ExplainMessage


class Conversation(BaseModel):
    conversation: str
    messages: list[ExplainMessage] = Field(description="Oldest first")
