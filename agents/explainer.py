"""The explainer: one agent that answers questions about a stored idea or decision.

Read-only by construction: its only tools are the views of ExplainTools, pure functions of a
record loaded before the chat starts (no session, no broker, no desk). It never writes; the
caller stores the answer. When the configured model fails, the offline explainer answers and
the result says so, like the desk's degraded mode.
"""

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.base import TaskResult
from autogen_agentchat.messages import (
    ModelClientStreamingChunkEvent,
    TextMessage,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
)
from autogen_core import CancellationToken, FunctionCall
from autogen_core.model_context import UnboundedChatCompletionContext
from autogen_core.models import AssistantMessage, ChatCompletionClient, LLMMessage, UserMessage
from autogen_core.tools import FunctionTool

from agents.explainer_offline import ExplainerOfflineClient
from agents.failures import describe_exception
from agents.models import ModelConfig, build_client
from agents.offline import OFFLINE_LABEL, OFFLINE_MODEL
from agents.usage import track_usage
from prompts import load_prompt

EXPLAINER = "explainer"
MAX_HISTORY_MESSAGES = 12  # earlier turns the model sees; older ones stay in the database
_MAX_TOOL_ITERATIONS = 3

Turn = tuple[Literal["user", "assistant"], str]
ChunkCallback = Callable[[str], Awaitable[None] | None]


class ExplainTools(Protocol):
    """Views of one stored record, each a JSON-ready dict. Contracts the offline explainer
    relies on are documented on orchestrator.explain_tools.RecordTools."""

    def idea(self) -> dict: ...
    def decisions(self) -> dict: ...
    def checks(self) -> dict: ...
    def confidence(self) -> dict: ...
    def market(self) -> dict: ...
    def news(self) -> dict: ...
    def account(self) -> dict: ...
    def transcript(self, agent: str = "") -> dict: ...
    def execution(self) -> dict: ...
    def what_if(self, parameter: str, value: str) -> dict: ...


@dataclass(frozen=True)
class Source:
    """A tool the answer rests on: what was asked and what the record said (JSON text)."""

    tool: str
    arguments: dict[str, Any]
    result: str


@dataclass
class ExplainerAnswer:
    text: str
    model: str
    sources: list[Source] = field(default_factory=list)
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None  # why the configured model failed; the offline explainer answered


class ExplainerFailed(RuntimeError):
    """A model could not answer (unreachable, junk, too slow). `explain` answers with the
    offline explainer instead; it raises this only when the offline explainer fails too."""


def _as_json(result: Any) -> str:
    return json.dumps(result, default=str, separators=(",", ":"), ensure_ascii=False)


def explainer_tools(tools: ExplainTools) -> list[FunctionTool]:
    """The record's views as FunctionTools. None of them writes anything."""

    def idea() -> str:
        return _as_json(tools.idea())

    def decisions() -> str:
        return _as_json(tools.decisions())

    def checks() -> str:
        return _as_json(tools.checks())

    def confidence() -> str:
        return _as_json(tools.confidence())

    def market() -> str:
        return _as_json(tools.market())

    def news() -> str:
        return _as_json(tools.news())

    def account() -> str:
        return _as_json(tools.account())

    def transcript(
        agent: Annotated[str, "only this speaker (technical, news, risk, executor); '' = all"] = "",
    ) -> str:
        return _as_json(tools.transcript(agent))

    def execution() -> str:
        return _as_json(tools.execution())

    def what_if(
        parameter: Annotated[str, "a risk config field (e.g. min_confidence_threshold) or lots"],
        value: Annotated[str, "the new value, e.g. 80, relaxed, 0.05"],
    ) -> str:
        return _as_json(tools.what_if(parameter, value))

    described: list[tuple[Callable[..., str], str]] = [
        (idea, "The idea: symbol, side, strategy, status, mode, levels, lots, R:R, confidence."),
        (decisions, "Every decision on it, oldest first: action, actor, reason codes, details."),
        (checks, "Every gate check with pass/fail, severity and numbers; the closest passes."),
        (confidence, "Confidence 0-100 with its three parts, reasons and the threshold."),
        (market, "The snapshot: price, indicators (RSI, ATR...), trend, swings, session."),
        (news, "Calendar events, headlines (untrusted quotes), news checks, the news agent."),
        (account, "The account and the risk config at decision time."),
        (transcript, "What the desk's agents said in the run, with the run's model and cost."),
        (execution, "Orders, fills and positions afterwards (stop or target hit, P&L)."),
        (
            what_if,
            "Re-run the gate on the same snapshot with one parameter changed; records nothing.",
        ),
    ]
    return [FunctionTool(fn, description=text, name=fn.__name__) for fn, text in described]


