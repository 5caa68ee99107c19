"""Agent runs and their transcripts: every event, in order, for replay and the runs page."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utc_now


class RunRow(SQLModel, table=True):
    """One team run for (symbol, strategy, moment): what it cost and how it ended."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_symbol_started_at", "symbol", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    symbol: str = Field(max_length=32)
    timeframe: str = Field(max_length=8)
    strategy_name: str = Field(max_length=100)
    snapshot_hash: str = Field(max_length=64, foreign_key="snapshots.content_hash")
    started_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="running", max_length=16, description="running/finished/failed")
    ended_by: str | None = Field(default=None, max_length=32)
    model: str = Field(max_length=100)
    fallback_used: bool = False
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    outcome: str | None = Field(default=None, max_length=32, description="The idea's status")
    idea_id: int | None = Field(default=None, foreign_key="trade_ideas.id")
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class TranscriptEventRow(SQLModel, table=True):
    """One thing said or done in a run. `attempt` 1 is the configured model, 2 the fallback."""

    __tablename__ = "transcript_events"
    __table_args__ = (
        UniqueConstraint("run_id", "attempt", "seq", name="uq_transcript_events_run_attempt_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id")
    attempt: int = 1
    seq: int
    source: str = Field(max_length=64)
    type: str = Field(max_length=32)
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    tool_calls: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    tool_results: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
