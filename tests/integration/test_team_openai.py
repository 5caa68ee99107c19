"""The team through the real OpenAIChatCompletionClient against a mocked chat-completions API.

The mock answers from each request alone, like a model would: the role from the system prompt;
a text reply when the last message is a tool result, otherwise that role's tool calls, with
arguments taken from the digest in the task message. Every reply reports usage 100 + 20.
"""

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import respx

from agents import Budget, ModelConfig, ModelSet, TeamResult, build_task, run_team
from agents import test_connection as check_connection
from tests.unit.test_agents_support import CANDIDATE, FakeToolkit, make_digest
from tools.proposal import TradeProposal

BASE_URL = "https://llm.test/v1"
COMPLETIONS = f"{BASE_URL}/chat/completions"
API_KEY = "sk-test-secret"
PROMPT_TOKENS, COMPLETION_TOKENS = 100, 20
_ROLE = re.compile(r"You are the (technical analyst|news analyst|risk manager|executor) ")
_ROLE_NAMES = {"technical analyst": "technical", "news analyst": "news", "risk manager": "risk"}


def _digest(messages: list[dict[str, Any]]) -> dict[str, Any]:
    task = next(m["content"] for m in messages if "DESK DIGEST" in str(m.get("content")))
    return json.loads(task.split("DESK DIGEST (JSON, one line):\n", 1)[1].splitlines()[0])


def _tool_calls(role: str, digest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    proposal = {**digest["candidate"], "symbol": digest["symbol"]}
    side = {"direction": proposal["direction"]}
    return {
        "technical": [("indicators", {}), ("evaluate_strategy", {}), ("key_levels", {})],
        "news": [("upcoming_events", {}), ("headlines", {})],
        "risk": [
            ("position_size", side),
            ("risk_checks", {"proposal": proposal}),
            ("confidence", side),
        ],
        "executor": [
            ("submit_proposal", {"proposal": proposal | {"rationale": "conditions pass"}})
        ],
    }[role]


def _completion(model: str, message: dict[str, Any], finish_reason: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {
                "prompt_tokens": PROMPT_TOKENS,
                "completion_tokens": COMPLETION_TOKENS,
                "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
            },
        },
    )


class FakeLLM:
    """`tamper` replaces a role's first tool call with (name, raw arguments); roles in `chatty`
    answer in text straight away, without calling a tool."""

    def __init__(
        self, tamper: dict[str, tuple[str, str]] | None = None, chatty: frozenset[str] = frozenset()
    ) -> None:
        self.tamper = tamper or {}
        self.chatty = chatty
        self.roles: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        match = _ROLE.search(body["messages"][0]["content"])
        assert match, "every request starts with a desk role's system prompt"
        role = _ROLE_NAMES.get(match.group(1), match.group(1))
        self.roles.append(role)
        if body["messages"][-1]["role"] == "tool" or role in self.chatty:
            text = {"role": "assistant", "content": f"{role}: RSI 58.2, both conditions pass."}
            return _completion(body["model"], text, "stop")
        calls = [(n, json.dumps(a)) for n, a in _tool_calls(role, _digest(body["messages"]))]
        if role in self.tamper:
            calls[0] = self.tamper[role]
        tool_calls = [
            {"id": f"call_{role}_{i}", "type": "function", "function": {"name": n, "arguments": a}}
            for i, (n, a) in enumerate(calls)
        ]
        message = {"role": "assistant", "content": None, "tool_calls": tool_calls}
        return _completion(body["model"], message, "tool_calls")


def _config(**changes: Any) -> ModelConfig:
    settings = {"base_url": BASE_URL, "model": "test-model", "api_key": API_KEY, "max_retries": 0}
    return ModelConfig(**settings | changes)


@pytest.fixture
async def models() -> AsyncIterator[ModelSet]:
    model_set = ModelSet.from_config(_config())
    yield model_set
    await model_set.aclose()


@pytest.fixture
def llm() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


async def _run(models: ModelSet, toolkit: FakeToolkit, budget: Budget | None = None) -> TeamResult:
    task = build_task(make_digest(toolkit.symbol))
    return await run_team(task=task, toolkit=toolkit, models=models, budget=budget or Budget())


