"""run_team with the offline model: order, determinism, budgets and the caller's hooks."""

import asyncio
import time

import pytest

from agents import Budget, ModelSet, TeamResult, TranscriptEvent, build_task, run_team
from tests.unit.test_agents_support import (
    CANDIDATE,
    HOSTILE_HEADLINE,
    FakeToolkit,
    SlowToolkit,
    make_digest,
)
from tools.proposal import ProposalDirection, TradeProposal


async def _run(toolkit: FakeToolkit, budget: Budget | None = None, **kwargs) -> TeamResult:
    return await run_team(
        task=build_task(kwargs.pop("digest", make_digest(toolkit.symbol))),
        toolkit=toolkit,
        models=ModelSet.offline(),
        budget=budget or Budget(),
        **kwargs,
    )


def _speakers(result: TeamResult) -> list[str]:
    return list(dict.fromkeys(e.source for e in result.events))


async def test_run_team_when_offline_then_four_agents_speak_in_order_and_submit() -> None:
    toolkit = FakeToolkit()
    result = await _run(toolkit)
    assert result.ended_by == "submitted"
    assert _speakers(result) == ["user", "technical", "news", "risk", "executor", "system"]
    assert [e.seq for e in result.events] == list(range(len(result.events)))
    assert toolkit.submitted == [result.proposal]
    assert result.proposal is not None
    assert result.proposal.model_dump(include=set(CANDIDATE)) == CANDIDATE
    assert result.submitted == {"outcome": "needs_approval", "symbol": "EURUSD"}


async def test_run_team_when_offline_then_every_analyst_used_a_tool() -> None:
    result = await _run(FakeToolkit())
    callers = {e.source for e in result.events if e.type == "tool_call"}
    assert callers == {"technical", "news", "risk", "executor"}


async def test_run_team_when_offline_then_usage_is_counted_and_labelled_offline() -> None:
    result = await _run(FakeToolkit())
    assert result.llm_calls == 5  # technical calls tools then writes; the others call once
    replies = [e for e in result.events if e.prompt_tokens is not None]
    assert len(replies) == result.llm_calls
    assert result.prompt_tokens == sum(e.prompt_tokens or 0 for e in replies)
    assert result.model == "countersign-offline (offline rules model)"
    assert result.error is None


async def test_run_team_when_run_twice_then_transcripts_are_identical() -> None:
    def said(result: TeamResult) -> list[tuple]:
        return [(e.source, e.type, e.content, e.tool_calls, e.tool_results) for e in result.events]

    assert said(await _run(FakeToolkit())) == said(await _run(FakeToolkit()))


async def test_run_team_when_risk_checks_block_then_no_trade_is_submitted() -> None:
    toolkit = FakeToolkit(risk_passed=False)
    result = await _run(toolkit)
    assert result.ended_by == "submitted"
    assert result.proposal is not None
    assert result.proposal.direction is ProposalDirection.NONE


async def test_run_team_when_headline_is_hostile_then_it_stays_data() -> None:
    toolkit = FakeToolkit(headline=HOSTILE_HEADLINE)
    result = await _run(toolkit)
    assert result.proposal is not None
    assert (result.proposal.direction, result.proposal.lots) == ("buy", CANDIDATE["lots"])
    quoting = [(e.source, e.type) for e in result.events if HOSTILE_HEADLINE in e.content]
    assert quoting == [("news", "tool_result"), ("news", "text")]  # quoted as data, twice


async def test_run_team_when_a_tool_outlasts_max_seconds_then_cancelled_as_budget_exceeded() -> (
    None
):
    toolkit = SlowToolkit()
    started = time.perf_counter()
    try:
        result = await _run(toolkit, Budget(max_seconds=0.3))
    finally:
        toolkit.release.set()
    assert time.perf_counter() - started < 2
    assert result.ended_by == "budget_exceeded"
    assert "Time budget of 0.3 s exceeded" in result.stop_reason
    assert toolkit.submitted == []
    assert [(e.source, e.type) for e in result.events[-1:]] == [("system", "stop")]


async def test_run_team_when_max_messages_reached_then_budget_exceeded_before_executor() -> None:
    toolkit = FakeToolkit()
    result = await _run(toolkit, Budget(max_messages=3))  # the task, technical, news
    assert result.ended_by == "budget_exceeded"
    assert "executor" not in _speakers(result)
    assert "risk" not in _speakers(result)
    assert toolkit.submitted == []


async def test_run_team_when_max_tokens_reached_then_budget_exceeded() -> None:
    toolkit = FakeToolkit()
    result = await _run(toolkit, Budget(max_tokens=100))
    assert result.ended_by == "budget_exceeded"
    assert "Token usage limit reached" in result.stop_reason
    assert toolkit.submitted == []


async def test_run_team_when_on_event_is_async_or_sync_then_it_sees_every_event() -> None:
    seen_async: list[TranscriptEvent] = []
    seen_sync: list[TranscriptEvent] = []

    async def collect(event: TranscriptEvent) -> None:
        seen_async.append(event)

    result = await _run(FakeToolkit(), on_event=collect)
    assert seen_async == result.events
    result = await _run(FakeToolkit(), on_event=seen_sync.append)
    assert seen_sync == result.events


async def test_run_team_when_on_event_raises_then_the_original_error_propagates() -> None:
    toolkit = FakeToolkit()

    def fail_on_tool_calls(event: TranscriptEvent) -> None:
        if event.type == "tool_call":
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        await _run(toolkit, on_event=fail_on_tool_calls)
    assert toolkit.submitted == []


async def test_run_team_when_the_toolkits_submit_raises_then_it_propagates() -> None:
    toolkit = FakeToolkit(submit_error=ConnectionError("broker down"))
    with pytest.raises(ConnectionError, match="broker down"):
        await _run(toolkit)


async def test_run_team_when_the_caller_cancels_then_cancelled_error_propagates() -> None:
    toolkit = SlowToolkit()
    run = asyncio.create_task(_run(toolkit))
    await asyncio.sleep(0.2)
    run.cancel()
    try:
        with pytest.raises(asyncio.CancelledError):
            await run
    finally:
        toolkit.release.set()
    assert toolkit.submitted == []


async def test_run_team_when_no_candidate_then_the_desk_submits_no_trade() -> None:
    toolkit = FakeToolkit()
    result = await _run(toolkit, digest=make_digest(candidate=None))
    assert result.ended_by == "submitted"
    assert result.proposal is not None
    assert result.proposal.direction is ProposalDirection.NONE
    assert [name for name, _ in toolkit.calls if name in {"position_size", "risk_checks"}] == []


class _SlowGateToolkit(FakeToolkit):
    def submit_proposal(self, proposal: TradeProposal) -> dict:
        time.sleep(0.5)
        return super().submit_proposal(proposal)


async def test_run_team_when_time_runs_out_during_submission_then_its_outcome_is_kept() -> None:
    toolkit = _SlowGateToolkit()
    result = await _run(toolkit, Budget(max_seconds=0.3))
    assert result.ended_by == "submitted"
    assert result.submitted == {"outcome": "needs_approval", "symbol": "EURUSD"}
    assert toolkit.submitted == [result.proposal]
    assert "Time budget" in result.stop_reason
