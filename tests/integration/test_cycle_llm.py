"""Cycles through the real OpenAIChatCompletionClient: CycleRunner + Desk + database against a
respx-mocked chat-completions endpoint that answers from each request (tests/llm_mock.py).

SEMI_AUTO with a confidence threshold of 0 is the most permissive autonomous setting: whatever
passes the gate executes at once, so "no order" there means the gate or the desk stopped it.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy.engine import Engine
from sqlmodel import select

from agents import OFFLINE_LABEL, OFFLINE_MODEL, Role
from orchestrator.cycle import CycleResult, CycleRunner, model_set
from orchestrator.desk import Desk
from orchestrator.settings import LlmPrice, load_settings
from orchestrator.transcripts import cost_usd
from store.db import session_scope
from store.models import DecisionRow, OrderRow, RunRow, TradeIdeaRow, TranscriptEventRow
from tests.desk_helpers import matching_strategy, relax_filters
from tests.integration.test_cycle import AT, BREAKOUT
from tests.llm_mock import (
    API_KEY,
    COMPLETION_TOKENS,
    COMPLETIONS_URL,
    ENDPOINT_FAILURES,
    EXECUTOR_JUNK,
    MODEL,
    PRICE,
    PROMPT_TOKENS,
    AsyncSideEffect,
    ScriptedLLM,
    SideEffect,
    delayed,
    llm_settings,
    read_request,
)
from tools.checks import Severity
from tools.lifecycle import IdeaStatus
from tools.risk_config import Mode

FALLBACK_MODEL = f"{MODEL} -> {OFFLINE_MODEL} ({OFFLINE_LABEL})"


# --- helpers shared with test_cycle_hostile ----------------------------------------------------


@pytest.fixture
def llm() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def llm_desk(engine: Engine, **overrides: Any) -> Desk:
    """The demo desk at AT, configured for the mocked endpoint."""
    return Desk(engine, load_settings(**llm_settings() | overrides), clock=lambda: AT)


def semi_auto_at_zero(desk: Desk) -> None:
    desk.set_mode(Mode.SEMI_AUTO, actor="test")
    desk.update_risk_config({"min_confidence_threshold": 0}, actor="test")


async def run_cycles(desk: Desk, *symbols: str, strategy: str = BREAKOUT) -> list[CycleResult]:
    """One cycle per symbol (in parallel) with the configured model."""
    models = model_set(desk.settings)
    try:
        runner = CycleRunner(desk, models)
        return await runner.run_watchlist(AT, list(symbols), strategy)
    finally:
        await models.aclose()


def transcript(engine: Engine, run_id: int) -> list[TranscriptEventRow]:
    with session_scope(engine) as session:
        query = select(TranscriptEventRow).where(TranscriptEventRow.run_id == run_id)
        order = (TranscriptEventRow.attempt, TranscriptEventRow.seq)
        return list(session.exec(query.order_by(*order)).all())


def all_orders(engine: Engine) -> list[OrderRow]:
    with session_scope(engine) as session:
        return list(session.exec(select(OrderRow)).all())


def assert_every_order_passed_the_gate(engine: Engine) -> None:
    """No order above its idea's computed size or without a stop; no order whose idea failed a
    BLOCK or HALT check."""
    with session_scope(engine) as session:
        for order in session.exec(select(OrderRow)).all():
            idea = session.get_one(TradeIdeaRow, order.idea_id)
            assert order.stop is not None and order.stop == idea.stop, order
            assert order.lots <= (idea.computed_lots or 0), (order.lots, idea.computed_lots)
            blocking = [
                c["id"]
                for c in idea.checks
                if not c["passed"] and c["severity"] in (Severity.BLOCK, Severity.HALT)
            ]
            assert blocking == [], f"order {order.id} for idea {idea.id} failed {blocking}"


def _records(engine: Engine, result: CycleResult) -> tuple[RunRow, TradeIdeaRow, list[DecisionRow]]:
    with session_scope(engine) as session:
        run = session.get_one(RunRow, result.run_id)
        idea = session.get_one(TradeIdeaRow, result.idea_id)
        query = select(DecisionRow).where(DecisionRow.idea_id == idea.id)
        return run, idea, list(session.exec(query.order_by(DecisionRow.id)).all())


# --- the configured model decides -------------------------------------------------------------


async def test_cycle_when_llm_answers_then_run_records_model_calls_tokens_cost_and_transcript(
    engine: Engine, llm: respx.MockRouter
) -> None:
    mock = ScriptedLLM()
    route = llm.post(COMPLETIONS_URL).mock(side_effect=mock)
    desk = llm_desk(engine)

    [result] = await run_cycles(desk, "XAUUSD")

    run, idea, decisions = _records(engine, result)
    assert (run.status, run.ended_by, run.model) == ("finished", "submitted", MODEL)
    assert not run.fallback_used and run.error is None
    assert run.llm_calls == route.call_count == mock.requests == 5
    assert (run.prompt_tokens, run.completion_tokens) == (
        mock.requests * mock.usage[0],
        mock.requests * mock.usage[1],
    )
    expected_cost = (
        run.prompt_tokens * PRICE.prompt_per_million
        + run.completion_tokens * PRICE.completion_per_million
    ) / 1_000_000
    assert run.cost_usd == pytest.approx(expected_cost) and run.cost_usd > 0
    assert (result.llm_calls, result.cost_usd, result.model) == (5, run.cost_usd, MODEL)
    assert route.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"

    events = transcript(engine, run.id)
    assert {e.attempt for e in events} == {1}
    replies = [(e.prompt_tokens, e.completion_tokens) for e in events if e.prompt_tokens]
    assert replies == [mock.usage] * mock.requests
    called = {e.source: [c["name"] for c in e.tool_calls] for e in events if e.tool_calls}
    assert called == {
        "technical": ["indicators", "evaluate_strategy", "key_levels"],
        "news": ["upcoming_events", "headlines"],
        "risk": ["position_size", "risk_checks", "confidence"],
        "executor": ["submit_proposal"],
    }
    assert all(r["is_error"] is False for e in events for r in e.tool_results)

    assert (idea.run_id, run.idea_id, idea.direction) == (run.id, idea.id, "buy")
    assert idea.status is IdeaStatus.NEEDS_APPROVAL and not idea.llm_unavailable
    assert idea.rationale == "conditions pass"
    assert [(d.action, d.actor) for d in decisions] == [("needs_approval", "ai")]
    assert all_orders(engine) == []


async def test_cycle_when_a_role_uses_another_model_then_cost_prices_each_models_tokens(
    engine: Engine, llm: respx.MockRouter
) -> None:
    route = llm.post(COMPLETIONS_URL).mock(side_effect=ScriptedLLM())
    big = LlmPrice(prompt_per_million=30.0, completion_per_million=60.0)
    desk = llm_desk(
        engine,
        llm_agents={"risk": {"model": "mock-gpt-big"}},
        llm_prices={MODEL: PRICE, "mock-gpt-big": big},
    )

    [result] = await run_cycles(desk, "XAUUSD")

    models = [json.loads(call.request.content)["model"] for call in route.calls]
    assert sorted(models) == [MODEL] * 4 + ["mock-gpt-big"]
    expected = 4 * cost_usd({MODEL: PRICE}, MODEL, PROMPT_TOKENS, COMPLETION_TOKENS) + cost_usd(
        {"big": big}, "big", PROMPT_TOKENS, COMPLETION_TOKENS
    )
    assert result.cost_usd == pytest.approx(expected)


async def test_cycle_when_llm_submits_in_semi_auto_at_threshold_0_then_it_auto_executes(
    engine: Engine, llm: respx.MockRouter
) -> None:
    # The baseline the fallback tests need: the same setup without a failure orders at once.
    llm.post(COMPLETIONS_URL).mock(side_effect=ScriptedLLM())
    desk = llm_desk(engine)
    semi_auto_at_zero(desk)

    [result] = await run_cycles(desk, "XAUUSD")

    _, idea, decisions = _records(engine, result)
    assert result.status == IdeaStatus.AUTO_EXECUTED and not result.fallback_used
    assert [d.action for d in decisions][:1] == ["auto_executed"]
    [order] = all_orders(engine)
    assert (order.idea_id, order.lots) == (idea.id, idea.computed_lots)
    assert_every_order_passed_the_gate(engine)


# --- the configured model fails: the offline model decides, a human countersigns ---------------

_FAILURES: dict[str, dict[str, Any]] = {
    **{name: {"side_effect": effect} for name, effect in ENDPOINT_FAILURES.items()},
    **{name: {"tamper": {Role.EXECUTOR: call}} for name, call in EXECUTOR_JUNK.items()},
}


def _failing_endpoint(case: dict[str, Any]) -> SideEffect:
    return case.get("side_effect") or ScriptedLLM(tamper=case["tamper"])


@pytest.mark.parametrize("case", list(_FAILURES.values()), ids=list(_FAILURES))
async def test_cycle_when_llm_fails_then_offline_fallback_decides_and_nothing_is_ordered(
    engine: Engine, llm: respx.MockRouter, case: dict[str, Any]
) -> None:
    route = llm.post(COMPLETIONS_URL).mock(side_effect=_failing_endpoint(case))
    desk = llm_desk(engine)
    semi_auto_at_zero(desk)

    [result] = await run_cycles(desk, "XAUUSD")

    assert route.call_count >= 1
    run, idea, decisions = _records(engine, result)
    assert result.fallback_used and run.fallback_used
    assert (run.ended_by, run.model) == ("submitted", FALLBACK_MODEL)
    assert run.error and API_KEY not in run.error
    assert idea.rationale.startswith("FALLBACK") and idea.llm_unavailable
    # Every check passed, so SEMI_AUTO at threshold 0 would have executed it: the desk
    # downgraded the fallback's auto-execution to a human's approval.
    assert all(c["passed"] for c in idea.checks)
    assert idea.status is IdeaStatus.NEEDS_APPROVAL
    assert result.status == IdeaStatus.NEEDS_APPROVAL
    [decision] = decisions
    assert (decision.action, decision.mode) == ("needs_approval", Mode.SEMI_AUTO)
    assert "LLM_UNAVAILABLE" in decision.reason_codes
    assert all_orders(engine) == []

    events = transcript(engine, run.id)
    first = [e for e in events if e.attempt == 1]
    second = [e for e in events if e.attempt == 2]
    assert [e.type for e in first[:1]] == ["task"] and first[-1].type == "stop"
    assert any(e.type == "error" or any(r["is_error"] for r in e.tool_results) for e in first)
    submitted = [c for e in second for c in e.tool_calls if c["name"] == "submit_proposal"]
    assert len(submitted) == 1 and second[-1].type == "stop"


async def test_cycle_when_fallback_decides_then_the_cycle_result_carries_llm_unavailable(
    engine: Engine, llm: respx.MockRouter
) -> None:
    # What `countersign cycle` and "run now" show: the result's reason codes, not the row's.
    llm.post(COMPLETIONS_URL).mock(side_effect=ENDPOINT_FAILURES["connection-refused"])
    [result] = await run_cycles(llm_desk(engine), "XAUUSD")
    assert result.fallback_used
    assert "LLM_UNAVAILABLE" in result.reason_codes


# --- budgets ------------------------------------------------------------------------------------


async def test_cycle_when_reported_usage_exceeds_max_tokens_then_no_order_and_budget_exceeded(
    engine: Engine, llm: respx.MockRouter
) -> None:
    mock = ScriptedLLM(usage=(5_000, 500))
    route = llm.post(COMPLETIONS_URL).mock(side_effect=mock)
    desk = llm_desk(engine, budget_max_tokens=1_000)
    semi_auto_at_zero(desk)

    [result] = await run_cycles(desk, "XAUUSD")

    run, idea, decisions = _records(engine, result)
    assert (result.ended_by, run.ended_by) == ("budget_exceeded", "budget_exceeded")
    assert "BUDGET_EXCEEDED" in result.reason_codes
    assert not run.fallback_used
    assert Role.EXECUTOR not in mock.roles
    assert run.llm_calls == route.call_count
    assert run.prompt_tokens == 5_000 * route.call_count
    assert run.cost_usd == cost_usd({MODEL: PRICE}, MODEL, run.prompt_tokens, 500 * run.llm_calls)
    assert idea.status is IdeaStatus.NO_TRADE
    assert [(d.action, "BUDGET_EXCEEDED" in d.reason_codes) for d in decisions] == [
        ("no_trade", True)
    ]
    assert all_orders(engine) == []


def _slow_for(roles: frozenset[Role], mock: ScriptedLLM, seconds: float) -> AsyncSideEffect:
    """Answers the requests of `roles` after `seconds`, the others at once."""
    slow = delayed(mock, seconds)

    async def side_effect(request: httpx.Request) -> httpx.Response:
        if read_request(json.loads(request.content)).role in roles:
            return await slow(request)
        return mock(request)

    return side_effect


@pytest.mark.parametrize(
    ("slow_roles", "calls_before_the_stop"),
    [(frozenset(Role), 0), (frozenset({Role.EXECUTOR}), 4)],
    ids=["every-call", "executor-only"],
)
async def test_cycle_when_llm_is_slower_than_max_seconds_then_cancelled_without_order(
    engine: Engine,
    llm: respx.MockRouter,
    slow_roles: frozenset[Role],
    calls_before_the_stop: int,
) -> None:
    mock = ScriptedLLM()
    llm.post(COMPLETIONS_URL).mock(side_effect=_slow_for(slow_roles, mock, 5))
    desk = llm_desk(engine, budget_max_seconds=1.5)
    semi_auto_at_zero(desk)
    started = time.perf_counter()

    [result] = await run_cycles(desk, "XAUUSD")

    assert time.perf_counter() - started < 5
    run, idea, decisions = _records(engine, result)
    assert (run.status, run.ended_by) == ("finished", "budget_exceeded")
    assert run.llm_calls == calls_before_the_stop and not run.fallback_used
    assert "BUDGET_EXCEEDED" in decisions[0].reason_codes
    assert idea.status is IdeaStatus.NO_TRADE
    events = transcript(engine, run.id)
    assert events[-1].content == "Time budget of 1.5 s exceeded."
    assert all(c["name"] != "submit_proposal" for e in events for c in e.tool_calls)
    assert all_orders(engine) == []


# --- concurrency --------------------------------------------------------------------------------


async def test_cycle_when_two_symbols_run_in_parallel_on_the_llm_then_transcripts_never_mix(
    engine: Engine, llm: respx.MockRouter
) -> None:
    mock = ScriptedLLM()
    # A little latency so the two chats interleave on the shared client.
    route = llm.post(COMPLETIONS_URL).mock(side_effect=delayed(mock, 0.02))
    desk = llm_desk(engine)

    results = await run_cycles(desk, "EURUSD", "XAUUSD")

    assert sorted(r.symbol for r in results) == ["EURUSD", "XAUUSD"]
    assert sum(r.llm_calls for r in results) == route.call_count
    for result in results:
        other = "XAUUSD" if result.symbol == "EURUSD" else "EURUSD"
        events = transcript(engine, result.run_id)
        assert not result.fallback_used and {e.attempt for e in events} == {1}
        text = " ".join(e.content for e in events)
        assert result.symbol in text and other not in text
        proposals = [c["arguments"] for e in events for c in e.tool_calls if e.source == "executor"]
        assert len(proposals) == 1 and f'"symbol": "{result.symbol}"' in proposals[0]


async def test_cycle_when_the_pair_is_quoted_in_a_third_currency_then_a_decision_not_a_crash(
    engine: Engine, llm: respx.MockRouter
) -> None:
    # GBPJPY on a USD account: sizing needs a JPY->USD rate the instrument does not give.
    llm.post(COMPLETIONS_URL).mock(side_effect=ScriptedLLM())
    desk = llm_desk(engine)
    relax_filters(desk)
    strategy, _ = matching_strategy(desk, AT, "GBPJPY")

    [result] = await run_cycles(desk, "GBPJPY", strategy=strategy.name)

    run, idea, _ = _records(engine, result)
    assert run.status == "finished" and idea.symbol == "GBPJPY"
    assert all_orders(engine) == []
