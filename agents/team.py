"""One decision: a fresh four-agent round robin, run within a budget, captured in full.

Never shared between runs: agents, team, termination conditions, cancellation token (AutoGen
keeps state in all of them). Shared: the model clients in the ModelSet.
"""

import asyncio
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.base import TaskResult
from autogen_agentchat.conditions import (
    FunctionCallTermination,
    MaxMessageTermination,
    SourceMatchTermination,
    TokenUsageTermination,
)
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_core import CancellationToken

from agents.failures import describe_team_error
from agents.models import ModelSet
from agents.roles import SPEAKING_ORDER, TITLES, TOOL_SUMMARY_FORMAT, Role, system_prompt
from agents.toolbelt import DeskToolkit, Submission, workbench_for
from agents.transcript import (
    SYSTEM,
    EventCallback,
    EventCallbackError,
    TranscriptEvent,
    TranscriptRecorder,
)
from agents.usage import track_usage
from tools.proposal import TradeProposal

EndedBy = Literal["submitted", "budget_exceeded", "llm_unavailable", "no_proposal"]
SUBMIT_TOOL = "submit_proposal"

# (reflect_on_tool_use, max_tool_iterations). The technical analyst interprets its numbers and
# may retry a failed call once; the other roles' tool output already is their verdict, so their
# turn is one model call. The executor must never get a second call after submitting.
_TURN_SHAPE: dict[Role, tuple[bool, int]] = {
    Role.TECHNICAL: (True, 2),
    Role.NEWS: (False, 1),
    Role.RISK: (False, 1),
    Role.EXECUTOR: (False, 1),
}


@dataclass
class Budget:
    max_messages: int = 12  # chat messages, the task included
    max_tokens: int = 20_000  # prompt + completion, as the models report them
    max_seconds: float = 60


@dataclass
class TeamResult:
    ended_by: EndedBy
    stop_reason: str
    submitted: dict | None  # what toolkit.submit_proposal returned
    proposal: TradeProposal | None
    events: list[TranscriptEvent] = field(default_factory=list)
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    model: str = ""
    error: str | None = None
    tokens_by_model: dict[str, tuple[int, int]] = field(default_factory=dict)


def _build_team(
    toolkit: DeskToolkit, models: ModelSet, budget: Budget, submission: Submission
) -> RoundRobinGroupChat:
    lane = models.next_lane()
    agents = [
        AssistantAgent(
            name=role.value,
            description=f"The desk's {TITLES[role]}.",
            model_client=models.client(role, lane),
            workbench=workbench_for(role, toolkit, submission),
            system_message=system_prompt(role),
            reflect_on_tool_use=_TURN_SHAPE[role][0],
            max_tool_iterations=_TURN_SHAPE[role][1],
            tool_call_summary_format=TOOL_SUMMARY_FORMAT,
        )
        for role in SPEAKING_ORDER
    ]
    # The executor's turn ends the run whether or not it called the tool, so a model that only
    # talks cannot send the round robin round again.
    termination = (
        FunctionCallTermination(SUBMIT_TOOL)
        | SourceMatchTermination([Role.EXECUTOR.value])
        | MaxMessageTermination(budget.max_messages)
        | TokenUsageTermination(max_total_token=budget.max_tokens)
    )
    return RoundRobinGroupChat(agents, termination_condition=termination)


def _invalid_submit_call(events: list[TranscriptEvent]) -> str | None:
    """The tool error when the executor's model sent a call the tool could not run (bad
    arguments, unknown tool): junk from the model, so the caller falls back to offline."""
    for event in events:
        if event.source == Role.EXECUTOR.value and event.type == "tool_result":
            errors = [r for r in event.tool_results if r["is_error"]]
            if errors:
                return f"{errors[0]['name']}: {errors[0]['content']}"[:300]
    return None