async def test_run_team_when_endpoint_answers_then_four_agents_submit_a_valid_proposal(
    llm: respx.MockRouter, models: ModelSet
) -> None:
    fake = FakeLLM()
    route = llm.post(COMPLETIONS).mock(side_effect=fake)
    toolkit = FakeToolkit()

    result = await _run(models, toolkit)

    assert result.ended_by == "submitted", result.error
    assert fake.roles == ["technical", "technical", "news", "risk", "executor"]
    speakers = list(dict.fromkeys(e.source for e in result.events))
    assert speakers == ["user", "technical", "news", "risk", "executor", "system"]
    for agent in ("technical", "news", "risk", "executor"):
        kinds = [e.type for e in result.events if e.source == agent]
        assert kinds[:2] == ["tool_call", "tool_result"], agent
    [proposal] = toolkit.submitted
    assert isinstance(proposal, TradeProposal)
    assert proposal.model_dump(include=set(CANDIDATE)) == CANDIDATE
    assert result.proposal == proposal
    assert route.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"
    assert result.llm_calls == route.call_count == 5
    assert (result.prompt_tokens, result.completion_tokens) == (500, 100)
    usage = [(e.prompt_tokens, e.completion_tokens) for e in result.events if e.prompt_tokens]
    assert usage == [(PROMPT_TOKENS, COMPLETION_TOKENS)] * 5
    assert result.model == "test-model"


_JSON = {"content-type": "application/json"}


def _status(code: int) -> Callable[[httpx.Request], httpx.Response]:
    body = {"error": {"message": f"Incorrect API key provided: {API_KEY}", "code": str(code)}}
    return lambda request: httpx.Response(code, json=body)


@pytest.mark.parametrize(
    ("side_effect", "expected"),
    [
        (httpx.ConnectError("connection refused"), "could not be reached"),
        (_status(401), "refused the API key"),
        (_status(429), "limiting requests"),
        (_status(500), "failed on its side"),
        (httpx.ReadTimeout("read timed out"), "did not answer in time"),
        (
            lambda request: httpx.Response(200, content=b"{not json", headers=_JSON),
            "not valid JSON",
        ),
        (lambda request: httpx.Response(200, html="<p>Sign in</p>"), "The model call failed"),
        (lambda request: httpx.Response(200, json={"object": "error"}), "The model call failed"),
    ],
    ids=["refused", "401", "429", "500", "timeout", "invalid-json", "html-page", "no-choices"],
)
async def test_run_team_when_endpoint_fails_then_llm_unavailable_and_nothing_submitted(
    llm: respx.MockRouter, models: ModelSet, side_effect: Any, expected: str
) -> None:
    route = llm.post(COMPLETIONS).mock(side_effect=side_effect)
    toolkit = FakeToolkit()

    result = await _run(models, toolkit)

    assert result.ended_by == "llm_unavailable"
    assert result.error is not None
    assert expected in result.error
    assert route.call_count == 1  # max_retries=0, and the first failure ends the run
    assert toolkit.calls == []
    assert result.submitted is None
    assert [e.type for e in result.events] == ["task", "error", "stop"]
    assert all(API_KEY not in e.content for e in result.events)
    assert API_KEY not in result.error


@pytest.mark.parametrize(
    "bad_call",
    [
        ("submit_proposal", '{"proposal": {"symbol": "EURUSD", "direction": "buy"'),
        ("place_order", '{"symbol": "EURUSD", "lots": 100}'),
        ("submit_proposal", '{"proposal": {"symbol": "EURUSD", "direction": "up"}}'),
        ("submit_proposal", '{"proposal": {"symbol": "EURUSD", "direction": "buy", "lots": -1}}'),
    ],
    ids=["malformed-json", "unknown-tool", "invalid-direction", "negative-lots"],
)
async def test_run_team_when_executor_sends_a_bad_call_then_llm_unavailable_and_nothing_submitted(
    llm: respx.MockRouter, models: ModelSet, bad_call: tuple[str, str]
) -> None:
    llm.post(COMPLETIONS).mock(side_effect=FakeLLM(tamper={"executor": bad_call}))
    toolkit = FakeToolkit()

    result = await _run(models, toolkit)

    assert result.ended_by == "llm_unavailable"
    assert result.error is not None
    assert "submit_proposal call was invalid" in result.error
    assert [name for name, _ in toolkit.calls if name == "submit_proposal"] == []


