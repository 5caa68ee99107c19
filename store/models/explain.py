"""The explain chat: questions about an idea or a decision and the answers, turn by turn."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utc_now


class ExplainMessageRow(SQLModel, table=True):
    """One turn. `conversation` names the thread (it embeds its idea or decision, e.g.
    "idea-12"); an assistant turn answers the user turn before it in the same thread."""

    __tablename__ = "explain_messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant')", name="ck_explain_messages_role"),
        CheckConstraint(
            "idea_id IS NOT NULL OR decision_id IS NOT NULL", name="ck_explain_messages_subject"
        ),
        Index("ix_explain_messages_conversation_id", "conversation", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int | None = Field(default=None, foreign_key="trade_ideas.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="decisions.id")
    conversation: str = Field(max_length=100)
    role: str = Field(max_length=16, description="user or assistant")
    content: str = Field(sa_column=Column(Text, nullable=False))
    sources: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=JSON, description="[{tool, arguments, result}]"
    )
    unmatched_numbers: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=JSON, description="[{text, start, end}] not in the record"
    )
    model: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