def _ended_by(
    submission: Submission, error: str | None, expired: bool, events: list[TranscriptEvent]
) -> tuple[EndedBy, str | None]:
    if submission.outcome is not None:
        return "submitted", None
    if error is not None:
        return "llm_unavailable", error
    if expired:
        return "budget_exceeded", None
    invalid = _invalid_submit_call(events)
    if invalid is not None:
        return "llm_unavailable", f"The model's submit_proposal call was invalid ({invalid})"
    if any(e.source == Role.EXECUTOR.value and e.type == "text" for e in events):
        return "no_proposal", None
    return "budget_exceeded", None  # the message or token budget ended the chat


def _error_text(exc: Exception, models: ModelSet) -> str:
    # AutoGen re-raises a participant's failure as RuntimeError("Type: message\nTraceback...").
    text = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
    return describe_team_error(text, models.secrets())


async def run_team(
    *,
    task: str,
    toolkit: DeskToolkit,
    models: ModelSet,
    budget: Budget,
    on_event: EventCallback | None = None,
) -> TeamResult:
    """Run technical -> news -> risk -> executor once. Model failures never raise: the result
    says how the run ended. Exceptions from on_event and from toolkit.submit_proposal do."""
    try:
        return await _run(task, toolkit, models, budget, TranscriptRecorder(on_event))
    except EventCallbackError as exc:
        raise exc.original from None


async def _converse(
    team: RoundRobinGroupChat,
    task: str,
    token: CancellationToken,
    recorder: TranscriptRecorder,
    models: ModelSet,
) -> tuple[str, str | None]:
    """Stream the chat into the recorder; returns (stop reason, model error)."""
    stream = team.run_stream(task=task, cancellation_token=token)
    stop_reason = ""
    try:
        async for item in stream:
            if isinstance(item, TaskResult):
                stop_reason = item.stop_reason or ""
            else:
                await recorder.add_autogen(item)
    except asyncio.CancelledError:
        if not token.is_cancelled():
            raise
        return "", None  # the time budget stopped it; _run words the reason
    except EventCallbackError:
        raise
    except Exception as exc:  # a model failure, re-raised by AutoGen as RuntimeError
        error = _error_text(exc, models)
        await recorder.add(SYSTEM, "error", error)
        return "The model failed.", error
    finally:
        token.cancel()  # stops whatever still runs before the stream's shutdown waits for it
        await _close(stream)
    return stop_reason, None


async def _close(stream: AsyncGenerator[object, None]) -> None:
    """Close the team's stream. Its runtime re-raises the cancellation that stopped it; that
    one is expected here and must not hide the error that made us close the stream."""
    try:
        await stream.aclose()
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise


async def _run(
    task: str, toolkit: DeskToolkit, models: ModelSet, budget: Budget, recorder: TranscriptRecorder
) -> TeamResult:
    started = time.perf_counter()
    submission = Submission()
    team = _build_team(toolkit, models, budget, submission)
    # The time budget cancels this token: unlike asyncio.wait_for it stops in-flight model and
    # tool calls inside the team instead of abandoning a chat that keeps running.
    token = CancellationToken()
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        token.cancel()

    timer = asyncio.get_running_loop().call_later(budget.max_seconds, expire)
    with track_usage() as usage:
        # A child task, so that our caller cancelling us can first stop the chat through the
        # token (AutoGen's stream waits for its runtime to go idle before it ends).
        conversation = asyncio.ensure_future(_converse(team, task, token, recorder, models))
        try:
            stop_reason, error = await asyncio.shield(conversation)
        except asyncio.CancelledError:
            token.cancel()
            await asyncio.wait({conversation})
            raise
        finally:
            timer.cancel()
        await submission.settle()
        ended_by, problem = _ended_by(submission, error, expired, recorder.events)
        if expired:
            stop_reason = f"Time budget of {budget.max_seconds:g} s exceeded."
        stop_reason = stop_reason or ended_by
        await recorder.add(SYSTEM, "stop", stop_reason)
    return TeamResult(
        ended_by=ended_by,
        stop_reason=stop_reason,
        submitted=submission.outcome,
        proposal=submission.proposal if submission.outcome is not None else None,
        events=recorder.events,
        llm_calls=usage.calls,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        tokens_by_model={m: (p, c) for m, (p, c) in usage.by_model.items()},
        seconds=round(time.perf_counter() - started, 3),
        model=models.label,
        error=problem,
    )
