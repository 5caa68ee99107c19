"""Agent runs and their transcripts, as the REST API gives them and the web pages show them."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RunPublic(BaseModel):
    """One team run for (symbol, strategy, moment): what it cost and how it ended."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    symbol: str
    timeframe: str
    strategy_name: str
    snapshot_hash: str = Field(description="The snapshot the run decided on (replay it)")
    started_at: datetime
    finished_at: datetime | None
    status: str = Field(description="running, finished or failed")
    ended_by: str | None = Field(description="e.g. submitted, budget_exceeded, llm_unavailable")
    model: str = Field(description='The model(s), e.g. "gpt-4o-mini -> countersign-offline"')
    fallback_used: bool = Field(description="The offline rules model decided after the LLM failed")
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float = Field(description="0 for the offline model and for models without a price")
    seconds: float
    outcome: str | None = Field(description="The idea's status when the run ended")
    idea_id: int | None
    error: str | None = Field(description="What went wrong with the model, in plain words")

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class TranscriptEventPublic(BaseModel):
    """One thing said or done in a run. Built from a stored row or from a live event."""

    model_config = ConfigDict(from_attributes=True)

    attempt: int = Field(description="1 = the configured model, 2 = the offline fallback")
    seq: int
    source: str = Field(description='The agent (technical, news, risk, executor), "user", "system"')
    type: str = Field(description="task, text, tool_call, tool_result, error or stop")
    content: str
    tool_calls: list[dict[str, Any]] = Field(description="{id, name, arguments (JSON text)}")
    tool_results: list[dict[str, Any]] = Field(description="{call_id, name, content, is_error}")
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: float | None
    created_at: datetime

    @property
    def key(self) -> tuple[int, int]:
        """Where this event sits in the transcript: (attempt, seq)."""
        return self.attempt, self.seq

    @property
    def fallback(self) -> bool:
        return self.attempt > 1


class RunDetail(RunPublic):
    events: list[TranscriptEventPublic] = Field(description="The transcript, in order")


class RunPage(BaseModel):
    items: list[RunPublic] = Field(description="Newest first")
    next_before_id: int | None = Field(
        description="Pass as before_id for the next page; None on the last page"
    )


class CycleStarted(BaseModel):
    at: datetime = Field(description="The moment the cycle decides at (the desk's clock)")
    symbols: list[str] = Field(description="The watchlist the cycle runs over")
    message: str
