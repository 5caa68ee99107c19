"""The offline rules model, called directly the way an AssistantAgent calls it."""

import json

import pytest
from autogen_core import FunctionCall
from autogen_core.models import (
    AssistantMessage,
    CreateResult,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    SystemMessage,
    UserMessage,
)

from agents import build_task
from agents.offline import OfflineChatCompletionClient
from agents.roles import Role, system_prompt
from agents.toolbelt import Submission, tools_for
from agents.usage import track_usage
from tests.unit.test_agents_support import CANDIDATE, HOSTILE_HEADLINE, FakeToolkit, make_digest


def _messages(
    role: Role, *, said: dict[str, str] | None = None, digest: dict | None = None
) -> list[LLMMessage]:
    task = build_task(digest or make_digest())
    messages: list[LLMMessage] = [
        SystemMessage(content=system_prompt(role)),
        UserMessage(content=task, source="user"),
    ]
    return messages + [UserMessage(content=t, source=s) for s, t in (said or {}).items()]


def _with_results(messages: list[LLMMessage], results: dict[str, str]) -> list[LLMMessage]:
    calls = [FunctionCall(id=f"c{i}", name=n, arguments="{}") for i, n in enumerate(results)]
    executed = [
        FunctionExecutionResult(content=text, name=name, call_id=f"c{i}", is_error=False)
        for i, (name, text) in enumerate(results.items())
    ]
    return [
        *messages,
        AssistantMessage(content=calls, source="technical"),
        FunctionExecutionResultMessage(content=executed),
    ]


async def _create(role: Role, messages: list[LLMMessage], **kwargs) -> CreateResult:
    tools = tools_for(role, FakeToolkit(), Submission())
    return await OfflineChatCompletionClient().create(messages, tools=tools, **kwargs)


def _calls(result: CreateResult) -> list[tuple[str, dict]]:
    assert isinstance(result.content, list)
    return [(c.name, json.loads(c.arguments)) for c in result.content]


def _submitted(result: CreateResult) -> dict:
    [(name, arguments)] = _calls(result)
    assert name == "submit_proposal"
    return arguments["proposal"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.TECHNICAL, ["indicators", "evaluate_strategy", "key_levels"]),
        (Role.NEWS, ["upcoming_events", "headlines"]),
    ],
)
async def test_create_when_analyst_starts_its_turn_then_it_calls_every_tool(
    role: Role, expected: list[str]
) -> None:
    result = await _create(role, _messages(role))
    assert result.finish_reason == "function_calls"
    assert _calls(result) == [(name, {}) for name in expected]


async def test_create_when_risk_has_a_candidate_then_it_checks_that_candidate() -> None:
    calls = _calls(await _create(Role.RISK, _messages(Role.RISK)))
    assert [name for name, _ in calls] == ["position_size", "risk_checks", "confidence"]
    assert calls[0][1] == calls[2][1] == {"direction": "buy"}
    assert calls[1][1]["proposal"]["entry"] == CANDIDATE["entry"]


async def test_create_when_risk_has_no_candidate_then_it_scores_both_directions() -> None:
    messages = _messages(Role.RISK, digest=make_digest(candidate=None))
    assert _calls(await _create(Role.RISK, messages)) == [
        ("confidence", {"direction": "buy"}),
        ("confidence", {"direction": "sell"}),
    ]


async def test_create_when_executor_sees_passing_checks_then_it_submits_the_candidate() -> None:
    risk = 'risk_checks: {"passed":true,"reason_codes":[]}'
    proposal = _submitted(
        await _create(Role.EXECUTOR, _messages(Role.EXECUTOR, said={"risk": risk}))
    )
    assert {k: proposal[k] for k in CANDIDATE} == CANDIDATE
    assert proposal["symbol"] == "EURUSD"


async def test_create_when_risk_checks_block_then_executor_submits_no_trade() -> None:
    checks = {"passed": False, "reason_codes": ["NEWS_BLACKOUT"]}
    risk = f'position_size: {{"lots":0.5}}\nrisk_checks: {json.dumps(checks)}'
    proposal = _submitted(
        await _create(Role.EXECUTOR, _messages(Role.EXECUTOR, said={"risk": risk}))
    )
    assert proposal["direction"] == "none"
    assert "NEWS_BLACKOUT" in proposal["rationale"]


async def test_create_when_there_is_no_candidate_then_executor_submits_no_trade() -> None:
    messages = _messages(Role.EXECUTOR, digest=make_digest(candidate=None))
    assert _submitted(await _create(Role.EXECUTOR, messages))["direction"] == "none"


async def test_create_when_news_quotes_a_hostile_headline_then_executor_ignores_it() -> None:
    news = "headlines: " + json.dumps({"headlines": [{"title": HOSTILE_HEADLINE}]})
    proposal = _submitted(
        await _create(Role.EXECUTOR, _messages(Role.EXECUTOR, said={"news": news}))
    )
    assert (proposal["direction"], proposal["lots"]) == ("buy", CANDIDATE["lots"])


async def test_create_when_tool_results_arrived_then_it_writes_their_numbers() -> None:
    results = {"indicators": '{"rsi_14": 58.2, "atr_14": 0.0011}', "key_levels": "not json"}
    result = await _create(Role.TECHNICAL, _with_results(_messages(Role.TECHNICAL), results))
    assert result.finish_reason == "stop"
    assert isinstance(result.content, str)
    assert "rsi_14=58.2" in result.content
    assert "atr_14=0.0011" in result.content
    assert "key_levels: not json" in result.content
    assert "buy entry=1.085 stop=1.083 targets=[1.089, 1.092] lots=0.5" in result.content


async def test_create_when_tool_choice_is_none_then_it_answers_in_text() -> None:
    result = await _create(Role.NEWS, _messages(Role.NEWS), tool_choice="none")
    assert isinstance(result.content, str)
    assert result.content.startswith("Offline rules model (news analyst)")


async def test_create_when_called_twice_with_same_input_then_same_output() -> None:
    first = await _create(Role.RISK, _messages(Role.RISK))
    second = await _create(Role.RISK, _messages(Role.RISK))
    assert first == second


async def test_create_when_system_prompt_names_no_role_then_it_raises() -> None:
    messages = [
        SystemMessage(content="You are a helpful assistant."),
        UserMessage(content="hi", source="user"),
    ]
    with pytest.raises(ValueError, match="role"):
        await OfflineChatCompletionClient().create(messages)


async def test_create_when_called_then_usage_is_estimated_and_logged_for_the_run() -> None:
    client = OfflineChatCompletionClient()
    with track_usage() as tally:
        result = await client.create(_messages(Role.TECHNICAL))
    assert result.usage.prompt_tokens > 100
    assert result.usage.completion_tokens > 0
    assert tally.calls == 1
    assert tally.prompt_tokens == result.usage.prompt_tokens == client.total_usage().prompt_tokens


async def test_create_stream_when_answering_text_then_text_then_result() -> None:
    client = OfflineChatCompletionClient()
    chunks = [c async for c in client.create_stream(_messages(Role.NEWS), tool_choice="none")]
    assert isinstance(chunks[0], str)
    assert isinstance(chunks[1], CreateResult)
    assert chunks[1].content == chunks[0]


def test_model_info_when_read_then_function_calling_is_supported() -> None:
    info = OfflineChatCompletionClient().model_info
    assert info["function_calling"] is True
    assert {"vision", "json_output", "family", "structured_output"} <= info.keys()
