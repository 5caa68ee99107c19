"""The run's transcript: AutoGen's stream turned into plain TranscriptEvents, in order.

Latency is the time since the previous event, given only to events that waited on something: a
model reply (it carries token usage) or a tool result. Round robin runs one step at a time, so
that gap is the call's duration plus a little framework overhead.
"""

import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from autogen_agentchat.messages import (
    BaseAgentEvent,
    BaseChatMessage,
    ModelClientStreamingChunkEvent,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
)
from autogen_core.models import RequestUsage

EventType = Literal["task", "text", "tool_call", "tool_result", "error", "stop"]
SYSTEM = "system"


@dataclass
class TranscriptEvent:
    """One step of a run. tool_calls hold {id, name, arguments (raw JSON text)}; tool_results
    hold {call_id, name, content, is_error}. Token counts are set on model replies only."""

    seq: int
    source: str  # agent name, "user" (the task) or "system"
    type: EventType
    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    tool_results: list[dict[str, Any]] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


EventCallback = Callable[[TranscriptEvent], Awaitable[None] | None]


class EventCallbackError(Exception):
    """The caller's on_event raised `original`; run_team stops the chat and re-raises it."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


class TranscriptRecorder:
    def __init__(self, on_event: EventCallback | None) -> None:
        self.events: list[TranscriptEvent] = []
        self._on_event = on_event
        self._last = time.perf_counter()

    async def add(
        self,
        source: str,
        type_: EventType,
        content: str,
        *,
        tool_calls: list[dict[str, Any]] | None = None,
        tool_results: list[dict[str, Any]] | None = None,
        usage: RequestUsage | None = None,
        waited: bool = False,
    ) -> None:
        now = time.perf_counter()
        event = TranscriptEvent(
            seq=len(self.events),
            source=source,
            type=type_,
            content=content,
            tool_calls=tool_calls or [],
            tool_results=tool_results or [],
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            latency_ms=round((now - self._last) * 1000, 1) if waited or usage else None,
        )
        self._last = now
        self.events.append(event)
        if self._on_event is None:
            return
        try:
            outcome = self._on_event(event)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception as exc:
            raise EventCallbackError(exc) from exc

    async def add_autogen(self, message: BaseAgentEvent | BaseChatMessage) -> None:
        usage = message.models_usage
        if isinstance(message, ModelClientStreamingChunkEvent):
            return  # partial text; the complete message follows
        if isinstance(message, ToolCallRequestEvent):
            calls = [
                {"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.content
            ]
            summary = "\n".join(f"{c['name']}({c['arguments']})" for c in calls)
            await self.add(message.source, "tool_call", summary, tool_calls=calls, usage=usage)
        elif isinstance(message, ToolCallExecutionEvent):
            results = [
                {"call_id": r.call_id, "name": r.name, "content": r.content, "is_error": r.is_error}
                for r in message.content
            ]
            summary = "\n".join(f"{r['name']}: {r['content']}" for r in results)
            await self.add(
                message.source, "tool_result", summary, tool_results=results, waited=True
            )
        else:
            kind: EventType = "task" if message.source == "user" else "text"
            await self.add(message.source, kind, message.to_text(), usage=usage)
