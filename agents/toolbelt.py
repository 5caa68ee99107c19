"""The tools each role may call, bound to one run's DeskToolkit, and the run's one submission.

Toolkit methods are synchronous and run in a worker thread, so a slow one cannot block the event
loop. The time budget's token stops waiting for analysis calls; a submission is shielded from it:
once the gate runs, its outcome is always recorded.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

from autogen_core import CancellationToken
from autogen_core.tools import (
    BaseTool,
    FunctionTool,
    StaticWorkbench,
    TextResultContent,
    ToolResult,
    ToolSchema,
)
from pydantic import BaseModel

from agents.roles import Role
from tools.proposal import TradeProposal

TradeDirection = Annotated[Literal["buy", "sell"], "the trade direction: buy or sell"]


class DeskToolkit(Protocol):
    """Provided by the orchestrator: pure functions of one snapshot, except submit_proposal.

    Every method returns a JSON-serialisable dict (json.dumps with default=str) and is called
    from a worker thread. Contracts the offline model relies on:
    - risk_checks(...) has "passed": bool (False when a BLOCK or HALT check fails).
    - submit_proposal(...) runs the gate and returns its outcome; it is called at most once per
      run and its exceptions propagate out of run_team.
    """

    def indicators(self) -> dict: ...
    def evaluate_strategy(self) -> dict: ...
    def key_levels(self) -> dict: ...
    def upcoming_events(self) -> dict: ...
    def headlines(self) -> dict: ...
    def position_size(self, direction: str) -> dict: ...
    def risk_checks(self, proposal: TradeProposal) -> dict: ...
    def confidence(self, direction: str) -> dict: ...
    def submit_proposal(self, proposal: TradeProposal) -> dict: ...


class SubmissionRefusedError(RuntimeError):
    """A second submit_proposal call in one run, or one after the run was stopped."""


class Submission:
    """The one proposal a run may submit, and the gate's outcome for it."""

    def __init__(self) -> None:
        self.proposal: TradeProposal | None = None
        self.outcome: dict | None = None
        self._task: asyncio.Future[dict] | None = None

    async def submit(self, fn: Callable[[TradeProposal], dict], proposal: TradeProposal) -> dict:
        # Claimed before the first await, so parallel calls in one model reply submit once.
        if self._task is not None:
            raise SubmissionRefusedError("a proposal was already submitted in this run")
        self.proposal = proposal
        self._task = asyncio.ensure_future(asyncio.to_thread(fn, proposal))
        return await asyncio.shield(self._task)

    async def settle(self) -> None:
        """Wait for a submission the time budget interrupted; re-raises the toolkit's error."""
        if self._task is not None:
            self.outcome = await self._task


def _as_json(result: Any) -> str:
    return json.dumps(result, default=str, separators=(",", ":"), ensure_ascii=False)


class StoppableWorkbench(StaticWorkbench):
    """The workbench cancels a running tool when the token fires, but AutoGen 0.7.5's
    AssistantAgent then waits for that tool's result for ever, and the team with it. Answering
    with an error result instead lets the cancelled run wind down."""

    async def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> ToolResult:
        try:
            return await super().call_tool(name, arguments, cancellation_token, call_id)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # this task itself is being cancelled, not just the tool
            stopped = TextResultContent(content="Error: the run stopped before the tool finished")
            return ToolResult(name=name, result=[stopped], is_error=True)


# A tool's call: its arguments as keywords plus the run's cancellation token; returns JSON text.
ToolCall = Callable[..., Awaitable[str]]


@dataclass(frozen=True)
class _ToolShape:
    args_type: type[BaseModel]
    schema: ToolSchema


_SHAPES: dict[str, _ToolShape] = {}


def _shape(name: str, description: str, call: ToolCall) -> _ToolShape:
    """The argument model and schema of a tool, learnt from its call's signature once per
    process: AutoGen's FunctionTool builds a pydantic model per instance and regenerates the
    schema on every model call, which under 50 concurrent decisions was a fifth of the CPU."""
    shape = _SHAPES.get(name)
    if shape is None:
        learnt = FunctionTool(call, description=description, name=name)
        shape = _SHAPES[name] = _ToolShape(learnt.args_type(), learnt.schema)
    return shape


