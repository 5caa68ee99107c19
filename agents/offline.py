"""The offline rules model: a deterministic ChatCompletionClient, the desk's default model.

It tells the role from the system prompt, makes that role's tool calls, then writes the message
from the tool results (see offline_rules). No randomness and no network, so the desk runs without
a key and tests reproduce. It reports estimated usage (len(text) // 4) through LLMCallEvent like a
real client, so its calls count as LLM calls; the model name says they were offline.
"""

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import asdict
from typing import Any, Literal

from autogen_core import EVENT_LOGGER_NAME, CancellationToken, FunctionCall
from autogen_core.logging import LLMCallEvent
from autogen_core.models import (
    AssistantMessage,
    ChatCompletionClient,
    CreateResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    ModelCapabilities,
    ModelFamily,
    ModelInfo,
    RequestUsage,
    SystemMessage,
    UserMessage,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from agents.digest import read_digest
from agents.offline_rules import Conversation, plan_calls, write_message
from agents.roles import role_of

OFFLINE_MODEL = "countersign-offline"
OFFLINE_LABEL = "offline rules model"
_CONTEXT_WINDOW = 128_000
_INFO = ModelInfo(
    vision=False,
    function_calling=True,
    json_output=False,
    family=ModelFamily.UNKNOWN,
    structured_output=False,
)
_event_logger = logging.getLogger(EVENT_LOGGER_NAME)


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _text(message: LLMMessage) -> str:
    return message.content if isinstance(message.content, str) else message.model_dump_json()


def read_conversation(messages: Sequence[LLMMessage]) -> Conversation:
    system = "\n".join(m.content for m in messages if isinstance(m, SystemMessage))
    role = role_of(system)
    if role is None:
        raise ValueError("the offline model cannot tell the agent's role from its system prompt")
    said = {
        m.source: m.content
        for m in messages
        if isinstance(m, UserMessage) and isinstance(m.content, str)
    }
    last = messages[-1] if messages else None
    results = (
        [(r.name, r.content) for r in last.content]
        if isinstance(last, FunctionExecutionResultMessage)
        else []
    )
    return Conversation(
        role=role, digest=read_digest(said.get("user", "")), said=said, tool_results=results
    )


class OfflineChatCompletionClient(ChatCompletionClient):
    def __init__(self) -> None:
        self._total = RequestUsage(prompt_tokens=0, completion_tokens=0)
        self._last = RequestUsage(prompt_tokens=0, completion_tokens=0)

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = [],
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        if cancellation_token is not None and cancellation_token.is_cancelled():
            raise asyncio.CancelledError  # as a real client's linked request would
        conversation = read_conversation(messages)
        offered = {t.schema["name"] if isinstance(t, Tool) else t["name"] for t in tools}
        wants_tools = tool_choice != "none" and not conversation.tool_results
        calls = [c for c in plan_calls(conversation) if c[0] in offered] if wants_tools else []
        content: str | list[FunctionCall]
        if calls:
            turn = sum(isinstance(m, AssistantMessage) for m in messages)
            content = [
                FunctionCall(
                    id=f"offline-{conversation.role}-{turn}-{i}",
                    name=name,
                    arguments=json.dumps(args, sort_keys=True),
                )
                for i, (name, args) in enumerate(calls)
            ]
            answer = json.dumps([asdict(c) for c in content])
        else:
            content = answer = write_message(conversation)
        usage = RequestUsage(
            prompt_tokens=self.count_tokens(messages, tools=tools),
            completion_tokens=_estimate_tokens(answer),
        )
        self._record(messages, answer, usage)
        return CreateResult(
            finish_reason="function_calls" if calls else "stop",
            content=content,
            usage=usage,
            cached=False,
        )

    def _record(self, messages: Sequence[LLMMessage], answer: str, usage: RequestUsage) -> None:
        self._last = usage
        self._total = RequestUsage(
            prompt_tokens=self._total.prompt_tokens + usage.prompt_tokens,
            completion_tokens=self._total.completion_tokens + usage.completion_tokens,
        )
        _event_logger.info(
            LLMCallEvent(
                messages=[m.model_dump(mode="json") for m in messages],
                response={"model": OFFLINE_MODEL, "content": answer},
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
            )
        )

    async def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = [],
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> AsyncGenerator[str | CreateResult, None]:
        result = await self.create(messages, tools=tools, tool_choice=tool_choice)
        if isinstance(result.content, str):
            yield result.content
        yield result

    async def close(self) -> None:
        """Nothing to release: no connection, no files."""

    def actual_usage(self) -> RequestUsage:
        return self._last

    def total_usage(self) -> RequestUsage:
        return self._total

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = []
    ) -> int:
        schemas = [t.schema if isinstance(t, Tool) else t for t in tools]
        text = "".join(_text(m) for m in messages) + json.dumps(schemas, default=str)
        return _estimate_tokens(text)

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = []
    ) -> int:
        return _CONTEXT_WINDOW - self.count_tokens(messages, tools=tools)

    @property
    def capabilities(self) -> ModelCapabilities:  # deprecated upstream, still abstract
        return {"vision": False, "function_calling": True, "json_output": False}

    @property
    def model_info(self) -> ModelInfo:
        return _INFO