async def test_run_team_when_analyst_sends_malformed_arguments_then_it_recovers_and_submits(
    llm: respx.MockRouter, models: ModelSet
) -> None:
    # The tool error goes back to the model, whose next reply (text here) ends the analyst's
    # turn; the run carries on, so this is not llm_unavailable.
    llm.post(COMPLETIONS).mock(side_effect=FakeLLM(tamper={"technical": ("indicators", "{oops")}))
    toolkit = FakeToolkit()

    result = await _run(models, toolkit)

    assert result.ended_by == "submitted"
    [technical_results] = [
        e for e in result.events if e.source == "technical" and e.type == "tool_result"
    ]
    assert [r["is_error"] for r in technical_results.tool_results] == [True, False, False]
    assert len(toolkit.submitted) == 1


async def test_run_team_when_technical_answers_from_the_digest_then_four_calls_suffice(
    llm: respx.MockRouter, models: ModelSet
) -> None:
    route = llm.post(COMPLETIONS).mock(side_effect=FakeLLM(chatty=frozenset({"technical"})))
    result = await _run(models, FakeToolkit())
    assert result.ended_by == "submitted"
    assert result.llm_calls == route.call_count == 4


async def test_run_team_when_executor_only_talks_then_no_proposal_and_the_run_ends(
    llm: respx.MockRouter, models: ModelSet
) -> None:
    fake = FakeLLM(chatty=frozenset({"executor"}))
    llm.post(COMPLETIONS).mock(side_effect=fake)
    toolkit = FakeToolkit()

    result = await _run(models, toolkit)

    assert result.ended_by == "no_proposal"
    assert result.error is None
    assert fake.roles == ["technical", "technical", "news", "risk", "executor"]  # no 2nd round
    assert toolkit.submitted == []


async def test_run_team_when_two_runs_share_the_client_then_transcripts_never_mix(
    llm: respx.MockRouter, models: ModelSet
) -> None:
    llm.post(COMPLETIONS).mock(side_effect=FakeLLM())
    euro, cable = FakeToolkit("EURUSD"), FakeToolkit("GBPUSD")

    first, second = await asyncio.gather(_run(models, euro), _run(models, cable))

    for result, toolkit, other in ((first, euro, "GBPUSD"), (second, cable, "EURUSD")):
        assert result.ended_by == "submitted"
        assert [p.symbol for p in toolkit.submitted] == [toolkit.symbol]
        assert all(other not in e.content for e in result.events)
        assert (result.llm_calls, result.prompt_tokens) == (5, 500)


async def test_run_team_when_the_model_is_slower_than_max_seconds_then_budget_exceeded(
    llm: respx.MockRouter, models: ModelSet
) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return FakeLLM()(request)

    llm.post(COMPLETIONS).mock(side_effect=slow)
    started = time.perf_counter()

    result = await _run(models, FakeToolkit(), Budget(max_seconds=0.3))

    assert time.perf_counter() - started < 2
    assert result.ended_by == "budget_exceeded"
    assert result.llm_calls == 0


async def test_run_team_when_endpoint_is_down_then_offline_rerun_submits(
    llm: respx.MockRouter, models: ModelSet
) -> None:
    llm.post(COMPLETIONS).mock(side_effect=httpx.ConnectError("connection refused"))
    toolkit = FakeToolkit()

    failed = await _run(models, toolkit)
    fallback = await _run(ModelSet.offline(), toolkit)

    assert failed.ended_by == "llm_unavailable"
    assert fallback.ended_by == "submitted"
    assert fallback.model.startswith("countersign-offline")
    assert len(toolkit.submitted) == 1


async def test_test_connection_when_endpoint_answers_then_ai_online(
    llm: respx.MockRouter,
) -> None:
    llm.post(COMPLETIONS).mock(return_value=_completion("test-model", {"content": "OK"}, "stop"))
    assert await check_connection(_config()) == (True, "AI online (test-model)")


@pytest.mark.parametrize(
    ("side_effect", "expected"),
    [
        (_status(401), "The endpoint refused the API key"),
        (httpx.ConnectError("connection refused"), "The AI endpoint could not be reached"),
    ],
)
async def test_test_connection_when_endpoint_fails_then_plain_words_without_status_code(
    llm: respx.MockRouter, side_effect: Any, expected: str
) -> None:
    llm.post(COMPLETIONS).mock(side_effect=side_effect)
    ok, message = await check_connection(_config())
    assert (ok, message) == (False, expected)
    assert not re.search(r"\d{3}", message)