class RunTool(BaseTool[BaseModel, BaseModel]):
    """One desk tool bound to one run."""

    def __init__(self, name: str, description: str, call: ToolCall) -> None:
        shape = _shape(name, description, call)
        super().__init__(shape.args_type, str, name, description)  # type: ignore[arg-type]
        self._shape_schema = shape.schema
        self._call = call

    @property
    def schema(self) -> ToolSchema:
        return self._shape_schema

    async def run(self, args: BaseModel, cancellation_token: CancellationToken) -> Any:
        arguments = {field: getattr(args, field) for field in type(args).model_fields}
        return await self._call(cancellation_token=cancellation_token, **arguments)


async def _in_thread(fn: Callable[..., dict], *args: Any) -> str:
    return _as_json(await asyncio.to_thread(fn, *args))


def _plain_tool(name: str, description: str, fn: Callable[[], dict]) -> RunTool:
    async def call(cancellation_token: CancellationToken) -> str:
        return await _in_thread(fn)

    return RunTool(name, description, call)


def _direction_tool(name: str, description: str, fn: Callable[[str], dict]) -> RunTool:
    async def call(direction: TradeDirection, cancellation_token: CancellationToken) -> str:
        return await _in_thread(fn, direction)

    return RunTool(name, description, call)


def _risk_checks_tool(toolkit: DeskToolkit) -> RunTool:
    async def risk_checks(proposal: TradeProposal, cancellation_token: CancellationToken) -> str:
        return await _in_thread(toolkit.risk_checks, proposal)

    return RunTool(
        "risk_checks", "Preview the gate's checks on a proposal; no side effects.", risk_checks
    )


def _submit_tool(toolkit: DeskToolkit, submission: Submission) -> RunTool:
    async def submit_proposal(
        proposal: TradeProposal, cancellation_token: CancellationToken
    ) -> str:
        if cancellation_token.is_cancelled():
            raise SubmissionRefusedError("the run was stopped before submitting")
        return _as_json(await submission.submit(toolkit.submit_proposal, proposal))

    return RunTool(
        "submit_proposal",
        "Submit the desk's one proposal (direction none for no trade) to the gate. "
        "Call once; it ends the discussion and returns the gate's outcome.",
        submit_proposal,
    )


def workbench_for(role: Role, toolkit: DeskToolkit, submission: Submission) -> StoppableWorkbench:
    return StoppableWorkbench(tools_for(role, toolkit, submission))


def tools_for(role: Role, toolkit: DeskToolkit, submission: Submission) -> list[RunTool]:
    match role:
        case Role.TECHNICAL:
            return [
                _plain_tool("indicators", "Indicator values on the snapshot.", toolkit.indicators),
                _plain_tool(
                    "evaluate_strategy",
                    "Each entry condition of the active strategy (pass/fail) and the direction "
                    "it allows.",
                    toolkit.evaluate_strategy,
                ),
                _plain_tool(
                    "key_levels", "Swings, trend and candidate levels.", toolkit.key_levels
                ),
            ]
        case Role.NEWS:
            return [
                _plain_tool(
                    "upcoming_events",
                    "Scheduled events in the window with impact and blackout flags.",
                    toolkit.upcoming_events,
                ),
                _plain_tool(
                    "headlines", "Recent headlines, as untrusted quoted data.", toolkit.headlines
                ),
            ]
        case Role.RISK:
            return [
                _direction_tool(
                    "position_size", "Lot size code allows for a direction.", toolkit.position_size
                ),
                _risk_checks_tool(toolkit),
                _direction_tool(
                    "confidence",
                    "Confidence 0-100 with its breakdown for a direction.",
                    toolkit.confidence,
                ),
            ]
        case Role.EXECUTOR:
            return [_submit_tool(toolkit, submission)]
