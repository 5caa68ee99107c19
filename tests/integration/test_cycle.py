"""Cycles with the offline rules model: the whole desk with no key, end to end."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from agents import Budget, ModelSet
from orchestrator.cycle import CycleRunner
from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import session_scope
from store.models import DecisionRow, OrderRow, RunRow, TradeIdeaRow, TranscriptEventRow

AT = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
BREAKOUT = "Momentum breakout"  # proposes a buy on the demo XAUUSD market at AT


@pytest.fixture
def desk(engine: Engine) -> Desk:
    return Desk(engine, load_settings(), clock=lambda: AT)


def _events(engine: Engine, run_id: int) -> list[TranscriptEventRow]:
    with session_scope(engine) as session:
        query = select(TranscriptEventRow).where(TranscriptEventRow.run_id == run_id)
        return list(
            session.exec(query.order_by(TranscriptEventRow.attempt, TranscriptEventRow.seq)).all()
        )


def test_cycle_when_offline_then_four_agents_speak_in_order_and_idea_is_recorded(
    desk: Desk, engine: Engine
) -> None:
    runner = CycleRunner(desk, ModelSet.offline())
    [result] = asyncio.run(runner.run_symbol("XAUUSD", AT, BREAKOUT))

    events = _events(engine, result.run_id)
    speakers = [e.source for e in events if e.type == "text"]
    assert speakers == ["technical", "news", "risk", "executor"]
    tool_calls = [c["name"] for e in events for c in e.tool_calls]
    assert {"indicators", "upcoming_events", "risk_checks", "submit_proposal"} <= set(tool_calls)
    assert all(e.tool_results for e in events if e.type == "tool_result")
    with session_scope(engine) as session:
        run = session.get_one(RunRow, result.run_id)
        idea = session.get_one(TradeIdeaRow, result.idea_id)
        decisions = session.exec(select(DecisionRow).where(DecisionRow.idea_id == idea.id)).all()
    assert (run.status, run.ended_by, run.idea_id) == ("finished", "submitted", idea.id)
    assert 1 <= run.llm_calls <= 6 and run.prompt_tokens > 0
    assert "offline" in run.model
    assert idea.status == result.status == "needs_approval" and idea.run_id == run.id
    assert [d.action for d in decisions] == ["needs_approval"]


def test_cycle_when_two_symbols_in_parallel_then_transcripts_never_mix(
    desk: Desk, engine: Engine
) -> None:
    runner = CycleRunner(desk, ModelSet.offline())
    results = asyncio.run(runner.run_watchlist(AT, ["EURUSD", "XAUUSD"], BREAKOUT))
    assert {r.symbol for r in results} == {"EURUSD", "XAUUSD"}
    for result in results:
        other = "XAUUSD" if result.symbol == "EURUSD" else "EURUSD"
        text = " ".join(e.content for e in _events(engine, result.run_id))
        assert result.symbol in text and other not in text


def test_cycle_when_message_budget_too_small_then_no_order_and_budget_exceeded(
    desk: Desk, engine: Engine
) -> None:
    desk.update_risk_config({"min_confidence_threshold": 0}, actor="test")
    runner = CycleRunner(desk, ModelSet.offline(), budget=Budget(max_messages=3))
    [result] = asyncio.run(runner.run_symbol("XAUUSD", AT, BREAKOUT))
    assert result.ended_by == "budget_exceeded"
    assert "BUDGET_EXCEEDED" in result.reason_codes
    with session_scope(engine) as session:
        assert session.exec(select(OrderRow)).all() == []
        idea = session.get_one(TradeIdeaRow, result.idea_id)
    assert idea.status == "no_trade"


def test_cycle_when_run_streams_then_live_watchers_get_every_persisted_event(
    desk: Desk, engine: Engine
) -> None:
    runner = CycleRunner(desk, ModelSet.offline())
    seen: list[dict] = []

    async def run() -> list:
        queue = runner.live.watch()
        results = await runner.run_symbol("XAUUSD", AT, BREAKOUT)
        while not queue.empty():
            seen.append(queue.get_nowait())
        return results

    [result] = asyncio.run(run())
    assert [e["seq"] for e in seen] == [e.seq for e in _events(engine, result.run_id)]
