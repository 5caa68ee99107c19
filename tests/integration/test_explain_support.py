"""Helpers shared by the explain tests (no tests here): ideas in each state a trader asks about,
row counts that prove nothing changed, and an explainer model mocked at the HTTP level.

`ExplainerLLM` is a respx side effect for the real OpenAI client: a question's first request
gets tool calls (by default the read-only idea and checks views), the request after the tool
results gets `reply(results by tool name)` as text. It answers streamed requests with
server-sent chunks as the OpenAI API does.
"""

import asyncio
import json
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from agents import ModelSet
from orchestrator.cycle import CycleRunner
from orchestrator.desk import Desk
from orchestrator.positions import advance_paper
from store.db import session_scope
from store.models import (
    DecisionRow,
    ExplainMessageRow,
    HaltRow,
    OrderRow,
    PositionRow,
    RiskConfigRow,
    StrategyRow,
    TradeIdeaRow,
)
from tests.desk_helpers import AT, TEST_STRATEGY, Clock, matching_strategy, queue_idea
from tools.lifecycle import IdeaStatus
from tools.proposal import TradeProposal

Reply = Callable[[dict[str, Any]], str]
_WATCHED: tuple[type[SQLModel], ...] = (
    TradeIdeaRow,
    DecisionRow,
    OrderRow,
    PositionRow,
    HaltRow,
    StrategyRow,
)


def rejected_idea(desk: Desk) -> int:
    """An idea the gate rejected on MIN_RR: the desk asks for R:R 5, the strategy gives 2."""
    desk.update_risk_config({"min_rr": 5.0}, actor="test")
    strategy, direction = matching_strategy(desk)
    snapshot = desk.snapshots.build("EURUSD", AT)
    proposal = TradeProposal(symbol="EURUSD", direction=direction, strategy=strategy.name)
    result = desk.propose(snapshot, proposal, strategy=strategy)
    assert result.status is IdeaStatus.REJECTED, result.decision.reason_codes
    desk.update_risk_config({"min_rr": 1.5}, actor="test")
    return result.idea_id


def closed_trade_idea(desk: Desk, clock: Clock) -> int:
    """An idea approved, filled on paper and closed ten days later by its stop or target."""
    idea_id = queue_idea(desk)
    desk.approve(idea_id)
    clock.now = AT + timedelta(days=10)
    [_trade] = advance_paper(desk, clock.now)
    return idea_id


def run_idea(desk: Desk) -> int:
    """An idea proposed by an offline agent run, so it has a transcript."""
    matching_strategy(desk)
    runner = CycleRunner(desk, ModelSet.offline())
    [result] = asyncio.run(runner.run_symbol("EURUSD", AT, TEST_STRATEGY))
    assert result.idea_id is not None
    return result.idea_id


def row_counts(engine: Engine) -> dict[str, Any]:
    """Rows of every table the desk acts through, and the risk config as stored."""
    with session_scope(engine) as session:
        counts: dict[str, Any] = {
            str(model.__tablename__): session.exec(select(func.count()).select_from(model)).one()
            for model in _WATCHED
        }
        config = session.get(RiskConfigRow, 1)
        counts["risk_config"] = (config.config, config.version) if config else None
        counts["idea_versions"] = sorted(session.exec(select(TradeIdeaRow.version)).all())
    return counts


def explain_messages(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(ExplainMessageRow)).one()


def grounded_reply(results: dict[str, Any]) -> str:
    idea = results["idea"]
    return (
        f"Idea #{idea['id']} on {idea['symbol']} is {idea['status']}: its confidence "
        f"{idea['confidence']} and R:R {idea['rr']} come from the gate's checks."
    )


def _tool_names(messages: list[dict[str, Any]]) -> dict[str, str]:
    return {
        call["id"]: call["function"]["name"]
        for message in messages
        for call in message.get("tool_calls") or []
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {"id": "chunk", "object": "chat.completion.chunk", "created": 0, "model": model}
    return f"data: {json.dumps(body | {'choices': [choice]})}\n\n"


class ExplainerLLM:
    def __init__(
        self,
        calls: Iterable[tuple[str, dict[str, Any]]] = (("idea", {}), ("checks", {})),
        reply: Reply = grounded_reply,
    ) -> None:
        self.calls = list(calls)
        self.reply = reply
        self.bodies: list[dict[str, Any]] = []

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        assert "You are the explainer" in messages[0]["content"]
        if messages[-1]["role"] != "tool":
            calls = [
                {
                    "id": f"call_{len(self.bodies)}_{i}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
                for i, (name, arguments) in enumerate(self.calls)
            ]
            return {"role": "assistant", "content": None, "tool_calls": calls}
        names = _tool_names(messages)
        results = {}
        for message in messages:
            if message["role"] == "tool":
                try:
                    results[names[message["tool_call_id"]]] = json.loads(message["content"])
                except json.JSONDecodeError:
                    results[names[message["tool_call_id"]]] = {"error": message["content"]}
        return {"role": "assistant", "content": self.reply(results)}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        message = self._message(body)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        if not body.get("stream"):
            choice = {"index": 0, "message": message, "finish_reason": finish}
            usage = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
            return httpx.Response(
                200,
                json={
                    "id": "chatcmpl-explain",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [choice],
                    "usage": usage,
                },
            )
        return httpx.Response(
            200,
            content=self._stream(body["model"], message, finish).encode(),
            headers={"content-type": "text/event-stream"},
        )

    @staticmethod
    def _stream(model: str, message: dict[str, Any], finish: str) -> str:
        if message.get("tool_calls"):
            calls = [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
            deltas = [{"role": "assistant", "tool_calls": calls}]
        else:
            words = message["content"].split(" ")
            pieces = [" ".join(words[: len(words) // 2]) + " ", " ".join(words[len(words) // 2 :])]
            deltas = [{"role": "assistant", "content": piece} for piece in pieces]
        events = [_chunk(model, delta, None) for delta in deltas]
        return "".join([*events, _chunk(model, {}, finish), "data: [DONE]\n\n"])