def _history(turns: Sequence[Turn]) -> list[LLMMessage]:
    return [
        UserMessage(content=text, source="user")
        if role == "user"
        else AssistantMessage(content=text, source=EXPLAINER)
        for role, text in list(turns)[-MAX_HISTORY_MESSAGES:]
    ]


def _sources(calls: dict[str, FunctionCall], event: ToolCallExecutionEvent) -> list[Source]:
    sources = []
    for result in event.content:
        call = calls.get(result.call_id)
        if result.is_error or call is None:
            continue  # an error grounds nothing
        try:
            arguments = json.loads(call.arguments or "{}")
        except json.JSONDecodeError:
            arguments = {}
        sources.append(Source(tool=result.name, arguments=arguments, result=result.content))
    return sources


async def _emit(on_chunk: ChunkCallback | None, text: str) -> None:
    if on_chunk is not None:
        outcome = on_chunk(text)
        if inspect.isawaitable(outcome):
            await outcome


async def _converse(
    question: str,
    history: Sequence[Turn],
    tools: ExplainTools,
    client: ChatCompletionClient,
    on_chunk: ChunkCallback | None,
    max_seconds: float,
) -> tuple[str, list[Source]]:
    # A fresh agent per question: AutoGen agents keep state and must never be shared.
    agent = AssistantAgent(
        name=EXPLAINER,
        model_client=client,
        tools=explainer_tools(tools),
        system_message=load_prompt("explainer"),
        model_context=UnboundedChatCompletionContext(initial_messages=_history(history)),
        model_client_stream=on_chunk is not None,
        reflect_on_tool_use=True,
        max_tool_iterations=_MAX_TOOL_ITERATIONS,
    )
    # A token, unlike asyncio.wait_for, also stops the model call in flight.
    token = CancellationToken()
    timer = asyncio.get_running_loop().call_later(max_seconds, token.cancel)
    calls: dict[str, FunctionCall] = {}
    sources: list[Source] = []
    text = ""
    try:
        async for item in agent.run_stream(task=question, cancellation_token=token):
            if isinstance(item, ModelClientStreamingChunkEvent):
                await _emit(on_chunk, item.content)
            elif isinstance(item, ToolCallRequestEvent):
                calls.update({call.id: call for call in item.content})
            elif isinstance(item, ToolCallExecutionEvent):
                sources += _sources(calls, item)
            elif isinstance(item, TaskResult) and isinstance(item.messages[-1], TextMessage):
                text = item.messages[-1].content
    except asyncio.CancelledError:
        if not token.is_cancelled():
            raise
        raise ExplainerFailed(f"The AI endpoint did not answer within {max_seconds:g} s") from None
    except Exception as exc:  # whatever the model client raised: junk, refused, unreachable
        raise ExplainerFailed(describe_exception(exc)) from exc
    finally:
        timer.cancel()
    if not text.strip():
        raise ExplainerFailed("The model gave no answer")
    return text, sources


async def _answer(
    question: str,
    history: Sequence[Turn],
    tools: ExplainTools,
    client: ChatCompletionClient,
    model: str,
    on_chunk: ChunkCallback | None,
    max_seconds: float,
) -> ExplainerAnswer:
    with track_usage() as usage:
        try:
            text, sources = await _converse(question, history, tools, client, on_chunk, max_seconds)
        finally:
            await client.close()
    return ExplainerAnswer(
        text=text,
        model=model,
        sources=sources,
        llm_calls=usage.calls,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
    )


async def explain(
    question: str,
    *,
    history: Sequence[Turn],
    tools: ExplainTools,
    config: ModelConfig,
    on_chunk: ChunkCallback | None = None,
    max_seconds: float = 60.0,
) -> ExplainerAnswer:
    """Answer `question` after the earlier `history` turns. `on_chunk` receives the answer's
    text as the model streams it. A configured model's failure never raises: the offline
    explainer answers instead, and `error` says why."""
    offline_label = f"{OFFLINE_MODEL} ({OFFLINE_LABEL})"
    if not config.is_offline:
        try:
            return await _answer(
                question, history, tools, build_client(config), config.model, on_chunk, max_seconds
            )
        except ExplainerFailed as exc:
            fallback = await _answer(
                question, history, tools, ExplainerOfflineClient(), offline_label, None, max_seconds
            )
            fallback.model = f"{config.model} -> {offline_label}"
            fallback.error = str(exc)
            return fallback
    return await _answer(
        question, history, tools, ExplainerOfflineClient(), offline_label, on_chunk, max_seconds
    )
